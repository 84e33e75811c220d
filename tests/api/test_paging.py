"""The API's lists page: limit and offset, the next page in a Link header, every row seen once,
and the same queries for a page far in as for the first."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kamavor.stock.services import IntakeLine
from tests.factories import donate


def _next(response) -> dict | None:
    link = response.headers.get("Link")
    if not link:
        return None
    assert link.endswith('>; rel="next"'), link
    return dict(parse_qsl(urlsplit(link[1 : link.index(">")]).query))


def _donations(w, n: int) -> list[int]:
    return [donate(w, IntakeLine(w.soap, i + 1)).pk for i in range(n)]


def test_it_pages_through_the_donations_newest_first(w, api):
    posted = _donations(w, 12)
    client = api(w.coordinator)
    seen, params, pages = [], {"limit": 5, "point": w.point.pk}, 0
    while params is not None:
        response = client.get("/donations", **params)
        assert response.status_code == 200, response.content
        seen += [document["id"] for document in response.json()]
        params, pages = _next(response), pages + 1
    assert seen == sorted(posted, reverse=True) and pages == 3
    assert _next(client.get("/donations", limit=5, offset=10)) is None


def test_a_page_far_in_takes_the_queries_of_the_first(w, api):
    _donations(w, 9)
    client = api(w.coordinator)
    client.get("/donations", limit=3)  # the token's first use is recorded once

    def queries(**params) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/donations", **params).status_code == 200
        return len(captured)

    first = queries(limit=3)
    assert queries(limit=3, offset=6) == first
    assert first <= 6


def test_the_requests_and_transfers_take_an_offset(w, api):
    client = api(w.coordinator)
    for path in ("/requests", "/transfers", "/distributions", "/deliveries", "/purchases"):
        response = client.get(path, limit=2, offset=4)
        assert response.status_code == 200, (path, response.content)
        assert response.json() == [] and "Link" not in response.headers
        assert client.get(path, offset=-1).status_code == 422


def _walk(client, path: str, **params) -> tuple[list[dict], int]:
    """Every row of a list, page after page by its links, and how many pages it took."""
    seen, pages = [], 0
    while params is not None:
        response = client.get(path, **params)
        assert response.status_code == 200, response.content
        seen += response.json()
        params, pages = _next(response), pages + 1
    return seen, pages


def test_it_pages_through_the_stock_of_every_point(w, api):
    donate(w, IntakeLine(w.soap, 3), IntakeLine(w.rice, 2, expiry=w.later(30)))
    donate(
        w, IntakeLine(w.soap, 7), IntakeLine(w.toothpaste, 1, expiry=w.later(60)), point=w.warehouse
    )
    client = api(w.volunteer)
    whole = client.get("/stock").json()
    assert len(whole) == 4 and "Link" not in client.get("/stock").headers
    seen, pages = _walk(client, "/stock", limit=3)
    assert seen == whole and pages == 2
    assert [(row["point"], row["item"]) for row in seen] == sorted(
        (row["point"], row["item"]) for row in whole
    )
    assert client.get("/stock", limit=2, offset=4).json() == []
    assert client.get("/stock", offset=-1).status_code == 422


def test_it_pages_through_a_points_lots_first_expiry_first(w, api):
    lines = [IntakeLine(w.rice, 1, expiry=w.later(days)) for days in (40, 10, 30, 20)]
    donate(w, *lines, IntakeLine(w.soap, 2))
    client = api(w.volunteer)
    path = f"/points/{w.point.pk}/lots"
    whole = client.get(path).json()
    assert len(whole) == 5
    seen, pages = _walk(client, path, limit=2)
    assert seen == whole and pages == 3
    assert [lot["expiry"] for lot in seen[:4]] == sorted(lot["expiry"] for lot in seen[:4])
    assert seen[-1]["expiry"] is None  # undated lots last
    assert client.get(path, limit=2, offset=4).json() == [whole[-1]]
    assert client.get(path, offset=-1).status_code == 422


def test_a_stock_page_far_in_takes_the_queries_of_the_first(w, api):
    for point in (w.point, w.warehouse):
        donate(
            w, IntakeLine(w.soap, 3), IntakeLine(w.toothpaste, 1, expiry=w.later(60)), point=point
        )
    client = api(w.volunteer)
    client.get("/points")  # the token's first use is recorded once

    def queries(path: str, **params) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path, **params).status_code == 200
        return len(captured)

    for path in ("/stock", f"/points/{w.point.pk}/lots"):
        assert queries(path, limit=1, offset=1) == queries(path, limit=1)
