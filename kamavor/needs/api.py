"""API endpoints of the needs app: standards, a household's dues, and requests.

Endpoints resolve codes and ids to what the member may see, call one service from
`kamavor.needs.services`, and answer with the result; the pages use the same helpers.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status

from kamavor.catalogue.models import Category, Item
from kamavor.core.bodies import Body
from kamavor.core.errors import InvalidInput
from kamavor.core.idempotency import KEY_LIMITS
from kamavor.core.numbers import MAX_ID, Id, PathId, checked_int
from kamavor.core.paging import OFFSET, paged
from kamavor.needs import services
from kamavor.needs.access import get_household_for, get_request_for, get_shelter_for, requests_for
from kamavor.needs.models import ELIGIBILITY_CHOICES, Request, RequestLine, Standard
from kamavor.network.access import Action
from kamavor.network.api import ERRORS, NO_NUL, one_of

router = Router(tags=["needs"])

LIST_LIMIT = 100
Text = Annotated[str, Field(pattern=NO_NUL)]
Urgency = one_of(Request.Urgency)
State = one_of(Request.State)
Per = one_of(Standard.Per)
IDEMPOTENCY_KEY = Header(
    None,
    alias="Idempotency-Key",
    pattern=NO_NUL,
    description="Any string of 1 to 200 characters; a retry with the same key and body "
    "returns the first request again and writes nothing.",
)
IDEMPOTENCY_KEY.json_schema_extra.update(KEY_LIMITS)  # stated; check_key enforces it
OPEN_FILTER = Query(False, description="Only open, planned and partly fulfilled requests.")
SHELTER_FILTER = Query(None, ge=1, le=MAX_ID)
LIMIT = Query(LIST_LIMIT, ge=1, le=LIST_LIMIT)


class In(Body):
    """A request body (strict, validated once: kamavor.core.bodies)."""


class ItemRef(Schema):
    id: int
    code: str
    name: str


class StandardOut(Schema):
    id: int
    code: str
    item: ItemRef
    eligibility: str = Field(
        description="Who counts: " + ", ".join(v for v, _ in ELIGIBILITY_CHOICES)
    )
    per: Per
    quantity: int
    period_days: int
    cap: int | None
    size_min: int | None
    size_max: int | None
    source: str
    active: bool


class DueOut(Schema):
    item: ItemRef
    standard: str = Field(description="The rule code of the standard.")
    period_days: int
    entitled: int
    received: int = Field(description="Received in the standard's period, loose or in kits.")
    due: int

    @staticmethod
    def resolve_standard(due: services.Due) -> str:
        return due.standard.code

    @staticmethod
    def resolve_period_days(due: services.Due) -> int:
        return due.standard.period_days


# The service refuses numbers out of range, naming the line and the limit.
LineQuantity = checked_int(1, settings.KAMAVOR_MAX_LINE_QUANTITY)
People = checked_int(1, services.MAX_PEOPLE)


class RequestLineIn(In):
    """An `item` (with a `size` where it matters) or any item of a `category`."""

    item: Id | None = None
    category: Id | None = None
    size: Annotated[str, Field(pattern=NO_NUL, max_length=20)] = ""
    quantity: LineQuantity


class RequestIn(In):
    household: Text | None = Field(None, description="A household code, e.g. KX4M-7QAT.")
    shelter: Id | None = Field(None, description="A shelter point id (partner requests).")
    urgency: Urgency = Request.Urgency.NORMAL
    reason: Text = ""
    number_of_people: People | None = Field(None, description="Required for a shelter.")
    lines: list[RequestLineIn] = Field(max_length=services.MAX_LINES)


class RequestLineOut(Schema):
    id: int
    item: int | None
    category: int | None
    name: str
    size: str
    quantity: int
    fulfilled_quantity: int

    @staticmethod
    def resolve_item(line: RequestLine) -> int | None:
        return line.item_id

    @staticmethod
    def resolve_category(line: RequestLine) -> int | None:
        return line.category_id

    @staticmethod
    def resolve_name(line: RequestLine) -> str:
        return str(line.wanted.name)


class RequestOut(Schema):
    id: int
    household: str | None = Field(description="The household code, for household requests.")
    shelter: int | None
    number_of_people: int | None
    urgency: Urgency
    reason: str
    state: State
    created_by: str
    created_at: dt.datetime
    lines: list[RequestLineOut]

    @staticmethod
    def resolve_household(request: Request) -> str | None:
        return request.household.display_code if request.household_id else None

    @staticmethod
    def resolve_shelter(request: Request) -> int | None:
        return request.shelter_id

    @staticmethod
    def resolve_created_by(request: Request) -> str:
        return request.created_by.get_username()

    @staticmethod
    def resolve_lines(request: Request) -> list[RequestLine]:
        return list(request.lines.all())


# ---------------------------------------------------------------- standards and dues


@router.get("/standards", response={200: list[StandardOut], **ERRORS})
def list_standards(request: HttpRequest) -> list[Standard]:
    """The network's standards (active or not), each citing its source."""
    return list(Standard.objects.with_item())


