"""Query counts of the public pages do not grow with the number of points or shifts."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kamavor.needs.models import Request
from kamavor.needs.services import LineIn, create_request
from kamavor.public import services
from kamavor.public.cache import parts, store
from kamavor.public.models import Level
from tests.factories import make_point
from tests.needs.helpers import make_household
from tests.volunteers.helpers import make_shift


def _queries(client, path: str) -> int:
    """Queries of a cold build: nothing kept in the page cache, its parts or the figures'
    cache."""
    cache.clear()
    store.clear()
    parts.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def _grow(w, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        point = make_point(w.org, f"Extra point {i}")
        services.set_override(
            point=point, item=w.soap, level=Level.URGENT, note="n", by=w.coordinator
        )
        services.update_page(point=point, listed=True, accepts=[w.soap.category], by=w.coordinator)
        make_shift(w, point=point, in_hours=3 + i)


def test_the_network_page_and_the_board_take_the_same_queries_for_more_points(client, w):
    _grow(w, 2)
    network, board = _queries(client, "/en/"), _queries(client, "/en/shifts/")
    _grow(w, 8, start=2)
    assert _queries(client, "/en/") == network
    assert _queries(client, "/en/shifts/") == board
    assert network <= 12 and board <= 5


def test_the_point_page_takes_a_few_queries(client, w):
    _grow(w, 3)
    # 16: one of them asks whether the organisation publishes its accounts (a link).
    assert _queries(client, f"/en/{w.point.slug}/") <= 16


def _rebuild_queries(client, path: str) -> int:
    """Queries of a rebuild after a posting: the page cache emptied, the window sums kept."""
    client.get(path)
    store.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_network_page_reads_open_requests_in_one_query_however_many(client, w):
    """Open requests are read from the kept totals: more requests, lines and items asked for
    add no query to a rebuild."""
    household = make_household(w)
    create_request(
        by=w.coordinator,
        household=household,
        lines=[LineIn(item=w.soap, quantity=2), LineIn(category=w.soap.category, quantity=1)],
    )
    before = _rebuild_queries(client, "/en/")
    for item in (w.rice, w.toothpaste, w.jacket):
        create_request(
            by=w.coordinator,
            household=household,
            lines=[LineIn(item=item, quantity=3, size="110" if item == w.jacket else "")],
            urgency=Request.Urgency.HIGH,
        )
    create_request(
        by=w.coordinator, household=household, lines=[LineIn(category=w.rice.category, quantity=1)]
    )
    assert _rebuild_queries(client, "/en/") == before
    assert before <= 14  # 2 of them only while some request asks for a whole category
