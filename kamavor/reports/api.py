"""The reports API: dashboards as JSON, and every export (lists and HXL) as a file.

Endpoints resolve the scope through the same access helpers as the pages and build the same
read model and tables; a file comes back as the pages' download does (CSV or XLSX, streamed,
with the two header rows described in `kamavor.reports.exports`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import WithJsonSchema

from kamavor.core.errors import InvalidInput
from kamavor.core.numbers import MAX_ID, PathId
from kamavor.network.access import get_point_for
from kamavor.network.api import ERRORS
from kamavor.reports import access, hxl
from kamavor.reports.dashboard import PERIODS, Dashboard, build
from kamavor.reports.exports import XLSX_TYPE, download
from kamavor.reports.lists import LISTS

router = Router(tags=["reports"])

Format = Literal["csv", "xlsx"]
Days = Annotated[
    int,
    WithJsonSchema(
        {"type": "integer", "enum": list(PERIODS), "minimum": min(PERIODS), "maximum": max(PERIODS)}
    ),
]
DAYS = Query(30, description=f"The period: the last {', '.join(map(str, PERIODS))} days.")


def _period(days: int) -> int:
    if days not in PERIODS:
        raise InvalidInput(
            _("The period is one of %(periods)s days.") % {"periods": ", ".join(map(str, PERIODS))},
            code="invalid_period",
            field="days",
        )
    return days


FORMAT = Query("csv", description="`csv` (UTF-8 with a BOM) or `xlsx`.")
POINT = Query(None, ge=1, le=MAX_ID, description="A point, for the lists and reports of one.")
ORGANISATION = Query(None, ge=1, le=MAX_ID, description="An organisation, for its reports.")
FILE = {
    "200": {
        "description": "The file: a row of column names in the reader's language, a row of "
        "stable machine names (HXL hashtags for HXL), then the data.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


class CategoryUnits(Schema):
    category: str
    units: int


class FlowOut(Schema):
    day: dt.date
    intake: int
    outflow: int
    transfers_in: int
    transfers_out: int
    on_hand: int
    hours: float


class UrgencyCount(Schema):
    urgency: str
    count: int


class Held(Schema):
    point: str
    units: int


class ExpiringOut(Schema):
    item: str
    units: int
    lots: int
    first_expiry: dt.date


class ShortOut(Schema):
    item: str
    units: int
    held_at: list[Held]


class BacklogOut(Schema):
    kind: str
    label: str
    drop_offs: int
    bags: int
    bags_by_age: list[int]  # waiting under 1 day, 1 to 3, 3 to 7, over 7 days
    oldest_days: int


class DashboardOut(Schema):
    scope: str
    name: str
    points: list[int]
    days: int
    on_hand: int
    by_category: list[CategoryUnits]
    flows: list[FlowOut]
    households_served: int
    households_new: int
    households_returning: int
    distributions: int
    requests_open: int
    requests_by_urgency: list[UrgencyCount]
    requested_units: int
    fulfilled_units: int
    coverage_percent: int | None
    expiring_units: int
    expiring: list[ExpiringOut]
    shortages: list[ShortOut]
    surpluses: list[ShortOut]
    volunteer_hours: float
    shifts_unfilled: int
    places_open: int
    sorting_backlog: list[BacklogOut] | None  # None: no sorting at these points


def _out(board: Dashboard) -> dict:
    scope = board.scope
    return {
        "scope": scope.kind,
        "name": scope.name,
        "points": scope.point_ids,
        "days": board.days,
        "on_hand": board.on_hand,
        "by_category": [{"category": c, "units": u} for c, u in board.by_category],
        "flows": [vars(flow) for flow in board.flows],
        "households_served": board.served,
        "households_new": board.served_new,
        "households_returning": board.served_returning,
        "distributions": board.distributions,
        "requests_open": board.requests_open,
        "requests_by_urgency": [{"urgency": u, "count": n} for u, n in board.requests_by_urgency],
        "requested_units": board.requested_units,
        "fulfilled_units": board.fulfilled_units,
        "coverage_percent": board.coverage,
        "expiring_units": board.expiring_units,
        "expiring": [
            {"item": r["item"], "units": r["units"], "lots": r["lots"], "first_expiry": r["first"]}
            for r in board.expiring
        ],
        "shortages": [_short(r, r["missing"]) for r in board.shortages],
        "surpluses": [_short(r, r["spare"]) for r in board.surpluses],
        "volunteer_hours": board.hours,
        "shifts_unfilled": board.shifts_unfilled,
        "places_open": board.places_open,
        "sorting_backlog": [{**vars(row), "bags_by_age": list(row.by_age)} for row in board.backlog]
        if board.sorting
        else None,
    }


def _short(row: dict, units: int) -> dict:
    held = [{"point": name, "units": n} for name, n in row["held_at"]]
    return {"item": row["item"], "units": units, "held_at": held}


@router.get("/reports/dashboards/points/{point_id}", response={200: DashboardOut, **ERRORS})
def point_dashboard(request: HttpRequest, point_id: PathId, days: Days = DAYS) -> dict:
    """A point's dashboard (coordinators and admins): stock, flows, households, requests,
    expiry, shortages and volunteers over the period."""
    return _out(build(access.point_scope(request.user, point_id), days=_period(days)))


@router.get(
    "/reports/dashboards/organisations/{organisation_id}", response={200: DashboardOut, **ERRORS}
)
def organisation_dashboard(
    request: HttpRequest, organisation_id: PathId, days: Days = DAYS
) -> dict:
    """An organisation's dashboard, over the points of it the member sees."""
    return _out(build(access.organisation_scope(request.user, organisation_id), days=_period(days)))


@router.get("/reports/dashboards/network", response={200: DashboardOut, **ERRORS})
def network_dashboard(request: HttpRequest, days: Days = DAYS) -> dict:
    """The dashboard of every point the member coordinates, across their organisations."""
    return _out(build(access.network_scope(request.user), days=_period(days)))


ListKey = Literal[tuple(LISTS)]  # type: ignore[valid-type]


@router.get("/reports/exports/{key}", response=ERRORS, openapi_extra={"responses": FILE})
def export(request: HttpRequest, key: ListKey, format: Format = FORMAT, point: int | None = POINT):
    """A desk list as a file, filtered by the same query parameters as its page (`q`,
    `category`, `item`, `lot`, `days`, `kind`, `status`): `stock`, `lots`, `movements`,
    `documents`, `shifts` and `hours` are a point's (give `point`); `all-stock`, `households`
    (no personal fields), `requests` and `plans` are the member's."""
    listed = LISTS[key]
    if listed.at_point:
        if point is None:
            raise Http404
        found = get_point_for(request.user, point, listed.action)
        return download(listed.build(request, found), format)
    return download(listed.build(request, None), format)


@router.get("/reports/hxl/{kind}", response=ERRORS, openapi_extra={"responses": FILE})
def hxl_export(
    request: HttpRequest,
    kind: Literal["3w", "stock", "needs"],
    format: Format = FORMAT,
    point: int | None = POINT,
    organisation: int | None = ORGANISATION,
    days: Days = DAYS,
):
    """3W, stock or needs as HXL (a hashtag row under the header), for a point, an organisation
    or every point the member coordinates; households counted under 5 are left out."""
    if point is not None:
        scope = access.point_scope(request.user, point)
    elif organisation is not None:
        scope = access.organisation_scope(request.user, organisation)
    else:
        scope = access.network_scope(request.user)
    return download(hxl.table(kind, scope, days=_period(days)), format)
