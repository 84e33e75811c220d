"""API endpoints of the allocation planner: run a plan, read it, accept it, explain it.

They resolve ids and codes through the same access helpers as the pages and call the same
services. Both writes take an Idempotency-Key: a retried run returns the first plan, a retried
acceptance the accepted plan; accepting a plan that is no longer a draft is otherwise a 409.
"""

from __future__ import annotations

from typing import Annotated

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Header, Router, Schema, Status
from pydantic import ConfigDict

from kamavor.allocation import services
from kamavor.allocation.access import get_plan_for, planning_organisations
from kamavor.allocation.models import Plan, PlanLine
from kamavor.core.errors import InvalidInput
from kamavor.core.idempotency import KEY_LIMITS
from kamavor.core.numbers import Id, PathId
from kamavor.households.access import get_household_for
from kamavor.network.access import Action
from kamavor.network.api import ERRORS, NO_NUL, one_of
from kamavor.network.models import Point

router = Router(tags=["allocation"])

Weight = Annotated[float, Field(ge=0, le=10)]
Status_ = one_of(Plan.Status)
Limit = one_of(PlanLine.Limit)
IDEMPOTENCY_KEY = Header(
    None,
    alias="Idempotency-Key",
    pattern=NO_NUL,
    description="Any string of 1 to 200 characters; a retry with the same key and body "
    "answers as the first request did and writes nothing.",
)
IDEMPOTENCY_KEY.json_schema_extra.update(KEY_LIMITS)  # stated; check_key enforces it


class WeightsIn(Schema):
    model_config = ConfigDict(extra="forbid")
    flags: dict[str, Weight] = Field(
        default_factory=dict, description="Weight each vulnerability flag adds (default 0.5–1)."
    )
    urgency: dict[str, Weight] = Field(
        default_factory=dict, description="Multiplier per request urgency (default 0.75–2)."
    )


class PlanIn(Schema):
    model_config = ConfigDict(extra="forbid")
    organisation: Id
    point: Id | None = Field(None, description="One point; none: all points of the organisation.")
    weights: WeightsIn = Field(default_factory=WeightsIn)


class PlanOut(Schema):
    id: int
    organisation: int = Field(alias="organisation_id")
    point: int | None = Field(None, alias="point_id")
    status: Status_
    weights: dict
    summary: dict = Field(
        description="needs, wanted, planned, lowest coverage; per item and per vulnerability group "
        "[wanted, planned]; shortages [item, missing]; transfers [from, to, item, quantity]."
    )
    transfers: list[int] = Field(description="Draft transfer documents made on acceptance.")

    @staticmethod
    def resolve_transfers(plan: Plan) -> list[int]:
        return [d.pk for d in plan.transfers.order_by("pk")]


class PlanLineOut(Schema):
    item: int = Field(alias="item_id")
    size: str
    point: int = Field(alias="point_id")
    request_line: int | None = Field(None, alias="request_line_id")
    wanted: int
    planned: int
    share: float = Field(description="The fractional fair share in units, before whole units.")
    weight: float
    level: float | None = Field(
        description="The weighted level t of its item's stock within reach: a need of weight w is "
        "covered min(1, w·t); null when there was enough for every need."
    )
    limit: Limit


@router.post("/plans", response={201: PlanOut, **ERRORS})
def run_plan(request: HttpRequest, body: PlanIn, key: str | None = IDEMPOTENCY_KEY) -> Status:
    """Run a draft plan for one point or all points of an organisation you coordinate."""
    organisation = next(
        (o for o in planning_organisations(request.user) if o.pk == body.organisation), None
    )
    if organisation is None:
        raise InvalidInput(
            _("Unknown organisation."), code="unknown_organisation", field="organisation"
        )
    point = None
    if body.point is not None:
        point = Point.objects.filter(pk=body.point, organisation=organisation).first()
        if point is None:
            raise InvalidInput(_("Unknown point."), code="unknown_point", field="point")
    plan = services.run_plan(
        organisation=organisation,
        point=point,
        weights=body.weights.dict(),
        by=request.user,
        idempotency_key=key,
    )
    return Status(201, plan)


@router.get("/plans", response={200: list[PlanOut], **ERRORS})
def list_plans(request: HttpRequest) -> list[Plan]:
    """The latest plans of the organisations you coordinate, newest first."""
    ids = [o.pk for o in planning_organisations(request.user)]
    return list(Plan.objects.of_organisations(ids).order_by("-created_at", "-pk")[:20])


@router.get("/plans/{plan_id}", response={200: PlanOut, **ERRORS})
def get_plan(request: HttpRequest, plan_id: PathId) -> Plan:
    return get_plan_for(request.user, plan_id)


@router.post("/plans/{plan_id}/accept", response={200: PlanOut, **ERRORS})
def accept_plan(request: HttpRequest, plan_id: PathId, key: str | None = IDEMPOTENCY_KEY) -> Plan:
    """Accept a draft plan: draft transfers, requests marked planned, pick lists ready."""
    plan = get_plan_for(request.user, plan_id)
    return services.accept_plan(plan=plan, by=request.user, idempotency_key=key)


@router.get("/plans/{plan_id}/households/{code}", response={200: list[PlanLineOut], **ERRORS})
def household_lines(request: HttpRequest, plan_id: PathId, code: str) -> list[PlanLine]:
    """What the plan gives one household, need by need, with its weight, share and limit."""
    plan = get_plan_for(request.user, plan_id)
    household = get_household_for(request.user, code, Action.PLAN)
    if household.organisation_id != plan.organisation_id:
        raise Http404
    return list(plan.lines.filter(household=household).order_by("pk"))
