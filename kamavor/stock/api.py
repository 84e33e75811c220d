"""API endpoints of the stock app: stock on hand, lots, and the documents that move stock.

Endpoints parse the body, resolve ids to objects the member may see, call one service from
`kamavor.stock.services`, and answer with the document. An id in a body that the member cannot
see (another organisation's point or lot) is refused exactly like an id that does not exist.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status
from ninja.responses import NinjaJSONEncoder

from kamavor.catalogue.models import Item
from kamavor.core import rows
from kamavor.core.errors import InvalidInput
from kamavor.core.idempotency import KEY_LIMITS
from kamavor.core.numbers import MAX_ID, PathId
from kamavor.core.paging import OFFSET, paged
from kamavor.network.access import Action, get_point_for, points_for
from kamavor.network.api import ERRORS, NO_NUL
from kamavor.network.models import Point
from kamavor.stock import services
from kamavor.stock.access import documents_for, get_document_for, get_lot_for
from kamavor.stock.api_schemas import (
    CountIn,
    CountLineIn,
    DisposalIn,
    DocumentOut,
    DocumentStatus,
    DonationIn,
    In,
    IntakeLineIn,
    KitBuildIn,
    LotDetailOut,
    LotLineIn,
    LotOut,
    PointStockOut,
    PurchaseIn,
    ReceiveIn,
    ReverseIn,
    StockOut,
    TransferIn,
    received_by_line,
    written_document,
)
from kamavor.stock.ledger import LOTS_READ_ALONG, lots_of_dates
from kamavor.stock.models import Document, DocumentLine, ItemBalance, Lot, Movement

router = Router(tags=["stock"])

LIST_LIMIT = 100
NAMES = ("hy", "ru", "en")  # the languages items are named in
LOT_LIMIT = 1000
STOCK_LIMIT = 1000  # item balances per page of GET /stock
MOVEMENT_LIMIT = 500

IDEMPOTENCY_KEY = Header(
    None,
    alias="Idempotency-Key",
    pattern=NO_NUL,
    description="Any string of 1 to 200 characters; a retry with the same key and body "
    "returns the first document again and writes nothing.",
)
IDEMPOTENCY_KEY.json_schema_extra.update(KEY_LIMITS)  # stated; check_key enforces it
OBJECT_ID = {"ge": 1, "le": MAX_ID}
CREATED = {201: DocumentOut, **ERRORS}
OK = {200: DocumentOut, **ERRORS}
Kind = Document.Kind


# ---------------------------------------------------------------- access


def _with_lines(documents: QuerySet[Document]) -> QuerySet[Document]:
    """What DocumentOut reads, in three queries however many documents."""
    lines = DocumentLine.objects.select_related("item").order_by("pk")
    return documents.select_related("created_by", "received_by").prefetch_related(
        Prefetch("lines", queryset=lines), "reversals"
    )


def _shown(document: Document) -> Document:
    # Read back with lines and names, whatever the service or access helper loaded.
    return _with_lines(Document.objects.all()).get(pk=document.pk)


def _document_for(user, document_id: int, kind: str | None = None) -> Document:
    """The document as the desks see it (404 for strangers, 403 for a partner), of the kind
    the path names."""
    document = get_document_for(user, document_id)
    if kind is not None and document.kind != kind:
        raise Http404
    return document


def _lot_for(user, lot_id: int) -> Lot:
    lot = get_lot_for(user, lot_id)
    get_point_for(user, lot.point_id)  # a partner sees no stock: 403
    return lot


# ---------------------------------------------------------------- ids in bodies


def _point(user, point_id: int, action: Action, field: str = "point") -> Point:
    try:
        return get_point_for(user, point_id, action)
    except Http404:
        raise InvalidInput(_("Unknown point."), code="unknown_point", field=field) from None


def _destination(point_id: int) -> Point:
    # Goods may go to any active point of the network, not only the sender's organisation.
    # (Point.objects.active() by a hand-written SELECT: compiling it was a third of a transfer's
    # creation.)
    found = rows.load(Point, "t.id = %s AND t.active = %s", [point_id, True])
    if not found:
        raise InvalidInput(_("Unknown point."), code="unknown_point", field="destination")
    return found[0]


def _line_error(number: int, message: str, code: str, field: str) -> InvalidInput:
    return InvalidInput(
        _("Line %(n)d: %(error)s") % {"n": number, "error": message}, code=code, field=field
    )


def _items(
    ids: Iterable[int | None], point: Point | None = None, dates: set[dt.date] | None = None
) -> dict[int, Item]:
    """The active items named by the lines, refusing the first unknown (or retired) one; with
    `point`, each with the raw rows of its loose lots there read along (for the posting's
    existing_lots), in the same statement: those expiring on one of `dates` or never, when
    given."""
    ids = list(ids)
    wanted = sorted({i for i in ids if i is not None})
    found = {}
    if wanted and point is not None:
        found = _items_with_lots(wanted, point, dates)
    elif wanted:  # one hand-written SELECT: the ORM's compilation cost more than the statement
        among, params = rows.one_of("t.id", wanted)
        items = rows.load(Item, f"t.active = %s AND {among}", [True, *params])
        found = {item.pk: item for item in items}
    for number, item_id in enumerate(ids, 1):
        if item_id is not None and item_id not in found:
            raise _line_error(number, _("unknown item."), "unknown_item", "item")
    return found


def _items_with_lots(
    wanted: list[int], point: Point, dates: set[dt.date] | None
) -> dict[int, Item]:
    sql = _ITEMS_WITH_LOTS.get(connection.vendor)
    if sql is None:
        lot_table, item_table = rows.table(Lot), rows.table(Item)
        sql = _ITEMS_WITH_LOTS[connection.vendor] = (
            f"SELECT {rows.columns(Item, 't')}, {rows.columns(Lot, 'l')} FROM {item_table} t "
            f"LEFT JOIN {lot_table} l ON l.item_id = t.id AND l.point_id = %s "
            "AND l.container_id IS NULL{dates} WHERE t.active = %s AND {among}"
        )
    of_dates, date_params = lots_of_dates("l", dates)
    width = rows.width(Item)
    pk_at = [field.attname for field in Item._meta.concrete_fields].index(Item._meta.pk.attname)
    along = None if dates is None else frozenset(dates)
    found: dict[int, Item] = {}
    with connection.cursor() as cursor:
        among, params = rows.one_of("t.id", wanted)
        statement = sql.format(among=among, dates=of_dates)
        cursor.execute(statement, [point.pk, *date_params, True, *params])
        for row in cursor.fetchall():
            item = found.get(row[pk_at])
            if item is None:
                item = found[row[pk_at]] = rows.instance(Item, row)
                setattr(item, LOTS_READ_ALONG, (point.pk, [], along))
            if row[width] is not None:  # the lot's id: none when the item has no lot there
                getattr(item, LOTS_READ_ALONG)[1].append(row[width:])
    return found


_ITEMS_WITH_LOTS: dict[str, str] = {}


def _lots(point: Point, ids: Iterable[int | None]) -> dict[int, Lot]:
    """The lots named by the lines, all at the document's point."""
    ids = list(ids)
    wanted = sorted({i for i in ids if i is not None})
    found = {}
    if wanted:  # one hand-written SELECT: the ORM's compilation cost more than the statement
        among, params = rows.one_of("t.id", wanted)
        where = f"t.point_id = %s AND {among}"
        found = {lot.pk: lot for lot in rows.load(Lot, where, [point.pk, *params], along="item")}
    for number, lot_id in enumerate(ids, 1):
        if lot_id is not None and lot_id not in found:
            message = _("this lot is not at %(point)s.") % {"point": point}
            raise _line_error(number, message, "unknown_lot", "lot")
    return found


