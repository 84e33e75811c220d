"""API endpoints of the distribution app: hand-outs to households and deliveries to shelters.

Endpoints resolve ids and codes to what the member may see, call one service, and answer with
the document; the pages use the same services and access helpers.
"""

from __future__ import annotations

import json

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status
from ninja.responses import NinjaJSONEncoder
from pydantic import model_validator

from kamavor.catalogue.models import Item
from kamavor.core import rows
from kamavor.core.errors import InvalidInput
from kamavor.core.idempotency import KEY_LIMITS
from kamavor.core.numbers import MAX_ID, Id, PathId
from kamavor.core.paging import OFFSET, paged
from kamavor.distribution import deliveries, services
from kamavor.distribution.access import deliveries_for, get_delivery_for
from kamavor.distribution.models import Fulfilment
from kamavor.households.access import get_household_for
from kamavor.needs.access import get_request_for
from kamavor.network.access import Action, get_point_for, points_for
from kamavor.network.api import ERRORS, NO_NUL
from kamavor.stock.access import documents_for, get_document_for
from kamavor.stock.api_schemas import (
    MAX_LINES,
    DocumentLineOut,
    DocumentOut,
    DocumentStatus,
    In,
    Quantity,
    ReceiveIn,
    Size,
    Text,
    received_by_line,
    written_document,
)
from kamavor.stock.models import Document, DocumentLine, Lot
from kamavor.stock.services import LotLine

router = Router(tags=["distribution"])

IDEMPOTENCY_KEY = Header(
    None,
    alias="Idempotency-Key",
    pattern=NO_NUL,
    description="Any string of 1 to 200 characters; a retry with the same key and body "
    "returns the first document again and writes nothing.",
)
IDEMPOTENCY_KEY.json_schema_extra.update(KEY_LIMITS)  # stated; check_key enforces it
OBJECT_ID = {"ge": 1, "le": MAX_ID}
LIMIT = Query(20, ge=1, le=100)
Kind = Document.Kind


# ---------------------------------------------------------------- shapes


class FulfilmentOut(Schema):
    request: int
    request_line: int
    quantity: int

    @staticmethod
    def resolve_request(f: Fulfilment) -> int:
        return f.request_line.request_id

    @staticmethod
    def resolve_request_line(f: Fulfilment) -> int:
        return f.request_line_id


class HandedLineOut(DocumentLineOut):
    fulfils: list[FulfilmentOut] = Field(description="The request lines this line counts for.")

    @staticmethod
    def resolve_fulfils(line: DocumentLine) -> list[Fulfilment]:
        return list(line.fulfilments.all())


class DistributionOut(DocumentOut):
    household: str = Field(description="The household code.")
    lines: list[HandedLineOut]

    @staticmethod
    def resolve_household(document: Document) -> str:
        return document.household.display_code


class DeliveryOut(DocumentOut):
    request: int
    shelter: int
    lines: list[HandedLineOut]

    @staticmethod
    def resolve_request(document: Document) -> int:
        return document.request_id

    @staticmethod
    def resolve_shelter(document: Document) -> int:
        return document.destination_id


class HandOutLineIn(In):
    """A `lot` of the point, or an `item` (with a `size` where it matters) picked first expiry
    first out."""

    lot: Id | None = None
    item: Id | None = None
    size: Size | None = None
    quantity: Quantity

    @model_validator(mode="after")
    def _lot_or_item(self) -> HandOutLineIn:
        if (self.lot is None) == (self.item is None) or (self.lot is not None and self.size):
            raise ValueError("give either a lot, or an item (and its size)")
        return self


class DistributionIn(In):
    point: Id
    household: Text = Field(description="The household code, e.g. KX4M-7QAT.")
    note: Text = ""
    lines: list[HandOutLineIn] = Field(max_length=MAX_LINES)


class PackLineIn(In):
    request_line: Id
    quantity: Quantity


class DeliveryIn(In):
    request: Id = Field(description="An open shelter request.")
    point: Id = Field(description="The point the goods leave from.")
    note: Text = ""
    lines: list[PackLineIn] | None = Field(
        None, max_length=MAX_LINES, description="Pack less than is still wanted; all by default."
    )


# ---------------------------------------------------------------- reads


