"""API endpoints of the shelters: the free-beds board, a shelter's capacity, placements,
check-outs, moves and headcounts. The pages use the same access helpers, reads and services.

Who stays where is only answered to those who may see a shelter's residents, and each answer
is written to the audit log (`reads.residents`). Placing takes an `Idempotency-Key`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status
from pydantic import ConfigDict

from kamavor.core.errors import InvalidInput
from kamavor.core.idempotency import KEY_LIMITS
from kamavor.core.numbers import Id, PathId, checked_int
from kamavor.core.paging import OFFSET, paged
from kamavor.households.access import get_household_for
from kamavor.network.access import Action
from kamavor.network.api import ERRORS, NO_NUL, one_of
from kamavor.shelters import reads, services
from kamavor.shelters.access import (
    Need,
    get_placement_for,
    get_shelter_for,
    get_shelter_to_place,
    may_see_board,
    shelters_for,
)
from kamavor.shelters.models import Facility, Placement, Shelter, Unit

router = Router(tags=["shelters"])

Text = Annotated[str, Field(pattern=NO_NUL)]
Beds = checked_int(0, services.MAX_BEDS)
People = checked_int(0, services.MAX_PEOPLE)
IDEMPOTENCY_KEY = Header(
    None,
    alias="Idempotency-Key",
    pattern=NO_NUL,
    description="Any string of 1 to 200 characters; a retry with the same key and body "
    "returns the first placement again and writes nothing.",
)
IDEMPOTENCY_KEY.json_schema_extra.update(KEY_LIMITS)
LIST_LIMIT = 100
LIMIT = Query(LIST_LIMIT, ge=1, le=LIST_LIMIT)


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class UnitOut(Schema):
    id: int
    name: str
    kind: one_of(Unit.Kind)
    beds: int
    occupied: int
    ground_floor: bool
    wheelchair: bool
    family_room: bool
    active: bool


class FacilityOut(Schema):
    kind: one_of(Facility.Kind)
    count: int
    state: one_of(Facility.State)
    note: str


class ShelterOut(Schema):
    id: int
    name: str
    city: str
    beds: int
    occupied: int
    free: int
    day_capacity: int
    hide_address: bool
    units: list[UnitOut]
    facilities: list[FacilityOut]

    @staticmethod
    def resolve_id(shelter: Shelter) -> int:
        return shelter.pk

    @staticmethod
    def resolve_name(shelter: Shelter) -> str:
        return str(shelter.point.tr.name)

    @staticmethod
    def resolve_city(shelter: Shelter) -> str:
        return shelter.point.city

    @staticmethod
    def resolve_units(shelter: Shelter) -> list[Unit]:
        return list(shelter.units.all())

    @staticmethod
    def resolve_facilities(shelter: Shelter) -> list[Facility]:
        return list(shelter.facilities.all())


class BoardRowOut(Schema):
    shelter: int
    name: str
    organisation: str
    city: str
    beds: int
    occupied: int
    free: int
    wheelchair: bool
    ground_floor: bool
    family_rooms: bool

    @staticmethod
    def resolve_shelter(row: reads.BoardRow) -> int:
        return row.shelter_id


class BoardOut(Schema):
    shelters: int
    free_beds: int
    rows: list[BoardRowOut]


class UnitIn(In):
    name: Annotated[str, Field(pattern=NO_NUL, max_length=100)]
    beds: Beds
    kind: one_of(Unit.Kind) = Unit.Kind.ROOM
    ground_floor: bool = False
    wheelchair: bool = False
    family_room: bool = False
    active: bool = True
    unit: Id | None = Field(None, description="The unit to change; none to add one.")


class FacilityIn(In):
    kind: one_of(Facility.Kind)
    state: one_of(Facility.State)
    count: Beds = 0
    note: Annotated[str, Field(pattern=NO_NUL, max_length=200)] = ""


class PlacementIn(In):
    household: Text = Field(description="The household code, e.g. KX4M-7QAT.")
    shelter: Id
    unit: Id | None = Field(None, description="None: the unit the family fills best.")
    checked_in_on: dt.date | None = None


class PlacementOut(Schema):
    id: int
    household: str
    shelter: int
    unit: int | None
    people: int
    checked_in_on: dt.date
    checked_out_on: dt.date | None

    @staticmethod
    def resolve_household(placement: Placement) -> str:
        return placement.household.display_code

    @staticmethod
    def resolve_shelter(placement: Placement) -> int:
        return placement.shelter_id

    @staticmethod
    def resolve_unit(placement: Placement) -> int | None:
        return placement.unit_id


class CheckOutIn(In):
    checked_out_on: dt.date | None = None


class MoveIn(In):
    shelter: Id
    unit: Id | None = None


class HeadcountIn(In):
    people: People
    night: dt.date | None = None


class HeadcountOut(Schema):
    night: dt.date
    people: int
    derived: int = Field(description="What the placements say for that night.")


def _unit(shelter: Shelter, unit_id: int | None) -> Unit | None:
    if unit_id is None:
        return None
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise InvalidInput(_("Unknown unit."), code="unknown_unit", field="unit")
    return unit


def _shelter_in(user, shelter_id: int, need: Need) -> Shelter:
    try:
        return get_shelter_for(user, shelter_id, need)
    except Http404:
        raise InvalidInput(_("Unknown shelter."), code="unknown_shelter", field="shelter") from None


@router.get("/shelters", response={200: list[ShelterOut], **ERRORS})
def list_shelters(
    request: HttpRequest, limit: int = LIMIT, offset: int = OFFSET, *, response: HttpResponse
) -> list[Shelter]:
    """The shelters you work with (all of your organisations' for coordinators, the linked
    ones for a partner), with their units and facilities; paged (`limit`, `offset`)."""
    return paged(shelters_for(request.user), request, response, limit=limit, offset=offset)


@router.get("/shelters/board", response={200: BoardOut, **ERRORS})
def free_beds(
    request: HttpRequest,
    region: Annotated[str, Query(max_length=100, pattern=NO_NUL)] = "",
    size: Annotated[int, Query(ge=1, le=services.MAX_BEDS)] = 1,
    wheelchair: bool = False,
    ground_floor: bool = False,
    family_rooms: bool = False,
) -> reads.Board:
    """Shelters of the whole network with at least `size` free beds, most free first (for
    coordinators; aggregated counts only)."""
    if not may_see_board(request.user):
        raise Http404
    return reads.board(
        region=region,
        size=size,
        wheelchair=wheelchair,
        ground_floor=ground_floor,
        family_rooms=family_rooms,
    )


@router.get("/shelters/{shelter_id}", response={200: ShelterOut, **ERRORS})
def get_shelter(request: HttpRequest, shelter_id: PathId) -> Shelter:
    return get_shelter_for(request.user, shelter_id, Need.VIEW)


@router.post("/shelters/{shelter_id}/units", response={200: UnitOut, **ERRORS})
def save_unit(
    request: HttpRequest, shelter_id: PathId, body: UnitIn, key: str | None = IDEMPOTENCY_KEY
) -> Unit:
    """Add a unit (or change one, by `unit`); saving the same again changes nothing."""
    shelter = get_shelter_for(request.user, shelter_id, Need.EDIT)
    return services.save_unit(
        shelter=shelter,
        by=request.user,
        unit=_unit(shelter, body.unit),
        name=body.name,
        kind=body.kind,
        beds=body.beds,
        ground_floor=body.ground_floor,
        wheelchair=body.wheelchair,
        family_room=body.family_room,
        active=body.active,
        idempotency_key=key,
    )


@router.post("/shelters/{shelter_id}/facilities", response={200: FacilityOut, **ERRORS})
def set_facility(
    request: HttpRequest, shelter_id: PathId, body: FacilityIn, key: str | None = IDEMPOTENCY_KEY
) -> Facility:
    shelter = get_shelter_for(request.user, shelter_id, Need.EDIT)
    return services.set_facility(
        shelter=shelter,
        by=request.user,
        kind=body.kind,
        state=body.state,
        count=body.count,
        note=body.note,
        idempotency_key=key,
    )


@router.get("/shelters/{shelter_id}/residents", response={200: list[PlacementOut], **ERRORS})
def residents(
    request: HttpRequest,
    shelter_id: PathId,
    limit: int = LIMIT,
    offset: int = OFFSET,
    *,
    response: HttpResponse,
) -> list[Placement]:
    """Who stays at the shelter now (its partners and coordinators only; each household
    answered is written to the audit log); paged (`limit`, `offset`, the next page in the
    `Link` header)."""
    shelter = get_shelter_for(request.user, shelter_id, Need.RESIDENTS)
    rows = reads.residents(
        shelter=shelter, by=request.user, offset=offset, limit=limit + 1, shown=limit
    )
    return paged(rows, request, response, limit=limit, offset=0)


@router.post("/shelters/{shelter_id}/headcounts", response={200: HeadcountOut, **ERRORS})
def confirm_headcount(
    request: HttpRequest, shelter_id: PathId, body: HeadcountIn, key: str | None = IDEMPOTENCY_KEY
):
    """The partner's count for a night (tonight unless told); confirming again replaces it."""
    shelter = get_shelter_for(request.user, shelter_id, Need.HEADCOUNT)
    return services.confirm_headcount(
        shelter=shelter,
        by=request.user,
        people=body.people,
        night=body.night,
        idempotency_key=key,
    )