def _intake_lines(point: Point, lines: list[IntakeLineIn]) -> list[services.IntakeLine]:
    dates = {line.expiry for line in lines} - {None}
    items = _items((line.item for line in lines), point, dates)
    return [
        services.IntakeLine(
            item=items[line.item],
            quantity=line.quantity,
            expiry=line.expiry,
            size=line.size,
            condition=line.condition,
            unit_cost=getattr(line, "unit_cost", None),
        )
        for line in lines
    ]


def _lot_lines(point: Point, lines: list[LotLineIn]) -> list[services.LotLine]:
    lots = _lots(point, (line.lot for line in lines))
    return [services.LotLine(lot=lots[line.lot], quantity=line.quantity) for line in lines]


def _count_lines(point: Point, lines: list[CountLineIn]) -> list[services.CountLine]:
    lots = _lots(point, (line.lot for line in lines))
    items = _items(line.item for line in lines)
    return [
        services.CountLine(
            counted=line.counted,
            lot=lots.get(line.lot),
            item=items.get(line.item),
            expiry=line.expiry,
            size=line.size,
            condition=line.condition,
            reason=line.reason,
        )
        for line in lines
    ]


def _answer(document: Document, status: int = 200) -> Status | HttpResponse:
    """A document just posted is answered from what was written, as JSON built directly (the
    schema's field-by-field resolution cost more than the rest of the answer); a replayed one
    as stored, through DocumentOut. tests/api/test_written_answers.py holds them alike."""
    if getattr(document, "written", False):
        return HttpResponse(
            json.dumps(written_document(document), cls=NinjaJSONEncoder),
            status=status,
            content_type="application/json; charset=utf-8",
        )
    return Status(status, _shown(document))