def _with_lines(documents: QuerySet[Document]) -> QuerySet[Document]:
    fulfilments = Fulfilment.objects.select_related("request_line").order_by("pk")
    lines = (
        DocumentLine.objects.select_related("item")
        .prefetch_related(Prefetch("fulfilments", queryset=fulfilments))
        .order_by("pk")
    )
    return documents.select_related("created_by", "received_by", "household").prefetch_related(
        Prefetch("lines", queryset=lines), "reversals"
    )


def _shown(document: Document) -> Document:
    return _with_lines(Document.objects.all()).get(pk=document.pk)


def _line_error(number: int, message: str, code: str, field: str) -> InvalidInput:
    return InvalidInput(
        _("Line %(n)d: %(error)s") % {"n": number, "error": message}, code=code, field=field
    )


# ---------------------------------------------------------------- distributions


def _hand_out_lines(point, lines: list[HandOutLineIn]) -> list[LotLine | services.ItemLine]:
    """Lots of the point as named, or items to pick first expiry first out in the service."""
    # Two hand-written SELECTs (kamavor.core.rows): a desk's every hand-out reads them.
    lot_ids = sorted({x.lot for x in lines if x.lot})
    item_ids = sorted({x.item for x in lines if x.item})
    lots, items = {}, {}
    if lot_ids:
        among, params = rows.one_of("t.id", lot_ids)
        where = f"t.point_id = %s AND {among}"
        lots = {lot.pk: lot for lot in rows.load(Lot, where, [point.pk, *params], along="item")}
    if item_ids:
        among, params = rows.one_of("t.id", item_ids)
        where = f"t.active = %s AND {among}"
        items = {item.pk: item for item in rows.load(Item, where, [True, *params])}
    result: list[LotLine | services.ItemLine] = []
    for n, line in enumerate(lines, 1):
        if line.lot is not None:
            if line.lot not in lots:
                message = _("this lot is not at %(point)s.") % {"point": point}
                raise _line_error(n, message, "unknown_lot", "lot")
            result.append(LotLine(lots[line.lot], line.quantity))
        elif line.item not in items:
            raise _line_error(n, _("unknown item."), "unknown_item", "item")
        else:
            result.append(services.ItemLine(items[line.item], line.quantity, line.size or ""))
    return result


@router.post("/distributions", response={201: DistributionOut, **ERRORS})
def post_distribution(
    request: HttpRequest, body: DistributionIn, key: str | None = IDEMPOTENCY_KEY
) -> Status:
    """Hand goods to a household at a point: by lot, or by item picked first expiry first out.
    What it meets of the household's open requests is counted against them."""
    try:
        point = get_point_for(request.user, body.point, Action.DISTRIBUTE)
    except Http404:
        raise InvalidInput(_("Unknown point."), code="unknown_point", field="point") from None
    try:
        # The service reads the household again under a lock: nothing related is needed here.
        household = get_household_for(request.user, body.household, Action.DISTRIBUTE, related=())
    except Http404:
        raise InvalidInput(
            _("Unknown household."), code="unknown_household", field="household"
        ) from None
    document = services.record_distribution(
        point=point,
        household=household,
        lines=_hand_out_lines(point, body.lines),
        by=request.user,
        note=body.note,
        idempotency_key=key,
    )
    # A hand-out just posted is answered from what was written; a replayed one as stored.
    if getattr(document, "written", False):
        return HttpResponse(
            json.dumps(written_hand_out(document), cls=NinjaJSONEncoder),
            status=201,
            content_type="application/json; charset=utf-8",
        )
    return Status(201, _shown(document))


def written_hand_out(document: Document) -> dict:
    """DistributionOut of a hand-out just posted, built from what was written (as
    `written_document` builds DocumentOut): resolving the schema field by field cost more than
    the rest of the answer. tests/distribution/test_api.py holds it to the stored answer."""
    answer = written_document(document)
    for line, shown in zip(document.lines.all(), answer["lines"], strict=True):
        shown["fulfils"] = [
            {
                "request": fulfilment.request_line.request_id,
                "request_line": fulfilment.request_line_id,
                "quantity": fulfilment.quantity,
            }
            for fulfilment in line.fulfilments.all()
        ]
    answer["household"] = document.household.display_code
    return answer


