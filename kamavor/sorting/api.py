"""API endpoints of the sorting app: drop-offs and their lines, containers, packing lists.

Endpoints resolve ids to objects the member may see (404 otherwise), call one service, and
answer with what it wrote. Writes take an `Idempotency-Key`: a retry returns the first answer.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from kamavor.catalogue.models import Item
from kamavor.core.errors import InvalidInput
from kamavor.core.numbers import Id, PathId, object_id
from kamavor.core.paging import OFFSET, paged
from kamavor.households.access import get_household_for
from kamavor.lib.spreadsheets import TOO_LARGE, SpreadsheetError
from kamavor.needs.access import get_request_for
from kamavor.network.access import Action, get_point_for
from kamavor.network.api import ERRORS, NO_NUL, one_of
from kamavor.network.models import Point
from kamavor.sorting import services
from kamavor.sorting.access import (
    find_bag_for,
    find_container_for,
    get_container_for,
    get_drop_off_for,
)
from kamavor.sorting.models import DropOff, Kind, SetAside, SortingLine, SortingNotice
from kamavor.sorting.packing_lists import (
    MAX_BYTES,
    PackingList,
    check_for_transfer,
    check_packing_list,
    file_error,
)
from kamavor.stock import services as stock
from kamavor.stock.api import IDEMPOTENCY_KEY, _answer, _lot_lines, _shown
from kamavor.stock.api_schemas import (
    MAX_LINES,
    Counted,
    Date,
    DocumentOut,
    In,
    LotCondition,
    LotLineIn,
    Quantity,
    Size,
    Text,
)
from kamavor.stock.models import Condition, Container, Document, Lot
from kamavor.stock.services import CountLine, IntakeLine

router = Router(tags=["sorting"])
LIMIT = Query(20, ge=1, le=100)


# ---------------------------------------------------------------- shapes


class DropOffIn(In):
    point: Id
    bags: int = Field(
        description="Bags or boxes, 1 to 200.", json_schema_extra={"minimum": 1, "maximum": 200}
    )
    kind: one_of(Kind) = Kind.MIXED
    weight_kg: str | None = Field(
        None, pattern=NO_NUL, max_length=12, description="Kilograms, e.g. 12.5."
    )
    donor: Text = ""


class SortingLineIn(In):
    item: Id
    quantity: Quantity
    expiry: Date | None = None
    size: Size = ""
    condition: LotCondition = Condition.NEW
    set_aside: one_of(SetAside) | None = Field(
        None, description="Why the goods are not for stock; empty for a line for stock."
    )
    bag: str | None = Field(None, pattern=NO_NUL, max_length=20, description="A bag's code.")


class SortingLineOut(Schema):
    id: int
    item: int
    item_name: str
    quantity: int
    expiry: dt.date | None
    size: str
    condition: str
    set_aside: str
    bag: str | None
    by: str
    at: dt.datetime

    @staticmethod
    def resolve_item(line: SortingLine) -> int:
        return line.item_id

    @staticmethod
    def resolve_item_name(line: SortingLine) -> str:
        return line.item.name

    @staticmethod
    def resolve_bag(line: SortingLine) -> str | None:
        return line.bag.code if line.bag_id else None

    @staticmethod
    def resolve_by(line: SortingLine) -> str:
        return line.by.get_username()


class DropOffOut(Schema):
    id: int
    point: int
    kind: str
    bags: list[str] = Field(description="The bags' tag codes, in order.")
    weight_kg: str | None
    donor: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    donation: int | None
    disposal: int | None
    lines: list[SortingLineOut]

    @staticmethod
    def resolve_point(drop_off: DropOff) -> int:
        return drop_off.point_id

    @staticmethod
    def resolve_bags(drop_off: DropOff) -> list[str]:
        return [bag.code for bag in drop_off.bag_set.all()]

    @staticmethod
    def resolve_weight_kg(drop_off: DropOff) -> str | None:
        return None if drop_off.weight_kg is None else str(drop_off.weight_kg)

    @staticmethod
    def resolve_donation(drop_off: DropOff) -> int | None:
        return drop_off.donation_id

    @staticmethod
    def resolve_disposal(drop_off: DropOff) -> int | None:
        return drop_off.disposal_id

    @staticmethod
    def resolve_lines(drop_off: DropOff) -> list[SortingLine]:
        return list(drop_off.lines.all())


class ContainerIn(In):
    point: Id
    kind: one_of(Container.Kind) = Container.Kind.BOX
    label: Text = Field("", max_length=200)


class ContentOut(Schema):
    lot: int
    item: int
    item_name: str
    expiry: dt.date | None
    size: str
    condition: str
    quantity: int


class ContainerOut(Schema):
    id: int
    code: str
    kind: str
    label: str
    point: int
    contents: list[ContentOut] = Field(description="Read from the ledger: the lots that carry it.")

    @staticmethod
    def resolve_point(container: Container) -> int:
        return container.point_id

    @staticmethod
    def resolve_contents(container: Container) -> list[dict]:
        return [
            {
                "lot": b.lot_id,
                "item": b.lot.item_id,
                "item_name": b.lot.item.name,
                "expiry": b.lot.expiry,
                "size": b.lot.size,
                "condition": b.lot.condition,
                "quantity": b.quantity,
            }
            for b in stock.contents(container)
        ]


class PackIn(In):
    lines: list[LotLineIn] = Field(max_length=MAX_LINES)


class SendIn(In):
    destination: Id
    note: Text = ""


class HandOutIn(In):
    household: Text = Field(description="The household code, e.g. KX4M-7QAT.")
    note: Text = ""


class DeliverIn(In):
    request: Id = Field(description="An open shelter request.")
    note: Text = ""


class KitsIn(In):
    kit: Id = Field(description="A kit whose components the container holds.")


class BoxCountLineIn(In):
    lot: Id = Field(description="One of the container's lots.")
    counted: Counted


class BoxCountIn(In):
    reason: Text = Field("", description="Required when a count differs from the ledger.")
    lines: list[BoxCountLineIn] = Field(max_length=MAX_LINES)


class NoticeIn(In):
    kind: one_of(Kind) = Field(description="What the public is asked not to bring.")
    until: Date = Field(description="The last day of the note: today to 60 days ahead.")


class NoticeOut(Schema):
    point: int
    kind: str
    until: dt.date
    current: bool = Field(description="Shown on the public page (its day has not passed).")
    set_at: dt.datetime

    @staticmethod
    def resolve_point(notice: SortingNotice) -> int:
        return notice.point_id


class PackingRowOut(Schema):
    row: int
    text: str
    item: int | None
    item_name: str | None
    quantity: int | None
    expiry: dt.date | None
    size: str
    errors: list[str]


class PackingListOut(Schema):
    valid: bool
    errors: list[str] = Field(description="About the whole file.")
    rows: list[PackingRowOut]
    document: DocumentOut | None = Field(None, description="What was posted, when it was.")


# ---------------------------------------------------------------- helpers


def _drop_off(request: HttpRequest, drop_off_id: int) -> DropOff:
    return get_drop_off_for(request.user, drop_off_id)


def _shown_drop_off(drop_off: DropOff) -> DropOff:
    return DropOff.objects.prefetch_related(
        "bag_set", "lines__item", "lines__by", "lines__bag"
    ).get(pk=drop_off.pk)


def _point(request: HttpRequest, point_id: int, action: Action = Action.INTAKE) -> Point:
    try:
        return get_point_for(request.user, point_id, action)
    except Http404:
        raise InvalidInput(_("Unknown point."), code="unknown_point", field="point") from None


# ---------------------------------------------------------------- drop-offs


@router.post("/drop-offs", response={201: DropOffOut, **ERRORS})
def record_drop_off(
    request: HttpRequest, body: DropOffIn, key: str | None = IDEMPOTENCY_KEY
) -> Status:
    """Record unsorted goods at the door; each bag gets a tag code. Nothing enters stock."""
    drop_off = services.record_drop_off(
        point=_point(request, body.point),
        bags=body.bags,
        kind=body.kind,
        weight_kg=body.weight_kg,
        donor=body.donor,
        by=request.user,
        idempotency_key=key,
    )
    return Status(201, _shown_drop_off(drop_off))


@router.get("/points/{point_id}/drop-offs", response={200: list[DropOffOut], **ERRORS})
def list_drop_offs(
    request: HttpRequest,
    point_id: PathId,
    waiting: bool = Query(True, description="Only the sorting queue (drop-offs not closed)."),
    limit: int = LIMIT,
    offset: int = OFFSET,
    *,
    response: HttpResponse,
) -> list[DropOff]:
    """A point's drop-offs, oldest first; paged (`limit`, `offset`, `Link` header)."""
    point = get_point_for(request.user, point_id, Action.INTAKE)
    drop_offs = DropOff.objects.at(point)
    if waiting:
        drop_offs = drop_offs.waiting()
    drop_offs = drop_offs.oldest_first().prefetch_related(
        "bag_set", "lines__item", "lines__by", "lines__bag"
    )
    return paged(drop_offs, request, response, limit=limit, offset=offset)