def _created(document: Document) -> Status | HttpResponse:
    return _answer(document, 201)


# ---------------------------------------------------------------- stock


@dataclass(frozen=True)
class _StockRow:
    item: Item
    quantity: int
    point: Point | None = None


def name_column(alias: str, language: str | None) -> str:
    """SQL for an item's name as `name_in` picks it: in the language, else in English, else in
    Armenian (`alias` is the item table's)."""
    order = [language] if language in NAMES else []
    order += [name for name in ("en", "hy") if name not in order]
    picks = ", ".join(f"NULLIF({alias}.name_{name}, '')" for name in order)
    return f"COALESCE({picks}, '')"


_STOCK_KEYS = ("item", "item_code", "item_name", "unit", "quantity")


@router.get("/points/{point_id}/stock", response={200: list[StockOut], **ERRORS})
def point_stock(request: HttpRequest, point_id: PathId) -> HttpResponse:
    """Quantity on hand of each item at the point (items with none are left out)."""
    point = get_point_for(request.user, point_id)
    # The point's item balances (kept by the ledger with its lots' balances): one row per
    # item with its item in one hand-written SELECT, however many lots the point ever opened,
    # the name picked in SQL. A warehouse holds hundreds of items: StockOut's rows are built
    # here from plain values, not through the schema (ten times the work); tests hold the
    # shape and values to StockOut's.
    sql = (
        f"SELECT b.item_id, i.code, {name_column('i', (get_language() or '')[:2])}, i.unit, "
        f"b.quantity FROM {rows.table(ItemBalance)} b JOIN {rows.table(Item)} i "
        "ON i.id = b.item_id WHERE b.point_id = %s AND b.quantity > 0 ORDER BY b.item_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [point.pk])
        found = cursor.fetchall()
    body = json.dumps([dict(zip(_STOCK_KEYS, row, strict=True)) for row in found])
    return HttpResponse(body, content_type="application/json")


@router.get("/stock", response={200: list[PointStockOut], **ERRORS})
def stock(
    request: HttpRequest,
    item: int | None = Query(None, **OBJECT_ID),
    limit: int = Query(STOCK_LIMIT, ge=1, le=STOCK_LIMIT),
    offset: int = OFFSET,
    *,
    response: HttpResponse,
) -> list[_StockRow]:
    """Quantity on hand per point and item over all the points you may see, by point and
    item; `item` narrows it to one item ("where do we have blankets?"). Paged: `limit` and
    `offset`, the next page in the `Link` header."""
    points = {point.pk: point for point in points_for(request.user)}
    # Item balances (each the sum of its lots' balances, kept by the ledger) with their items.
    rows = ItemBalance.objects.filter(point__in=list(points), quantity__gt=0)
    if item is not None:
        rows = rows.filter(item_id=item)
    rows = rows.select_related("item").order_by("point_id", "item_id")  # one row per pair
    page = paged(rows, request, response, limit=limit, offset=offset)
    return [_StockRow(row.item, row.quantity, points[row.point_id]) for row in page]


@router.get("/points/{point_id}/lots", response={200: list[LotOut], **ERRORS})
def point_lots(
    request: HttpRequest,
    point_id: PathId,
    item: int | None = Query(None, **OBJECT_ID),
    expiring_within_days: int | None = Query(
        None, ge=0, le=3650, description="Not yet expired, expiring on or before today + N."
    ),
    expired: bool | None = Query(None, description="true: only expired; false: none expired."),
    limit: int = Query(LOT_LIMIT, ge=1, le=LOT_LIMIT),
    offset: int = OFFSET,
    *,
    response: HttpResponse,
) -> list[Lot]:
    """Lots with stock at the point, first expiry first out (undated lots last). Paged:
    `limit` and `offset`, the next page in the `Link` header."""
    point = get_point_for(request.user, point_id)
    today = timezone.localdate()
    lots = Lot.objects.at(point).in_stock().with_details().fefo()  # ends with the id
    if item is not None:
        lots = lots.filter(item_id=item)
    if expiring_within_days is not None:
        lots = lots.expiring(before=today + dt.timedelta(days=expiring_within_days + 1))
    if expired is True:
        lots = lots.expired(on=today)
    elif expired is False:
        lots = lots.exclude(expiry__lt=today)
    return paged(lots, request, response, limit=limit, offset=offset)


@router.get("/lots/{lot_id}", response={200: LotDetailOut, **ERRORS})
def get_lot(
    request: HttpRequest, lot_id: PathId, limit: int = Query(50, ge=1, le=MOVEMENT_LIMIT)
) -> Lot:
    """A lot with its latest movements, newest first: how its balance came to be."""
    lot = _lot_for(request.user, lot_id)
    movements = Movement.objects.filter(lot=lot).select_related("document", "by")
    lot.recent_movements = list(movements.order_by("-at", "-pk")[:limit])
    return lot


# ---------------------------------------------------------------- documents: shared reads


def _list(
    request: HttpRequest,
    response: HttpResponse,
    kind: str,
    point_id: int | None,
    *,
    limit: int,
    offset: int,
    status: str | None = None,
) -> list[Document]:
    """One page of the documents of one kind at (or, for transfers, coming to) the points the
    member may see, or at one of them, newest first."""
    user = request.user
    points = points_for(user) if point_id is None else [get_point_for(user, point_id)]
    documents = documents_for(user).filter(
        Q(point__in=points) | Q(destination__in=points), kind=kind
    )
    if status is not None:
        documents = documents.filter(status=status)
    documents = _with_lines(documents).order_by("-created_at", "-pk")
    return paged(documents, request, response, limit=limit, offset=offset)


def _reverse(
    request: HttpRequest,
    document_id: int,
    kind: str | None,
    body: ReverseIn | None,
    key: str | None,
) -> Status:
    document = _document_for(request.user, document_id, kind)
    reason = body.reason if body else ""
    line = None
    if body and body.line is not None:
        line = document.lines.filter(pk=body.line).first()
        if line is None:
            raise InvalidInput(
                _("This line is not on the document."), code="unknown_line", field="line"
            )
    return _created(
        services.reverse_document(
            document=document, by=request.user, reason=reason, idempotency_key=key, line=line
        )
    )


POINT_FILTER = Query(None, description="Only documents of this point.", **OBJECT_ID)
LIMIT = Query(20, ge=1, le=LIST_LIMIT)


# ---------------------------------------------------------------- donations and purchases


@dataclass(frozen=True)
class _IntakeKind:
    """What tells donations and purchases apart over the API; their four endpoints are shared."""

    kind: str
    name: str  # "donation": /donations, post_donation, list_donations …
    body: type[In]
    action: Action
    post: Callable[..., Document]
    fields: tuple[str, ...]  # the body's own fields, passed on to the service by name
    about: str  # what posting one does: the description of POST /{name}s


def _named(endpoint: Callable, name: str, spec: _IntakeKind) -> Callable:
    """The endpoint as if written out for this kind: Ninja takes the operation id, summary and
    URL name from the function's name, and the description from its docstring."""
    words = {"name": spec.name, "Names": f"{spec.name.capitalize()}s"}
    endpoint.__name__ = endpoint.__qualname__ = name.format(**words)
    endpoint.__doc__ = (endpoint.__doc__ or spec.about).format(**words)
    return endpoint


def _add_intake_endpoints(spec: _IntakeKind) -> None:
    """POST and GET /{name}s, GET /{name}s/{id} and POST /{name}s/{id}/reverse."""

    def post(request: HttpRequest, body, key: str | None = IDEMPOTENCY_KEY) -> Status:
        point = _point(request.user, body.point, spec.action)
        document = spec.post(
            point=point,
            lines=_intake_lines(point, body.lines),
            by=request.user,
            note=body.note,
            idempotency_key=key,
            **{field: getattr(body, field) for field in spec.fields},
        )
        return _created(document)

    def list_(
        request: HttpRequest,
        point: int | None = POINT_FILTER,
        limit: int = LIMIT,
        offset: int = OFFSET,
        *,
        response: HttpResponse,
    ) -> list[Document]:
        """{Names} at the points you may see, newest first; paged (`limit`, `offset`, the
        next page in the `Link` header)."""
        return _list(request, response, spec.kind, point, limit=limit, offset=offset)

    def get(request: HttpRequest, document_id: PathId) -> Document:
        """One {name}."""
        return _shown(_document_for(request.user, document_id, spec.kind))

    def reverse(
        request: HttpRequest,
        document_id: PathId,
        body: ReverseIn | None = None,
        key: str | None = IDEMPOTENCY_KEY,
    ) -> Status:
        """Undo a {name}; answers with the reversal document."""
        return _reverse(request, document_id, spec.kind, body, key)

    post.__annotations__["body"] = spec.body  # the schema Ninja validates and documents
    path = f"/{spec.name}s"
    router.post(path, response=CREATED)(_named(post, "post_{name}", spec))
    router.get(path, response={200: list[DocumentOut], **ERRORS})(
        _named(list_, "list_{name}s", spec)
    )
    router.get(path + "/{document_id}", response=OK)(_named(get, "get_{name}", spec))
    router.post(path + "/{document_id}/reverse", response=CREATED)(
        _named(reverse, "reverse_{name}", spec)
    )


_add_intake_endpoints(
    _IntakeKind(
        kind=Kind.DONATION,
        name="donation",
        body=DonationIn,
        action=Action.INTAKE,
        post=services.post_donation,
        fields=("donor",),
        about="Take donated goods into stock at a point.",
    )
)
_add_intake_endpoints(
    _IntakeKind(
        kind=Kind.PURCHASE,
        name="purchase",
        body=PurchaseIn,
        action=Action.PURCHASE,
        post=services.post_purchase,
        fields=("supplier", "currency"),
        about="Take goods bought with donated money into stock, with supplier and cost per unit.",
    )
)


# ---------------------------------------------------------------- transfers


@router.post("/transfers", response=CREATED)
def create_transfer(
    request: HttpRequest, body: TransferIn, key: str | None = IDEMPOTENCY_KEY
) -> Status:
    """Prepare a transfer from lots of the source point: a draft that moves nothing yet."""
    source = _point(request.user, body.source, Action.SEND_TRANSFER, field="source")
    document = services.create_transfer(
        source=source,
        destination=_destination(body.destination),
        lines=_lot_lines(source, body.lines),
        by=request.user,
        note=body.note,
        idempotency_key=key,
    )
    return _created(document)


@router.post("/transfers/{document_id}/send", response=OK)
def send_transfer(
    request: HttpRequest, document_id: PathId, key: str | None = IDEMPOTENCY_KEY
) -> Document:
    """Send a draft: its goods leave the source now and are in transit until received."""
    transfer = _document_for(request.user, document_id, Kind.TRANSFER)
    sent = services.send_transfer(transfer=transfer, by=request.user, idempotency_key=key)
    return _answer(sent)


@router.post("/transfers/{document_id}/receive", response=OK)
def receive_transfer(
    request: HttpRequest,
    document_id: PathId,
    body: ReceiveIn | None = None,
    key: str | None = IDEMPOTENCY_KEY,
) -> Document:
    """Receive a sent transfer at its destination; list only the lines that differ."""
    transfer = _document_for(request.user, document_id, Kind.TRANSFER)
    received = services.receive_transfer(
        transfer=transfer,
        received=received_by_line(body),
        by=request.user,
        note=body.note if body else "",
        idempotency_key=key,
    )
    return _answer(received)


@router.post("/transfers/{document_id}/cancel", response=OK)
def cancel_transfer(request: HttpRequest, document_id: PathId) -> Document:
    """Drop a draft that was never sent (a sent transfer is reversed instead). Cancelling
    twice is refused with 409, so a retry cannot do harm; no idempotency key is needed."""
    transfer = _document_for(request.user, document_id, Kind.TRANSFER)
    services.cancel_transfer(transfer=transfer, by=request.user)
    return _shown(transfer)


@router.get("/transfers", response={200: list[DocumentOut], **ERRORS})
def list_transfers(
    request: HttpRequest,
    point: int | None = Query(None, description="Going out of or coming into it.", **OBJECT_ID),
    status: DocumentStatus | None = None,
    limit: int = LIMIT,
    offset: int = OFFSET,
    *,
    response: HttpResponse,
) -> list[Document]:
    """Transfers out of and into the points you may see, newest first; paged (`limit`,
    `offset`, the next page in the `Link` header)."""
    return _list(request, response, Kind.TRANSFER, point, limit=limit, offset=offset, status=status)


@router.get("/transfers/{document_id}", response=OK)
def get_transfer(request: HttpRequest, document_id: PathId) -> Document:
    """One transfer, seen from either end."""
    return _shown(_document_for(request.user, document_id, Kind.TRANSFER))


# ---------------------------------------------------------------- counts, disposals, kits


@router.post("/counts", response=CREATED)
def post_count(request: HttpRequest, body: CountIn, key: str | None = IDEMPOTENCY_KEY) -> Status:
    """Post a stocktake: each line says what is on the shelf; differences are booked."""
    point = _point(request.user, body.point, Action.COUNT)
    document = services.post_count(
        point=point,
        lines=_count_lines(point, body.lines),
        by=request.user,
        reason=body.reason,
        idempotency_key=key,
    )
    return _created(document)


@router.get("/counts/{document_id}", response=OK)
def get_count(request: HttpRequest, document_id: PathId) -> Document:
    """One count, with what the ledger expected on each line."""
    return _shown(_document_for(request.user, document_id, Kind.COUNT))


@router.post("/disposals", response=CREATED)
def post_disposal(
    request: HttpRequest, body: DisposalIn, key: str | None = IDEMPOTENCY_KEY
) -> Status:
    """Take expired or damaged goods out of stock, with the reason."""
    point = _point(request.user, body.point, Action.DISPOSE)
    document = services.dispose(
        point=point,
        lines=_lot_lines(point, body.lines),
        by=request.user,
        reason=body.reason,
        idempotency_key=key,
    )
    return _created(document)


@router.post("/kit-builds", response=CREATED)
def post_kit_build(
    request: HttpRequest, body: KitBuildIn, key: str | None = IDEMPOTENCY_KEY
) -> Status:
    """Assemble kits from their components' stock, first expiry first out."""
    point = _point(request.user, body.point, Action.BUILD_KIT)
    kit = Item.objects.filter(pk=body.kit).first()
    if kit is None:
        raise InvalidInput(_("Unknown item."), code="unknown_item", field="kit")
    document = services.build_kit(
        point=point, kit=kit, quantity=body.quantity, by=request.user, idempotency_key=key
    )
    return _created(document)


@router.get("/kit-builds/{document_id}", response=OK)
def get_kit_build(request: HttpRequest, document_id: PathId) -> Document:
    """One kit build: the kits made and the component lots used."""
    return _shown(_document_for(request.user, document_id, Kind.KIT_BUILD))


# ---------------------------------------------------------------- any document


@router.get("/documents/{document_id}", response=OK)
def get_document(request: HttpRequest, document_id: PathId) -> Document:
    """Any stock document you may see, whatever its kind."""
    return _shown(_document_for(request.user, document_id))


@router.post("/documents/{document_id}/reverse", response=CREATED)
def reverse_document(
    request: HttpRequest,
    document_id: PathId,
    body: ReverseIn | None = None,
    key: str | None = IDEMPOTENCY_KEY,
) -> Status:
    """Undo any posted document with opposite movements; answers with the reversal."""
    return _reverse(request, document_id, None, body, key)