@router.get("/distributions", response={200: list[DistributionOut], **ERRORS})
def list_distributions(
    request: HttpRequest,
    point: int | None = Query(None, description="Only distributions at this point.", **OBJECT_ID),
    limit: int = LIMIT,
    offset: int = OFFSET,
    *,
    response: HttpResponse,
) -> list[Document]:
    """Distributions at the points where you serve households, newest first; paged (`limit`,
    `offset`, the next page in the `Link` header)."""
    if point is None:
        points = points_for(request.user, Action.DISTRIBUTE)
    else:
        points = [get_point_for(request.user, point, Action.DISTRIBUTE)]
    documents = documents_for(request.user).filter(kind=Kind.DISTRIBUTION, point__in=points)
    documents = _with_lines(documents).order_by("-created_at", "-pk")
    return paged(documents, request, response, limit=limit, offset=offset)


@router.get("/distributions/{document_id}", response={200: DistributionOut, **ERRORS})
def get_distribution(request: HttpRequest, document_id: PathId) -> Document:
    document = get_document_for(request.user, document_id, Action.DISTRIBUTE)
    if document.kind != Kind.DISTRIBUTION:
        raise Http404
    return _shown(document)


# ---------------------------------------------------------------- deliveries


@router.get("/deliveries", response={200: list[DeliveryOut], **ERRORS})
def list_deliveries(
    request: HttpRequest,
    status: DocumentStatus | None = None,
    shelter_request: int | None = Query(None, alias="request", **OBJECT_ID),
    limit: int = LIMIT,
    offset: int = OFFSET,
    *,
    response: HttpResponse,
) -> list[Document]:
    """Deliveries you may see: your organisation's, or (partners) those sent to your shelters;
    paged (`limit`, `offset`, the next page in the `Link` header)."""
    documents = deliveries_for(request.user)
    if status is not None:
        documents = documents.filter(status=status)
    if shelter_request is not None:
        documents = documents.filter(request_id=shelter_request)
    documents = _with_lines(documents).order_by("-created_at", "-pk")
    return paged(documents, request, response, limit=limit, offset=offset)


@router.get("/deliveries/{delivery_id}", response={200: DeliveryOut, **ERRORS})
def get_delivery(request: HttpRequest, delivery_id: PathId) -> Document:
    return _shown(get_delivery_for(request.user, delivery_id))


@router.post("/deliveries", response={201: DeliveryOut, **ERRORS})
def post_delivery(
    request: HttpRequest, body: DeliveryIn, key: str | None = IDEMPOTENCY_KEY
) -> Status:
    """Pack a shelter's request at a point, first expiry first out: a draft that moves nothing
    until it is sent."""
    try:
        point = get_point_for(request.user, body.point, Action.SEND_TRANSFER)
    except Http404:
        raise InvalidInput(_("Unknown point."), code="unknown_point", field="point") from None
    try:
        shelter_request = get_request_for(request.user, body.request)
    except Http404:
        raise InvalidInput(_("Unknown request."), code="unknown_request", field="request") from None
    quantities = None
    if body.lines is not None:
        quantities = {}
        for n, line in enumerate(body.lines, 1):
            if line.request_line in quantities:
                raise _line_error(n, _("this line is listed twice."), "invalid", "request_line")
            quantities[line.request_line] = line.quantity
    document = deliveries.prepare_delivery(
        request=shelter_request,
        point=point,
        by=request.user,
        quantities=quantities,
        note=body.note,
        idempotency_key=key,
    )
    return Status(201, _shown(document))


@router.post("/deliveries/{delivery_id}/send", response={200: DeliveryOut, **ERRORS})
def send_delivery(
    request: HttpRequest, delivery_id: PathId, key: str | None = IDEMPOTENCY_KEY
) -> Document:
    """Send a packed delivery: its goods leave the source's stock now."""
    delivery = get_delivery_for(request.user, delivery_id)
    deliveries.send_delivery(delivery=delivery, by=request.user, idempotency_key=key)
    return _shown(delivery)


@router.post("/deliveries/{delivery_id}/confirm", response={200: DeliveryOut, **ERRORS})
def confirm_delivery(
    request: HttpRequest,
    delivery_id: PathId,
    body: ReceiveIn | None = None,
    key: str | None = IDEMPOTENCY_KEY,
) -> Document:
    """The partner confirms what arrived; list only the lines that differ."""
    delivery = get_delivery_for(request.user, delivery_id)
    deliveries.confirm_delivery(
        delivery=delivery,
        received=received_by_line(body),
        by=request.user,
        note=body.note if body else "",
        idempotency_key=key,
    )
    return _shown(delivery)