@router.get("/drop-offs/{drop_off_id}", response={200: DropOffOut, **ERRORS})
def get_drop_off(request: HttpRequest, drop_off_id: PathId) -> DropOff:
    return _shown_drop_off(_drop_off(request, drop_off_id))


@router.get("/bags/{code}", response={200: DropOffOut, **ERRORS})
def get_bag(request: HttpRequest, code: str) -> DropOff:
    """The drop-off a bag's tag code belongs to (as scanned or typed)."""
    return _shown_drop_off(find_bag_for(request.user, code).drop_off)


@router.post("/drop-offs/{drop_off_id}/lines", response={201: SortingLineOut, **ERRORS})
def add_line(
    request: HttpRequest,
    drop_off_id: PathId,
    body: SortingLineIn,
    key: str | None = IDEMPOTENCY_KEY,
) -> Status:
    """Add a sorted line (checked as at the intake desk) or a set-aside line with its reason."""
    drop_off = _drop_off(request, drop_off_id)
    item = Item.objects.active().filter(pk=body.item).first()
    if item is None:
        raise InvalidInput(_("Unknown item."), code="unknown_item", field="item")
    bag = None
    if body.bag:
        bag = drop_off.bag_set.filter(code=body.bag.upper().replace("-", "")).first()
        if bag is None:
            raise InvalidInput(
                _("No bag has the code “%(code)s”.") % {"code": body.bag},
                code="unknown_bag",
                field="bag",
            )
    line = services.add_sorting_line(
        drop_off=drop_off,
        line=IntakeLine(item, body.quantity, body.expiry, body.size, body.condition),
        set_aside=body.set_aside or "",
        bag=bag,
        by=request.user,
        idempotency_key=key,
    )
    return Status(201, SortingLine.objects.select_related("item", "by", "bag").get(pk=line.pk))


