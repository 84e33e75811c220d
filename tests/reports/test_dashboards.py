"""Dashboards: figures equal the ledger's, charts come with their numbers and downloads, scoped
to the member, light, and read with a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kamavor.reports.dashboard import forget_kept
from kamavor.reports.exports import as_bytes, read_back
from kamavor.sorting import services as sorting
from kamavor.stock.services import IntakeLine
from tests.factories import desk, donate, make_household


def _urls(w) -> list[str]:
    return [
        reverse("reports:point_dashboard", args=[w.point.pk]),
        reverse("reports:organisation_dashboard", args=[w.org.pk]),
        reverse("reports:network_dashboard"),
    ]


def test_it_shows_stock_by_category_and_the_days_intake(w):
    donate(w, IntakeLine(w.soap, 7), IntakeLine(w.rice, 5, expiry=w.later(10)))
    donate(w, IntakeLine(w.soap, 4), point=w.warehouse)
    client = desk(w.coordinator)
    for url, units in zip(_urls(w), (12, 16, 16), strict=True):
        response = client.get(url)
        assert response.status_code == 200
        board = response.context["board"]
        assert board.on_hand == units
        assert board.intake == units  # all of it came in today
        assert board.flows[-1].on_hand == units and board.flows[0].on_hand == 0
        body = response.content.decode()
        assert body.count("<svg") == len(response.context["charts"]) == 7  # with the backlog
        assert len(response.content) < 100_000
    by_category = dict(client.get(_urls(w)[0]).context["board"].by_category)
    assert by_category == {"Food": 5, "Hygiene": 7}


def test_it_lists_what_expires_within_30_days(w):
    donate(w, IntakeLine(w.rice, 5, expiry=w.later(10)), IntakeLine(w.rice, 3, expiry=w.later(60)))
    board = desk(w.coordinator).get(_urls(w)[0]).context["board"]
    assert board.expiring_units == 5
    assert board.expiring[0]["item"] == "Rice, 1 kg" and board.expiring[0]["units"] == 5


@pytest.mark.parametrize("days", [14, 30, 90])
def test_each_chart_downloads_the_numbers_it_shows(w, days):
    donate(w, IntakeLine(w.soap, 7))
    client = desk(w.coordinator)
    url = _urls(w)[0]
    page = client.get(url, {"days": days})
    assert len(page.context["board"].flows) == days
    for chart in page.context["charts"]:
        for fmt in ("csv", "xlsx"):
            response = client.get(url, {"days": days, "chart": chart.ident, "format": fmt})
            assert response.status_code == 200
            rows = read_back(as_bytes(response), fmt)
            assert rows[0] == chart.labels
            assert len(rows) - 2 == len(chart.rows)
            if fmt == "xlsx" and chart.ident == "stock":
                assert rows[2:] == [list(row) for row in chart.rows]
    assert client.get(url, {"chart": "nope"}).status_code == 404


def test_dashboards_are_a_coordinators_and_scoped(w):
    donate(w, IntakeLine(w.soap, 7))
    for url in _urls(w)[:2]:
        assert desk(w.outsider).get(url).status_code == 404
        assert desk(w.volunteer).get(url).status_code == 403
        assert desk().get(url).status_code == 302
    outsider = desk(w.outsider).get(_urls(w)[2])
    assert outsider.status_code == 200 and outsider.context["board"].on_hand == 0
    assert w.point.name not in outsider.content.decode()


def test_it_speaks_the_readers_language(w):
    donate(w, IntakeLine(w.soap, 7))
    client = desk(w.coordinator)
    body = client.get(_urls(w)[0], HTTP_ACCEPT_LANGUAGE="hy").content.decode()
    assert "Հիգիենա" in body


# Queries of each dashboard built, pinned: the session, member and second factor, the scope's
# points, the ledger's mark, then the figures (stock, flows, households: the organisations'
# points, hand-outs and latest visits or documents, requests and dues, expiry, volunteers,
# backlog). A kept dashboard reads only what comes before the figures.
QUERIES = {"point": 26, "organisation": 28, "network": 26}
KEPT = {"point": 9, "organisation": 11, "network": 9}


@pytest.mark.parametrize("kind", ["point", "organisation", "network"])
def test_each_dashboard_reads_a_fixed_number_of_queries(w, kind):
    client = desk(w.coordinator)
    url = dict(zip(["point", "organisation", "network"], _urls(w), strict=True))[kind]

    def count(*, kept: bool = False) -> int:
        if not kept:
            forget_kept()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"days": 90}).status_code == 200
        return len(queries)

    donate(w, IntakeLine(w.soap, 1), IntakeLine(w.rice, 1, expiry=w.later(2)))
    count()  # warm the per-process caches of dues
    assert count() == QUERIES[kind]
    assert count(kept=True) == KEPT[kind]
    for n in range(10):
        donate(
            w, IntakeLine(w.rice, n + 1, expiry=w.later(n + 3)), IntakeLine(w.jacket, 1, size="98")
        )
        donate(w, IntakeLine(w.toothpaste, 2, expiry=w.later(5)), point=w.warehouse)
        sorting.record_drop_off(point=w.point, bags=n + 1, by=w.coordinator)
    assert count(kept=True) == QUERIES[kind]  # the ledger moved: built again
    assert count(kept=True) == KEPT[kind]


def test_a_kept_dashboard_follows_the_ledger_and_is_never_older_than_its_max_age(w, monkeypatch):
    from kamavor.reports import dashboard

    now = [1000.0]
    monkeypatch.setattr(dashboard, "clock", lambda: now[0])
    client = desk(w.coordinator)
    url = _urls(w)[0]
    donate(w, IntakeLine(w.soap, 7))
    assert client.get(url).context["board"].on_hand == 7
    sorting.record_drop_off(point=w.point, bags=2, by=w.coordinator)  # no movement
    assert client.get(url).context["board"].backlog_bags == 0  # kept
    donate(w, IntakeLine(w.soap, 1))  # the ledger moves: stock is never behind it
    board = client.get(url).context["board"]
    assert (board.on_hand, board.backlog_bags) == (8, 2)
    sorting.record_drop_off(point=w.point, bags=3, by=w.coordinator)
    now[0] += dashboard.MAX_AGE_SECONDS - 1
    assert client.get(url).context["board"].backlog_bags == 2
    now[0] += 1
    assert client.get(url).context["board"].backlog_bags == 5
    other_period = client.get(url, {"days": 14}).context["board"]
    assert other_period.days == 14 and other_period.on_hand == 8


def test_it_shows_the_sorting_backlog_by_kind_and_age(w):
    import datetime as dt

    from django.utils import timezone

    from kamavor.sorting.models import DropOff

    client = desk(w.coordinator)
    url = _urls(w)[0]
    empty = client.get(url).context
    assert empty["board"].sorting and empty["board"].backlog == []
    forget_kept()  # the queue moves without the ledger: see the test of kept dashboards
    old = sorting.record_drop_off(point=w.point, bags=3, kind="clothing", by=w.coordinator)
    DropOff.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=10))
    sorting.record_drop_off(point=w.point, bags=2, kind="clothing", by=w.coordinator)
    sorting.record_drop_off(point=w.point, bags=4, kind="food", by=w.coordinator)
    closed = sorting.record_drop_off(point=w.point, bags=9, kind="food", by=w.coordinator)
    sorting.add_sorting_line(drop_off=closed, line=IntakeLine(w.soap, 3), by=w.coordinator)
    sorting.close_drop_off(drop_off=closed, by=w.coordinator)
    sorting.record_drop_off(point=w.other_point, bags=7, by=w.outsider)  # not in scope
    for url in _urls(w):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        board = page.context["board"]
        backlog = {row.kind: row for row in board.backlog}
        assert board.backlog_bags == 9 and list(backlog) == ["clothing", "food"]  # oldest first
        assert (backlog["clothing"].bags, backlog["clothing"].drop_offs) == (5, 2)
        assert backlog["clothing"].by_age == (2, 0, 0, 3)
        assert backlog["clothing"].oldest_days == 10
        assert backlog["food"].by_age == (4, 0, 0, 0)
        chart = next(c for c in page.context["charts"] if c.ident == "backlog")
        assert chart.rows[0] == ("clothing", 5, 2, 2, 0, 0, 3, 10)
        assert 'id="h-backlog"' in page.content.decode()
    warehouse = client.get(reverse("reports:point_dashboard", args=[w.warehouse.pk]))
    assert not warehouse.context["board"].sorting  # no sorting there: no chart
    assert "backlog" not in [c.ident for c in warehouse.context["charts"]]


def test_it_counts_households_served_new_and_returning(w):
    import datetime as dt

    from django.utils import timezone

    from kamavor.distribution.services import ItemLine, record_distribution
    from kamavor.households.models import Household
    from kamavor.needs.services import LineIn
    from tests.distribution.factories import make_shelter, shelter_request

    donate(w, IntakeLine(w.soap, 20))
    old, new = make_household(w), make_household(w)
    Household.objects.filter(pk=old.pk).update(
        registered_at=timezone.now() - dt.timedelta(days=200)
    )
    for household in (old, new):
        record_distribution(
            point=w.point, household=household, lines=[ItemLine(w.soap, 1)], by=w.coordinator,
            idempotency_key=None,
        )  # fmt: skip
    shelter_request(w, make_shelter(w.org), LineIn(item=w.rice, quantity=10))
    board = desk(w.coordinator).get(_urls(w)[0]).context["board"]
    assert (board.served, board.served_new, board.served_returning) == (2, 1, 1)
    assert board.outflow == 2 and board.distributions == 2
    assert board.requests_open == 1 and board.requested_units == 10
    assert board.coverage is not None and board.coverage < 100
    assert any(row["item"] == "Rice, 1 kg" for row in board.shortages)