@router.post("/placements", response={201: PlacementOut, **ERRORS})
def place(request: HttpRequest, body: PlacementIn, key: str | None = IDEMPOTENCY_KEY) -> Status:
    """Check a household in to a shelter, the whole family in one unit; idempotent."""
    try:
        household = get_household_for(request.user, body.household, Action.VIEW_HOUSEHOLD)
    except Http404:
        raise InvalidInput(
            _("Unknown household."), code="unknown_household", field="household"
        ) from None
    try:
        shelter = get_shelter_to_place(request.user, body.shelter, household.organisation_id)
    except Http404:
        raise InvalidInput(_("Unknown shelter."), code="unknown_shelter", field="shelter") from None
    placement = services.place_household(
        household=household,
        shelter=shelter,
        unit=_unit(shelter, body.unit),
        by=request.user,
        on=body.checked_in_on,
        idempotency_key=key,
    )
    return Status(201, get_placement_for(request.user, placement.pk, Need.PLACE))


@router.post("/placements/{placement_id}/check-out", response={200: PlacementOut, **ERRORS})
def check_out(
    request: HttpRequest, placement_id: PathId, body: CheckOutIn, key: str | None = IDEMPOTENCY_KEY
) -> Placement:
    """The household leaves (on `checked_out_on`, today unless told)."""
    placement = get_placement_for(request.user, placement_id, Need.CHECK_OUT)
    services.check_out(
        placement=placement, by=request.user, on=body.checked_out_on, idempotency_key=key
    )
    return get_placement_for(request.user, placement_id, Need.CHECK_OUT)