@router.delete("/drop-offs/{drop_off_id}/lines/{line_id}", response={204: None, **ERRORS})
def remove_line(request: HttpRequest, drop_off_id: PathId, line_id: PathId) -> Status:
    """Take a line off an open drop-off (removing it twice is the same as once)."""
    drop_off = _drop_off(request, drop_off_id)
    line = drop_off.lines.filter(pk=line_id).select_related("drop_off__point").first()
    if line is not None:
        services.remove_sorting_line(line=line, by=request.user)
    return Status(204, None)


@router.post("/drop-offs/{drop_off_id}/close", response={200: DropOffOut, **ERRORS})
def close_drop_off(
    request: HttpRequest, drop_off_id: PathId, key: str | None = IDEMPOTENCY_KEY
) -> DropOff:
    """Post the sorted lines as one donation and the set-aside ones as a disposal, in one
    transaction. Closing again (with or without the key) answers the first closing."""
    closed = services.close_drop_off(drop_off=_drop_off(request, drop_off_id), by=request.user)
    return _shown_drop_off(closed)


class PackDropOffIn(In):
    kind: one_of(Container.Kind) = Container.Kind.BOX


@router.post("/drop-offs/{drop_off_id}/pack", response={201: ContainerOut, **ERRORS})
def pack_drop_off(
    request: HttpRequest,
    drop_off_id: PathId,
    body: PackDropOffIn | None = None,
    key: str | None = IDEMPOTENCY_KEY,
) -> Status:
    """Pack a closed drop-off's sorted goods that are still loose into a new container."""
    container = services.pack_drop_off(
        drop_off=_drop_off(request, drop_off_id),
        kind=body.kind if body else Container.Kind.BOX,
        by=request.user,
        idempotency_key=key,
    )
    return Status(201, container)


# ---------------------------------------------------------------- containers


@router.post("/containers", response={201: ContainerOut, **ERRORS})
def create_container(
    request: HttpRequest, body: ContainerIn, key: str | None = IDEMPOTENCY_KEY
) -> Status:
    """A new empty box, sack or pallet at a point, with its code."""
    container = stock.create_container(
        point=_point(request, body.point),
        kind=body.kind,
        label=body.label,
        by=request.user,
        idempotency_key=key,
    )
    return Status(201, container)


@router.get("/containers/{container_id}", response={200: ContainerOut, **ERRORS})
def get_container(request: HttpRequest, container_id: PathId) -> Container:
    return get_container_for(request.user, container_id)


@router.get("/containers/by-code/{code}", response={200: ContainerOut, **ERRORS})
def get_container_by_code(request: HttpRequest, code: str) -> Container:
    """A container by its label's code, as scanned or typed."""
    return find_container_for(request.user, code)


