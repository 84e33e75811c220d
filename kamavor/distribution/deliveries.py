"""Deliveries to shelters: a partner's request, picked, packed, sent, and confirmed on arrival.

A delivery is a stock document of kind `delivery` from a point to a shelter, linked to the
shelter's request. Packed, it is a draft pick list that moves nothing. Sent, its goods leave the
source with `distribution` movements: a shelter holds no ledger stock, its residents use the
goods. The partner confirms what arrived, line by line; the differences stay on the lines and
what arrived is counted against the request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.core import rows
from kamavor.core.errors import Conflict, InvalidInput
from kamavor.distribution.models import Fulfilment
from kamavor.needs.models import Request, RequestLine
from kamavor.needs.services import plan_request, record_fulfilment
from kamavor.network.access import Action, may
from kamavor.network.models import Point
from kamavor.stock.ledger import Claim, Posting, idempotent
from kamavor.stock.models import Document, DocumentLine, Lot, Movement
from kamavor.stock.services import LotLine, check_quantity
from kamavor.stock.services._common import _clean_text, _new_document, _require

__all__ = [
    "PickList",
    "cancel_delivery",
    "confirm_delivery",
    "pick_list",
    "prepare_delivery",
    "send_delivery",
]

Status = Document.Status
IN_FLIGHT = (Status.DRAFT, Status.SENT)


@dataclass(frozen=True)
class Pick:
    request_line: RequestLine | None  # None: goods the request did not ask for (a box's)
    lot: Lot
    quantity: int


@dataclass
class PickList:
    """What to take from which lot for each request line, first expiry first out, and what the
    point has too little of (request line id → units missing)."""

    request: Request
    point: Point
    picks: list[Pick] = field(default_factory=list)
    short: dict[int, int] = field(default_factory=dict)
    wanted: dict[int, int] = field(default_factory=dict)

    @property
    def units(self) -> int:
        return sum(p.quantity for p in self.picks)


# ---------------------------------------------------------------- reads


def in_flight(request: Request) -> dict[int, int]:
    """Units of each request line already packed or on their way, not yet confirmed."""
    rows = (
        Fulfilment.objects.filter(
            request_line__request=request,
            line__document__kind=Document.Kind.DELIVERY,
            line__document__status__in=IN_FLIGHT,
        )
        .values("request_line_id")
        .annotate(units=Sum("line__quantity"))
        .order_by()
    )
    return {row["request_line_id"]: int(row["units"]) for row in rows}


def still_wanted(request: Request) -> dict[int, int]:
    """Units of each request line neither fulfilled nor packed yet (lines with none left out)."""
    packed = in_flight(request)
    wanted = {}
    for line in request.lines.all():
        left = line.outstanding - packed.get(line.pk, 0)
        if left > 0:
            wanted[line.pk] = left
    return wanted


def _lots_for(point: Point, line: RequestLine, today):
    lots = (
        Lot.objects.at(point)
        .filter(balance__quantity__gt=0)
        .exclude(expiry__lt=today)
        .select_related("item", "balance")
    )
    if line.item_id is not None:
        lots = lots.filter(item_id=line.item_id)
        if line.size:
            lots = lots.filter(size=line.size)
    else:
        lots = lots.filter(item__category_id=line.category_id, item__active=True)
    return lots.fefo()


def _matches(line: RequestLine, lot: Lot) -> bool:
    """Whether a lot is what a request line asks for (as `_lots_for` picks them)."""
    if line.item_id is not None:
        return lot.item_id == line.item_id and (not line.size or lot.size == line.size)
    return lot.item.category_id == line.category_id and lot.item.active


def given_picks(*, request: Request, point: Point, lots: Sequence[LotLine]) -> PickList:
    """The given lots taken whole (a box's contents), each unit counted against the request
    lines that ask for its item, in the request's order, as far as they still want it. Units
    beyond that go with the first line that asks for them (a fulfilment may exceed what was
    asked: it is recorded as it happened); a lot that no line asks for goes along unlinked.
    Refused when the lots are not at the point, have expired, or the request wants none of
    them."""
    today = timezone.localdate()
    for n, given in enumerate(lots, 1):
        lot = given.lot
        if not isinstance(lot, Lot) or lot.point_id != point.pk:
            where = _("this lot is not at %(point)s.") % {"point": point}
            raise InvalidInput(_("Line %(n)d: %(error)s") % {"n": n, "error": where}, field="lot")
        check_quantity(given.quantity, number=n)
        if lot.expiry is not None and lot.expiry < today:
            raise InvalidInput(
                _("%(lot)s expired on %(date)s: do not hand it out; dispose of it.")
                % {"lot": lot, "date": lot.expiry.isoformat()},
                code="expired",
            )
    wanted = still_wanted(request)
    left = dict(wanted)
    result = PickList(request=request, point=point, wanted=wanted)
    request_lines = list(request.lines.all())
    unlinked: list[Pick] = []
    for given in lots:
        asking = [x for x in request_lines if _matches(x, given.lot)]
        units = given.quantity
        for line in asking:
            take = min(units, left.get(line.pk, 0))
            if take > 0:
                result.picks.append(Pick(line, given.lot, take))
                left[line.pk] -= take
                units -= take
        if units > 0:
            extra = Pick(asking[0] if asking else None, given.lot, units)
            (result.picks if asking else unlinked).append(extra)
    if not any(p.request_line is not None for p in result.picks):
        raise InvalidInput(
            _("This request asks for none of these goods."), code="not_asked_for", field="lot"
        )
    result.picks += unlinked
    result.short = {pk: units for pk, units in left.items() if units > 0}
    return result


def pick_list(
    *, request: Request, point: Point, quantities: Mapping[int, int] | None = None
) -> PickList:
    """Lots at the point for the request's lines, first expiry first out, never expired.

    `quantities` (request line id → units) packs less than is still wanted; by default all of it.
    """
    wanted = still_wanted(request)
    if quantities is not None:
        unknown = set(quantities) - {line.pk for line in request.lines.all()}
        if unknown:
            raise InvalidInput(
                _("Some lines are not part of this request."), code="unknown_request_line"
            )
        for n, (line_id, quantity) in enumerate(sorted(quantities.items()), 1):
            check_quantity(quantity, number=n, allow_zero=True)
            if quantity > wanted.get(line_id, 0):
                raise InvalidInput(
                    _("Line %(n)d: more than the request still needs (%(left)d).")
                    % {"n": n, "left": wanted.get(line_id, 0)},
                    code="too_many",
                    field="quantity",
                )
        wanted = {k: v for k, v in quantities.items() if v > 0}
    result = PickList(request=request, point=point, wanted=wanted)
    taken: dict[int, int] = defaultdict(int)  # lots shared by an item line and a category line
    today = timezone.localdate()
    for line in request.lines.all():
        left = wanted.get(line.pk, 0)
        if left <= 0:
            continue
        for lot in _lots_for(point, line, today):
            if left <= 0:
                break
            take = min(left, lot.balance.quantity - taken[lot.pk])
            if take > 0:
                result.picks.append(Pick(line, lot, take))
                taken[lot.pk] += take
                left -= take
        if left > 0:
            result.short[line.pk] = left
    return result


# ---------------------------------------------------------------- changes


def _check_request(request: Request, point: Point) -> None:
    if not isinstance(request, Request) or request.shelter_id is None:
        raise InvalidInput(_("Deliveries are for shelter requests."), code="not_a_shelter_request")
    if not isinstance(point, Point) or point.organisation_id != request.organisation_id:
        raise InvalidInput(_("Unknown point."), code="unknown_point", field="point")
    if point.kind == Point.Kind.SHELTER:
        raise InvalidInput(
            _("A shelter holds no stock to deliver from."), code="unknown_point", field="point"
        )


def prepare_delivery(
    *,
    request: Request,
    point: Point,
    by,
    quantities: Mapping[int, int] | None = None,
    lots: Sequence[LotLine] | None = None,
    note: str = "",
    idempotency_key: str | None = None,
) -> Document:
    """Pack a shelter's request at a point: a draft delivery (the pick list) that moves nothing
    until it is sent. Packs what the point has; refuses when it has none of it. With `lots`
    (a box's whole contents), packs exactly those instead of picking (see `given_picks`)."""
    _check_request(request, point)
    _require(by, point, Action.SEND_TRANSFER)
    note = _clean_text(note, limit=2000, label=_("Note"))
    if lots is not None and quantities is not None:
        raise InvalidInput(_("Pack either given lots or quantities, not both."))
    if lots is not None and not lots:
        raise InvalidInput(_("Add at least one line."), code="no_lines")
    fingerprint = {
        "kind": "delivery",
        "request": request.pk,
        "point": point.pk,
        "note": note,
        "quantities": sorted((quantities or {}).items()) if quantities is not None else None,
        "lots": None if lots is None else [(x.lot.pk, x.quantity) for x in lots],
    }

    def work(claim: Claim) -> Document:
        document = _new_document(
            kind=Document.Kind.DELIVERY,
            point=point,
            by=by,
            status=Status.DRAFT,
            destination_id=request.shelter_id,
            request=request,
            note=note,
        )
        claim(document)  # first: a concurrent retry waits here, then answers this document
        locked = Request.objects.select_for_update().get(pk=request.pk)
        if not locked.is_open:
            raise Conflict(
                _("This request is %(state)s: nothing to deliver.")
                % {"state": locked.get_state_display()},
                code="request_closed",
            )
        fresh = Request.objects.with_details().get(pk=request.pk)
        if lots is not None:
            picks = given_picks(request=fresh, point=point, lots=lots)
        else:
            picks = pick_list(request=fresh, point=point, quantities=quantities)
        if not picks.picks:
            if not picks.wanted:
                raise Conflict(
                    _("Everything this request asks for is delivered or on its way."),
                    code="nothing_outstanding",
                )
            raise InvalidInput(
                _("%(point)s has none of what this request asks for.") % {"point": point.name},
                code="not_enough_stock",
            )
        written = rows.insert(
            [
                DocumentLine(
                    document=document,
                    item_id=pick.lot.item_id,
                    lot=pick.lot,
                    quantity=pick.quantity,
                    expiry=pick.lot.expiry,
                    size=pick.lot.size,
                    condition=pick.lot.condition,
                )
                for pick in picks.picks
            ]
        )
        Fulfilment.objects.bulk_create(
            Fulfilment(line=line, request_line=pick.request_line, quantity=0)
            for pick, line in zip(picks.picks, written, strict=True)
            if pick.request_line is not None
        )
        if locked.state == Request.State.OPEN:
            plan_request(request=locked, by=by)
        return document

    return idempotent(by=by, key=idempotency_key, request=fingerprint, work=work)


def _check_delivery(delivery: Document) -> None:
    if not isinstance(delivery, Document) or delivery.kind != Document.Kind.DELIVERY:
        raise InvalidInput(_("This document is not a delivery."), code="not_a_delivery")


def send_delivery(*, delivery: Document, by, idempotency_key: str | None = None) -> Document:
    """Send a packed delivery: its goods leave the source's stock now, for the shelter."""
    _check_delivery(delivery)
    _require(by, delivery.point, Action.SEND_TRANSFER)

    def work(claim: Claim) -> Document:
        claim(delivery)
        document = Document.objects.select_for_update().get(pk=delivery.pk)
        if document.status != Status.DRAFT:
            raise Conflict(_("This delivery has already been sent or cancelled."))
        posting = Posting(document=document, by=by)
        for line in document.lines.select_related("lot__item").order_by("pk"):
            posting.move(
                lot=line.lot, delta=-line.quantity, kind=Movement.Kind.DISTRIBUTION, line=line
            )
        posting.save()
        document.status = Status.SENT
        document.save(update_fields=["status"])
        return document

    return idempotent(
        by=by, key=idempotency_key, request={"kind": "send", "delivery": delivery.pk}, work=work
    )


def cancel_delivery(*, delivery: Document, by) -> Document:
    """Drop a packed delivery that was never sent; its lines count as wanted again."""
    _check_delivery(delivery)
    _require(by, delivery.point, Action.SEND_TRANSFER)
    updated = Document.objects.filter(pk=delivery.pk, status=Status.DRAFT).update(
        status=Status.CANCELLED
    )
    if not updated:
        raise Conflict(_("Only a delivery that has not been sent can be cancelled."))
    delivery.refresh_from_db(fields=["status"])
    return delivery


def confirm_delivery(
    *,
    delivery: Document,
    received: Mapping[int, int] | None,
    by,
    note: str = "",
    idempotency_key: str | None = None,
) -> Document:
    """The partner confirms what arrived at the shelter. `received` maps line id to units that
    arrived; lines left out arrived in full. What arrived counts against the request."""
    _check_delivery(delivery)
    shelter = delivery.destination
    if not may(by, shelter.organisation_id, Action.CONFIRM_DELIVERY):
        raise PermissionDenied
    note = _clean_text(note, limit=2000, label=_("Note"))
    lines = list(delivery.lines.order_by("pk"))
    received = dict(received or {})
    if set(received) - {line.pk for line in lines}:
        raise InvalidInput(
            _("Some received lines are not part of this delivery."), code="unknown_line"
        )
    quantities = {}
    for n, line in enumerate(lines, 1):
        got = check_quantity(received.get(line.pk, line.quantity), number=n, allow_zero=True)
        if got > line.quantity:
            raise InvalidInput(
                _("Line %(n)d: more arrived than was sent (%(sent)d).")
                % {"n": n, "sent": line.quantity},
                field="received_quantity",
            )
        quantities[line.pk] = got
    fingerprint = {
        "kind": "confirm",
        "delivery": delivery.pk,
        "received": sorted(quantities.items()),
        "note": note,
    }

    def work(claim: Claim) -> Document:
        claim(delivery)
        document = Document.objects.select_for_update().get(pk=delivery.pk)
        if document.status != Status.SENT:
            raise Conflict(_("This delivery is not on its way: it cannot be confirmed."))
        links = {
            f.line_id: f
            for f in Fulfilment.objects.filter(line__document=document).select_related(
                "request_line__request"
            )
        }
        for line in lines:
            line.received_quantity = quantities[line.pk]
            line.save(update_fields=["received_quantity"])
            link = links.get(line.pk)
            if link is None or not line.received_quantity:
                continue
            # A request cancelled or met meanwhile keeps its state; the goods still arrived, but
            # count nothing the request did not count (a reversal takes back what is counted).
            state = Request.objects.filter(pk=link.request_line.request_id).values_list(
                "state", flat=True
            )[0]
            if state in Request.OPEN_STATES:
                record_fulfilment(line=link.request_line, quantity=line.received_quantity)
                link.quantity = line.received_quantity
                link.save(update_fields=["quantity"])
        document.status = Status.RECEIVED
        document.received_by = by
        document.received_at = timezone.now()
        if note:
            document.note = "\n".join(filter(None, [document.note, note]))
        document.save(update_fields=["status", "received_by", "received_at", "note"])
        return document

    return idempotent(by=by, key=idempotency_key, request=fingerprint, work=work)