@router.get("/households/{code}/dues", response={200: list[DueOut], **ERRORS})
def household_dues(request: HttpRequest, code: str) -> HttpResponse:
    """What the household is due now under each standard that gives it something."""
    household = get_household_for(request.user, code, related=())  # dues need no relations
    # DueOut's rows built directly (tests hold them to the schema's), as a desk asks before
    # every hand-out: no schema resolving each field of each due.
    body = [
        {
            "item": {"id": due.item.pk, "code": due.item.code, "name": due.item.name},
            "standard": due.standard.code,
            "period_days": due.standard.period_days,
            "entitled": due.entitled,
            "received": due.received,
            "due": due.due,
        }
        for due in services.dues_for(household)
    ]
    return HttpResponse(json.dumps(body), content_type="application/json")


# ---------------------------------------------------------------- requests


def _line(number: int, line: RequestLineIn) -> services.LineIn:
    item = category = None
    if line.item is not None:
        item = Item.objects.active().filter(pk=line.item).first()
        if item is None:
            raise InvalidInput(
                _("Line %(n)d: unknown item.") % {"n": number}, code="unknown_item", field="item"
            )
    if line.category is not None:
        category = Category.objects.filter(pk=line.category).first()
        if category is None:
            raise InvalidInput(
                _("Line %(n)d: unknown category.") % {"n": number},
                code="unknown_category",
                field="category",
            )
    return services.LineIn(quantity=line.quantity, item=item, category=category, size=line.size)


def _target(user, body: RequestIn):
    if (body.household is None) == (body.shelter is None):
        raise InvalidInput(_("A request is for a household or for a shelter."), code="no_target")
    if body.household is not None:
        try:
            return get_household_for(user, body.household, Action.REQUEST_FOR_HOUSEHOLD), None
        except Http404:
            raise InvalidInput(
                _("Unknown household."), code="unknown_household", field="household"
            ) from None
    try:
        return None, get_shelter_for(user, body.shelter)
    except Http404:
        raise InvalidInput(_("Unknown point."), code="unknown_point", field="shelter") from None


@router.post("/requests", response={201: RequestOut, **ERRORS})
def create_request(
    request: HttpRequest, body: RequestIn, key: str | None = IDEMPOTENCY_KEY
) -> Status:
    """Ask for items for a household (volunteers, coordinators) or a shelter (partners)."""
    household, shelter = _target(request.user, body)
    created = services.create_request(
        by=request.user,
        household=household,
        shelter=shelter,
        urgency=body.urgency,
        reason=body.reason,
        number_of_people=body.number_of_people,
        lines=[_line(n, line) for n, line in enumerate(body.lines, 1)],
        idempotency_key=key,
    )
    return Status(201, get_request_for(request.user, created.pk))


@router.get("/requests", response={200: list[RequestOut], **ERRORS})
def list_requests(
    request: HttpRequest,
    state: State | None = None,
    open: bool = OPEN_FILTER,
    shelter: int | None = SHELTER_FILTER,
    limit: int = LIMIT,
    offset: int = OFFSET,
    *,
    response: HttpResponse,
) -> list[Request]:
    """Requests you may see, most urgent and oldest first; paged (`limit`, `offset`, the next
    page in the `Link` header)."""
    requests = requests_for(request.user).with_details()
    if state is not None:
        requests = requests.filter(state=state)
    if open:
        requests = requests.open()
    if shelter is not None:
        requests = requests.filter(shelter_id=shelter)
    return paged(requests.by_urgency(), request, response, limit=limit, offset=offset)


@router.get("/requests/{request_id}", response={200: RequestOut, **ERRORS})
def get_request(request: HttpRequest, request_id: PathId) -> Request:
    return get_request_for(request.user, request_id)


@router.post("/requests/{request_id}/cancel", response={200: RequestOut, **ERRORS})
def cancel_request(request: HttpRequest, request_id: PathId) -> Request:
    """Cancel a request; cancelling it again changes nothing."""
    services.cancel_request(request=get_request_for(request.user, request_id), by=request.user)
    return get_request_for(request.user, request_id)
