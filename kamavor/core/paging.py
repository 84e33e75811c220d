"""Paging of long lists.

Desk pages: `page_of` gives one page and the query string to keep in its links
(core/_pager.html draws them).

The API's lists: `limit` and `offset` in the query, the rows in the body as before, and the
next page in a `Link: <…>; rel="next"` header (RFC 8288) while there is one. One row more
than asked is read to know whether a next page exists, so paging costs no COUNT query; a client
pages through the whole list by following the links until there is none. The list must be in a
total order (end its ordering with the primary key) so that no row is seen twice or missed
between pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from ninja import Query

T = TypeVar("T")

MAX_OFFSET = 1_000_000
OFFSET = Query(
    0,
    ge=0,
    le=MAX_OFFSET,
    description=(
        "Rows to skip. While more rows follow, the response carries the next page's address "
        'in a `Link: <…>; rel="next"` header.'
    ),
)


def paged(
    rows: Sequence[T], request: HttpRequest, response: HttpResponse, *, limit: int, offset: int
) -> list[T]:
    """The page of rows from offset (limit of them), with the next page's link set on the
    response when more rows follow. `rows` is a queryset (sliced in SQL) or a list."""
    page = list(rows[offset : offset + limit + 1])
    if len(page) > limit:
        query = request.GET.copy()
        query["offset"] = str(offset + limit)
        query["limit"] = str(limit)
        url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        response.headers["Link"] = f'<{url}>; rel="next"'
    return page[:limit]


def page_of(request: HttpRequest, rows: Sequence[T], size: int) -> tuple[Page, str]:
    """The page of rows that `?page=` asks for (the last one past the end), and the request's
    other query parameters, encoded, for the pager's links."""
    page = Paginator(rows, size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