@router.post("/placements/{placement_id}/move", response={201: PlacementOut, **ERRORS})
def move(
    request: HttpRequest, placement_id: PathId, body: MoveIn, key: str | None = IDEMPOTENCY_KEY
) -> Status:
    """Check the household out and in to another shelter (or unit) today, in one step."""
    placement = get_placement_for(request.user, placement_id, Need.PLACE)
    try:
        shelter = get_shelter_to_place(
            request.user, body.shelter, placement.household.organisation_id
        )
    except Http404:
        raise InvalidInput(_("Unknown shelter."), code="unknown_shelter", field="shelter") from None
    moved = services.move_household(
        placement=placement,
        shelter=shelter,
        unit=_unit(shelter, body.unit),
        by=request.user,
        idempotency_key=key,
    )
    return Status(201, get_placement_for(request.user, moved.pk, Need.PLACE))


class BuildingLineIn(In):
    item: Id
    quantity: checked_int(1, 1_000_000)


class BuildingRequestIn(In):
    lines: list[BuildingLineIn] = Field(min_length=1, max_length=20)
    urgency: Annotated[str, Field(pattern=r"^(low|normal|high|critical)$")] = "normal"
    reason: Annotated[str, Field(pattern=NO_NUL, max_length=250)] = ""


class BuildingRequestOut(Schema):
    id: int = Field(description="The request's id in /requests.")
    state: str


@router.post("/shelters/{shelter_id}/requests", response={201: BuildingRequestOut, **ERRORS})
def building_request(
    request: HttpRequest,
    shelter_id: PathId,
    body: BuildingRequestIn,
    key: str | None = IDEMPOTENCY_KEY,
) -> Status:
    """Ask for what the building itself needs (beds, mattresses, heaters…): a request of the
    shelter, planned and delivered like any other (see /requests)."""
    from kamavor.catalogue.models import Item
    from kamavor.needs.services import LineIn

    shelter = get_shelter_for(request.user, shelter_id, Need.EDIT)
    lines = []
    for n, line in enumerate(body.lines, 1):
        item = Item.objects.active().filter(pk=line.item).first()
        if item is None:
            raise InvalidInput(
                _("Line %(n)d: unknown item.") % {"n": n}, code="unknown_item", field="item"
            )
        lines.append(LineIn(quantity=line.quantity, item=item))
    created = services.request_for_building(
        shelter=shelter,
        by=request.user,
        lines=lines,
        urgency=body.urgency,
        reason=body.reason,
        idempotency_key=key,
    )
    return Status(201, {"id": created.pk, "state": created.state})