@router.post("/containers/{container_id}/pack", response={200: DocumentOut, **ERRORS})
def pack(
    request: HttpRequest, container_id: PathId, body: PackIn, key: str | None = IDEMPOTENCY_KEY
) -> Document:
    """Move units of lots at the container's point (loose, or in another container) into it."""
    container = get_container_for(request.user, container_id, Action.INTAKE)
    document = stock.pack(
        container=container,
        lines=_lot_lines(container.point, body.lines),
        by=request.user,
        idempotency_key=key,
    )
    return _answer(document)


@router.post("/containers/{container_id}/open", response={200: DocumentOut, **ERRORS})
def open_container(
    request: HttpRequest, container_id: PathId, key: str | None = IDEMPOTENCY_KEY
) -> Document:
    """Everything in the container goes back to loose stock at its point."""
    container = get_container_for(request.user, container_id, Action.INTAKE)
    return _answer(stock.unpack(container=container, by=request.user, idempotency_key=key))


@router.post("/containers/{container_id}/transfer", response={201: DocumentOut, **ERRORS})
def container_transfer(
    request: HttpRequest, container_id: PathId, body: SendIn, key: str | None = IDEMPOTENCY_KEY
) -> Status:
    """A draft transfer of the container's whole contents (send it at /transfers/{id}/send);
    received whole, it arrives in the same container at the destination."""
    container = get_container_for(request.user, container_id, Action.SEND_TRANSFER)
    destination = Point.objects.active().filter(pk=body.destination).first()
    if destination is None:
        raise InvalidInput(_("Unknown point."), code="unknown_point", field="destination")
    lines = stock.container_lines(container)
    if not lines:
        raise InvalidInput(_("This container is empty."), code="empty_container")
    transfer = stock.create_transfer(
        source=container.point,
        destination=destination,
        lines=lines,
        by=request.user,
        note=body.note or str(container),
        idempotency_key=key,
    )
    return _answer(transfer, 201)


@router.post("/containers/{container_id}/hand-out", response={201: DocumentOut, **ERRORS})
def hand_out_container(
    request: HttpRequest, container_id: PathId, body: HandOutIn, key: str | None = IDEMPOTENCY_KEY
) -> Status:
    """Hand the container's whole contents to a household at its point, as one distribution
    (the household's checks and requests apply as to any hand-out)."""
    container = get_container_for(request.user, container_id, Action.DISTRIBUTE)
    try:
        household = get_household_for(request.user, body.household, Action.DISTRIBUTE, related=())
    except Http404:
        raise InvalidInput(
            _("Unknown household."), code="unknown_household", field="household"
        ) from None
    document = services.hand_out_container(
        container=container,
        household=household,
        by=request.user,
        note=body.note,
        idempotency_key=key,
    )
    return _answer(document, 201)


@router.post("/containers/{container_id}/delivery", response={201: DocumentOut, **ERRORS})
def deliver_container(
    request: HttpRequest, container_id: PathId, body: DeliverIn, key: str | None = IDEMPOTENCY_KEY
) -> Status:
    """A draft delivery of the container's whole contents for a shelter's request (send it at
    /deliveries/{id}/send); each line counts against the request lines that ask for it."""
    container = get_container_for(request.user, container_id, Action.SEND_TRANSFER)
    try:
        shelter_request = get_request_for(request.user, body.request)
    except Http404:
        raise InvalidInput(_("Unknown request."), code="unknown_request", field="request") from None
    document = services.deliver_container(
        container=container,
        request=shelter_request,
        by=request.user,
        note=body.note,
        idempotency_key=key,
    )
    return _answer(document, 201)


@router.post("/containers/{container_id}/kits", response={201: DocumentOut, **ERRORS})
def build_kits(
    request: HttpRequest, container_id: PathId, body: KitsIn, key: str | None = IDEMPOTENCY_KEY
) -> Status:
    """Build as many kits as the container's components make, from its lots only; what is
    left over stays in it."""
    container = get_container_for(request.user, container_id, Action.BUILD_KIT)
    kit = Item.objects.active().filter(pk=body.kit, is_kit=True).first()
    if kit is None:
        raise InvalidInput(_("Unknown item."), code="unknown_item", field="kit")
    document = services.build_kits_from_container(
        container=container, kit=kit, by=request.user, idempotency_key=key
    )
    return _answer(document, 201)


