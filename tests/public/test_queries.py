"""Query counts of the public pages do not grow with the number of points or shifts."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kamavor.public import services
from kamavor.public.cache import store
from kamavor.public.models import Level
from tests.factories import make_point
from tests.volunteers.helpers import make_shift


def _queries(client, path: str) -> int:
    """Queries of a cold build: nothing kept in the page cache or the figures' cache."""
    cache.clear()
    store.clear()
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