@router.post("/containers/{container_id}/count", response={201: DocumentOut, **ERRORS})
def count_container(
    request: HttpRequest, container_id: PathId, body: BoxCountIn, key: str | None = IDEMPOTENCY_KEY
) -> Status:
    """Count the container as a whole: what is in each of its lots; differences are posted
    with the reason as adjustments (one stocktake)."""
    container = get_container_for(request.user, container_id, Action.COUNT)
    lots = Lot.objects.filter(container=container, point=container.point_id)
    lots = lots.select_related("item").in_bulk([line.lot for line in body.lines])
    for n, line in enumerate(body.lines, 1):
        if line.lot not in lots:
            raise InvalidInput(
                _("Line %(n)d: %(error)s")
                % {"n": n, "error": _("this lot is not in the container.")},
                code="unknown_lot",
                field="lot",
            )
    document = stock.post_count(
        point=container.point,
        lines=[CountLine(line.counted, lot=lots[line.lot]) for line in body.lines],
        by=request.user,
        reason=body.reason,
        idempotency_key=key,
    )
    return _answer(document, 201)


# ---------------------------------------------------------------- the public note


@router.get("/points/{point_id}/sorting-notice", response={200: NoticeOut, 204: None, **ERRORS})
def get_notice(request: HttpRequest, point_id: PathId) -> SortingNotice | Status:
    """The point's "we are sorting" note for its public page, if one is set (204 if not)."""
    point = get_point_for(request.user, point_id, Action.INTAKE)
    notice = SortingNotice.objects.filter(point=point).first()
    return notice if notice is not None else Status(204, None)


@router.post("/points/{point_id}/sorting-notice", response={200: NoticeOut, **ERRORS})
def set_notice(
    request: HttpRequest, point_id: PathId, body: NoticeIn, key: str | None = IDEMPOTENCY_KEY
) -> SortingNotice:
    """Put a note on the point's public page while a backlog is sorted: "we are sorting,
    please do not bring clothing until Friday". A coordinator's choice; replaces the last."""
    point = get_point_for(request.user, point_id, Action.PUBLISH_NEEDS)
    return services.set_sorting_notice(
        point=point, kind=body.kind, until=body.until, by=request.user, idempotency_key=key
    )


@router.post("/points/{point_id}/sorting-notice/clear", response={204: None, **ERRORS})
def clear_notice(
    request: HttpRequest, point_id: PathId, key: str | None = IDEMPOTENCY_KEY
) -> Status:
    """Take the note off the point's public page (taking it off twice is the same as once)."""
    point = get_point_for(request.user, point_id, Action.PUBLISH_NEEDS)
    services.clear_sorting_notice(point=point, by=request.user, idempotency_key=key)
    return Status(204, None)


# ---------------------------------------------------------------- packing lists


@router.post("/points/{point_id}/packing-lists", response={200: PackingListOut, **ERRORS})
def packing_list(
    request: HttpRequest,
    point_id: PathId,
    file: File[UploadedFile],
    dry_run: Form[bool] = True,
    destination: Form[PathId | None] = None,
    donor: Form[str] = "",
    key: str | None = IDEMPOTENCY_KEY,
) -> dict:
    """Check a CSV or XLSX packing list row by row (`dry_run`, the default), or post it: as a
    donation here, or with a `destination` as a draft transfer. Nothing is posted unless every
    row is right; the answer says what is wrong in each row, in the member's language."""
    point = get_point_for(request.user, point_id, Action.INTAKE)
    target = None
    if destination is not None:
        target = (
            Point.objects.active().filter(pk=object_id(destination)).exclude(pk=point.pk).first()
        )
        if target is None:
            raise InvalidInput(_("Unknown point."), code="unknown_point", field="destination")
    if file.size > MAX_BYTES:
        checked = PackingList(errors=[file_error(SpreadsheetError(TOO_LARGE, limit=MAX_BYTES))])
    else:
        checked = check_packing_list(file.read(), filename=file.name)
    if target is not None and checked.valid:
        check_for_transfer(checked, point)
    document = None
    if checked.valid and not dry_run:
        posted = services.post_packing_list(
            point=point,
            lines=checked.as_lines(),
            destination=target,
            donor=donor,
            by=request.user,
            idempotency_key=key,
        )
        document = _shown(posted)
    return {
        "valid": checked.valid,
        "errors": checked.errors,
        "rows": [
            {
                "row": r.number,
                "text": r.text,
                "item": r.item.pk if r.item else None,
                "item_name": r.item.name if r.item else None,
                "quantity": r.quantity,
                "expiry": r.expiry,
                "size": r.size,
                "errors": r.errors,
            }
            for r in checked.rows
        ],
        "document": document,
    }
