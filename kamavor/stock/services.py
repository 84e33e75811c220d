"""Every change of stock: each service posts one document in one transaction, idempotently.

Views, API endpoints and commands parse input, call one of these, and show the result.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.catalogue.models import Item
from kamavor.core.errors import Conflict, InvalidInput, NotEnoughStock
from kamavor.network.access import Action, may, role_at
from kamavor.network.models import Member, Point
from kamavor.stock.ledger import Posting, idempotent, lot_for
from kamavor.stock.models import Balance, Condition, Document, DocumentLine, Lot, Movement

Kind = Movement.Kind


@dataclass(frozen=True)
class IntakeLine:
    """A line of goods coming in: what, how many, and the lot's attributes."""

    item: Item
    quantity: int
    expiry: dt.date | None = None
    size: str = ""
    condition: str = Condition.NEW
    unit_cost: Decimal | None = None


@dataclass(frozen=True)
class LotLine:
    """A quantity taken from (or, for adjustments, added to) one existing lot."""

    lot: Lot
    quantity: int
    reason: str = ""


@dataclass(frozen=True)
class CountLine:
    """What was found on the shelf: an existing lot, or an item with attributes (a new lot)."""

    counted: int
    lot: Lot | None = None
    item: Item | None = None
    expiry: dt.date | None = None
    size: str = ""
    condition: str = Condition.NEW
    reason: str = ""


# ---------------------------------------------------------------- checks


def _require(by, point: Point, action: Action) -> None:
    if not may(by, point.organisation_id, action):
        raise PermissionDenied
    if not point.active:
        raise InvalidInput(
            _("%(point)s is closed: it takes no stock postings.") % {"point": point.name},
            code="point_closed",
        )


def _line_error(number: int, message: str, field: str | None = None) -> InvalidInput:
    return InvalidInput(_("Line %(n)d: %(error)s") % {"n": number, "error": message}, field=field)


def check_quantity(quantity, *, number: int, allow_zero: bool = False) -> int:
    """A whole number of units, positive (or zero where allowed), and not absurdly large."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise _line_error(number, _("the quantity must be a whole number."), "quantity")
    if quantity < 0 or (quantity == 0 and not allow_zero):
        raise _line_error(number, _("the quantity must be more than zero."), "quantity")
    if quantity > settings.KAMAVOR_MAX_LINE_QUANTITY:
        raise _line_error(
            number,
            _("%(q)d is more than one line may hold (%(max)d). Check the quantity.")
            % {"q": quantity, "max": settings.KAMAVOR_MAX_LINE_QUANTITY},
            "quantity",
        )
    return quantity


def _check_lines_present(lines: Sequence) -> None:
    if not lines:
        raise InvalidInput(_("Add at least one line."), code="no_lines")


def check_intake_line(line: IntakeLine, *, number: int, today: dt.date) -> IntakeLine:
    item = line.item
    if not isinstance(item, Item) or not item.active:
        raise _line_error(number, _("unknown item."), "item")
    check_quantity(line.quantity, number=number)
    expiry = _check_expiry(item, line.expiry, number=number, today=today)
    size = _check_size(item, line.size, number=number)
    if line.condition not in Condition.values:
        raise _line_error(number, _("unknown condition."), "condition")
    if line.unit_cost is not None and line.unit_cost < 0:
        raise _line_error(number, _("the cost cannot be negative."), "unit_cost")
    return IntakeLine(item, line.quantity, expiry, size, line.condition, line.unit_cost)


def _check_expiry(item: Item, expiry, *, number: int, today: dt.date) -> dt.date | None:
    if not item.tracks_expiry:
        return None
    if expiry is None:
        raise _line_error(
            number, _("%(item)s needs an expiry date.") % {"item": item.name}, "expiry"
        )
    if expiry < today:
        raise _line_error(
            number,
            _("%(item)s expired on %(date)s: do not take it into stock; dispose of it.")
            % {"item": item.name, "date": expiry.isoformat()},
            "expiry",
        )
    return expiry


def _check_size(item: Item, size: str, *, number: int) -> str:
    size = (size or "").strip()
    if not item.tracks_size:
        return ""
    if not size:
        raise _line_error(number, _("%(item)s needs a size.") % {"item": item.name}, "size")
    if item.sizes and size not in item.sizes:
        raise _line_error(
            number,
            _("%(size)s is not a size of %(item)s (sizes: %(sizes)s).")
            % {"size": size, "item": item.name, "sizes": ", ".join(item.sizes)},
            "size",
        )
    return size


def _check_lot_line(line: LotLine, *, point: Point, number: int) -> None:
    if not isinstance(line.lot, Lot) or line.lot.point_id != point.pk:
        raise _line_error(number, _("this lot is not at %(point)s.") % {"point": point}, "lot")
    check_quantity(line.quantity, number=number)


def _clean_text(value: str, *, limit: int, label: str) -> str:
    value = (value or "").replace("\x00", "").strip()
    if len(value) > limit:
        raise InvalidInput(
            _("%(label)s is too long (at most %(n)d characters).") % {"label": label, "n": limit}
        )
    return value


def _new_document(*, kind: str, point: Point, by, status=Document.Status.POSTED, **fields):
    return Document.objects.create(
        kind=kind,
        status=status,
        organisation_id=point.organisation_id,
        point=point,
        created_by=by,
        **fields,
    )


# ---------------------------------------------------------------- intake


def _post_intake(*, kind, point, lines, by, idempotency_key, **doc_fields) -> Document:
    _check_lines_present(lines)
    today = timezone.localdate()
    clean = [check_intake_line(line, number=n, today=today) for n, line in enumerate(lines, 1)]
    request = {
        "kind": kind,
        "point": point.pk,
        "fields": doc_fields,
        "lines": [
            (x.item.pk, x.quantity, x.expiry, x.size, x.condition, x.unit_cost) for x in clean
        ],
    }

    def work() -> Document:
        document = _new_document(kind=kind, point=point, by=by, **doc_fields)
        posting = Posting(document=document, by=by)
        for x in clean:
            lot = lot_for(
                item=x.item, point=point, expiry=x.expiry, size=x.size, condition=x.condition
            )
            line = DocumentLine.objects.create(
                document=document,
                item=x.item,
                lot=lot,
                quantity=x.quantity,
                expiry=x.expiry,
                size=x.size,
                condition=x.condition,
                unit_cost=x.unit_cost,
            )
            posting.move(lot=lot, delta=x.quantity, kind=kind, line=line)
        posting.save()
        return document

    return idempotent(by=by, key=idempotency_key, request=request, work=work)


def post_donation(
    *,
    point: Point,
    lines: Sequence[IntakeLine],
    by,
    donor: str = "",
    note: str = "",
    idempotency_key: str | None = None,
) -> Document:
    """Take donated goods into stock at a point. The donor is optional (anonymous by default)."""
    _require(by, point, Action.INTAKE)
    return _post_intake(
        kind=Kind.DONATION,
        point=point,
        lines=lines,
        by=by,
        idempotency_key=idempotency_key,
        donor=_clean_text(donor, limit=200, label=_("Donor")),
        note=_clean_text(note, limit=2000, label=_("Note")),
    )


CURRENCY = re.compile(r"^[A-Z]{3}$")


def post_purchase(
    *,
    point: Point,
    lines: Sequence[IntakeLine],
    by,
    supplier: str,
    currency: str = "AMD",
    note: str = "",
    idempotency_key: str | None = None,
) -> Document:
    """Take goods bought with donated money into stock, with their supplier and cost."""
    _require(by, point, Action.PURCHASE)
    supplier = _clean_text(supplier, limit=200, label=_("Supplier"))
    if not supplier:
        raise InvalidInput(_("Name the supplier."), field="supplier")
    currency = (currency or "AMD").strip().upper()
    if not CURRENCY.match(currency):
        raise InvalidInput(_("The currency must be a three-letter code such as AMD."))
    return _post_intake(
        kind=Kind.PURCHASE,
        point=point,
        lines=lines,
        by=by,
        idempotency_key=idempotency_key,
        supplier=supplier,
        currency=currency,
        note=_clean_text(note, limit=2000, label=_("Note")),
    )


# ---------------------------------------------------------------- transfers


def create_transfer(
    *,
    source: Point,
    destination: Point,
    lines: Sequence[LotLine],
    by,
    note: str = "",
    idempotency_key: str | None = None,
) -> Document:
    """Prepare a transfer: a draft pick list that moves nothing until it is sent."""
    _require(by, source, Action.SEND_TRANSFER)
    if not isinstance(destination, Point) or not destination.active:
        raise InvalidInput(_("Choose an active destination point."), field="destination")
    if destination.pk == source.pk:
        raise InvalidInput(_("A transfer needs a different destination."), field="destination")
    _check_lines_present(lines)
    for n, line in enumerate(lines, 1):
        _check_lot_line(line, point=source, number=n)
    note = _clean_text(note, limit=2000, label=_("Note"))
    request = {
        "kind": "transfer",
        "from": source.pk,
        "to": destination.pk,
        "note": note,
        "lines": [(x.lot.pk, x.quantity) for x in lines],
    }

    def work() -> Document:
        document = _new_document(
            kind=Document.Kind.TRANSFER,
            point=source,
            by=by,
            status=Document.Status.DRAFT,
            destination=destination,
            note=note,
        )
        DocumentLine.objects.bulk_create(
            DocumentLine(
                document=document,
                item_id=x.lot.item_id,
                lot=x.lot,
                quantity=x.quantity,
                expiry=x.lot.expiry,
                size=x.lot.size,
                condition=x.lot.condition,
            )
            for x in lines
        )
        return document

    return idempotent(by=by, key=idempotency_key, request=request, work=work)


def send_transfer(*, transfer: Document, by, idempotency_key: str | None = None) -> Document:
    """Send a draft transfer: its goods leave the source now and are in transit until received."""
    _check_transfer(transfer)
    _require(by, transfer.point, Action.SEND_TRANSFER)
    request = {"kind": "send", "transfer": transfer.pk}

    def work() -> Document:
        document = Document.objects.select_for_update().get(pk=transfer.pk)
        if document.status != Document.Status.DRAFT:
            raise Conflict(_("This transfer has already been sent or cancelled."))
        posting = Posting(document=document, by=by)
        for line in document.lines.select_related("lot__item").order_by("pk"):
            posting.move(lot=line.lot, delta=-line.quantity, kind=Kind.TRANSFER_OUT, line=line)
        posting.save()
        document.status = Document.Status.SENT
        document.save(update_fields=["status"])
        return document

    return idempotent(by=by, key=idempotency_key, request=request, work=work)


def cancel_transfer(*, transfer: Document, by) -> Document:
    """Drop a draft transfer that was never sent (a sent one is reversed instead)."""
    _check_transfer(transfer)
    _require(by, transfer.point, Action.SEND_TRANSFER)
    updated = Document.objects.filter(pk=transfer.pk, status=Document.Status.DRAFT).update(
        status=Document.Status.CANCELLED
    )
    if not updated:
        raise Conflict(_("Only a transfer that has not been sent can be cancelled."))
    transfer.refresh_from_db(fields=["status"])
    return transfer


def _check_transfer(transfer: Document) -> None:
    if not isinstance(transfer, Document) or transfer.kind != Document.Kind.TRANSFER:
        raise InvalidInput(_("This document is not a transfer."))


def receive_transfer(
    *,
    transfer: Document,
    received: Mapping[int, int] | None,
    by,
    note: str = "",
    idempotency_key: str | None = None,
) -> Document:
    """Receive a transfer at its destination. `received` maps line id to the quantity that
    arrived; lines left out arrived in full. Differences stay on the lines for all to see."""
    _check_transfer(transfer)
    _require(by, transfer.destination, Action.RECEIVE_TRANSFER)
    lines = list(transfer.lines.select_related("item").order_by("pk"))
    received = dict(received or {})
    unknown = set(received) - {line.pk for line in lines}
    if unknown:
        raise InvalidInput(_("Some received lines are not part of this transfer."))
    quantities = {}
    for n, line in enumerate(lines, 1):
        got = received.get(line.pk, line.quantity)
        quantities[line.pk] = check_quantity(got, number=n, allow_zero=True)
    request = {"kind": "receive", "transfer": transfer.pk, "received": sorted(quantities.items())}

    def work() -> Document:
        document = Document.objects.select_for_update().get(pk=transfer.pk)
        if document.status != Document.Status.SENT:
            raise Conflict(_("This transfer is not in transit any more."))
        posting = Posting(document=document, by=by)
        for line in lines:
            line.received_quantity = quantities[line.pk]
            line.save(update_fields=["received_quantity"])
            if line.received_quantity:
                lot = lot_for(
                    item=line.item,
                    point=document.destination,
                    expiry=line.expiry,
                    size=line.size,
                    condition=line.condition,
                )
                posting.move(
                    lot=lot, delta=line.received_quantity, kind=Kind.TRANSFER_IN, line=line
                )
        posting.save()
        document.status = Document.Status.RECEIVED
        document.received_by = by
        document.received_at = posting.at
        if note:
            document.note = "\n".join(filter(None, [document.note, note.strip()]))
        document.save(update_fields=["status", "received_by", "received_at", "note"])
        return document

    return idempotent(by=by, key=idempotency_key, request=request, work=work)


# ---------------------------------------------------------------- counts, disposals, adjustments


def post_count(
    *,
    point: Point,
    lines: Sequence[CountLine],
    by,
    reason: str = "",
    idempotency_key: str | None = None,
) -> Document:
    """Post a stocktake: each difference between shelf and ledger becomes a `count` movement."""
    _require(by, point, Action.COUNT)
    _check_lines_present(lines)
    reason = _clean_text(reason, limit=300, label=_("Reason"))
    today = timezone.localdate()
    resolved = [
        _count_target(x, point=point, number=n, today=today) for n, x in enumerate(lines, 1)
    ]
    request = {"kind": "count", "point": point.pk, "reason": reason, "lines": resolved}

    def work() -> Document:
        document = _new_document(kind=Document.Kind.COUNT, point=point, by=by, reason=reason)
        posting = Posting(document=document, by=by)
        for x, target in zip(lines, resolved, strict=True):
            lot = x.lot or lot_for(
                item=x.item, point=point, expiry=target[1], size=target[2], condition=x.condition
            )
            expected = Balance.objects.select_for_update().get(lot=lot).quantity
            line = DocumentLine.objects.create(
                document=document,
                item_id=lot.item_id,
                lot=lot,
                quantity=x.counted,
                expected_quantity=expected,
                expiry=lot.expiry,
                size=lot.size,
                condition=lot.condition,
                reason=x.reason.strip(),
            )
            if x.counted != expected:
                if not (reason or x.reason.strip()):
                    raise InvalidInput(
                        _("Give a reason for the difference on %(lot)s.") % {"lot": lot},
                        field="reason",
                    )
                posting.move(lot=lot, delta=x.counted - expected, kind=Kind.COUNT, line=line)
        posting.save()
        return document

    return idempotent(by=by, key=idempotency_key, request=request, work=work)


def _count_target(line: CountLine, *, point: Point, number: int, today: dt.date) -> tuple:
    check_quantity(line.counted, number=number, allow_zero=True)
    if line.lot is not None:
        if not isinstance(line.lot, Lot) or line.lot.point_id != point.pk:
            raise _line_error(number, _("this lot is not at %(point)s.") % {"point": point})
        return ("lot", line.lot.pk, line.counted, line.reason)
    if not isinstance(line.item, Item) or not line.item.active:
        raise _line_error(number, _("unknown item."), "item")
    expiry = _check_expiry(line.item, line.expiry, number=number, today=today)
    size = _check_size(line.item, line.size, number=number)
    return ("item", expiry, size, line.item.pk, line.condition, line.counted, line.reason)


def dispose(
    *,
    point: Point,
    lines: Sequence[LotLine],
    by,
    reason: str,
    idempotency_key: str | None = None,
) -> Document:
    """Take expired or damaged goods out of stock, with the reason."""
    _require(by, point, Action.DISPOSE)
    return _post_lot_changes(
        kind=Document.Kind.DISPOSAL,
        movement_kind=Kind.DISPOSAL,
        sign=-1,
        point=point,
        lines=lines,
        by=by,
        reason=reason,
        idempotency_key=idempotency_key,
    )


def post_adjustment(
    *,
    point: Point,
    lines: Sequence[LotLine],
    by,
    reason: str,
    increase: bool = False,
    idempotency_key: str | None = None,
) -> Document:
    """Correct stock outside a count (found goods, a miscount), always with a reason."""
    _require(by, point, Action.COUNT)
    return _post_lot_changes(
        kind=Document.Kind.ADJUSTMENT,
        movement_kind=Kind.ADJUSTMENT,
        sign=1 if increase else -1,
        point=point,
        lines=lines,
        by=by,
        reason=reason,
        idempotency_key=idempotency_key,
    )


def _post_lot_changes(
    *, kind, movement_kind, sign, point, lines, by, reason, idempotency_key
) -> Document:
    reason = _clean_text(reason, limit=300, label=_("Reason"))
    if not reason:
        raise InvalidInput(_("Give a reason."), field="reason")
    _check_lines_present(lines)
    for n, line in enumerate(lines, 1):
        _check_lot_line(line, point=point, number=n)
    request = {
        "kind": kind,
        "sign": sign,
        "point": point.pk,
        "reason": reason,
        "lines": [(x.lot.pk, x.quantity, x.reason) for x in lines],
    }

    def work() -> Document:
        document = _new_document(kind=kind, point=point, by=by, reason=reason)
        posting = Posting(document=document, by=by)
        for x in lines:
            line = DocumentLine.objects.create(
                document=document,
                item_id=x.lot.item_id,
                lot=x.lot,
                quantity=x.quantity,
                expiry=x.lot.expiry,
                size=x.lot.size,
                condition=x.lot.condition,
                reason=x.reason.strip()[:300],
            )
            posting.move(lot=x.lot, delta=sign * x.quantity, kind=movement_kind, line=line)
        posting.save()
        return document

    return idempotent(by=by, key=idempotency_key, request=request, work=work)


# ---------------------------------------------------------------- kits


def suggest_picks(
    *, point: Point, item: Item, quantity: int, size: str | None = None, today=None
) -> list[tuple[Lot, int]]:
    """Lots to take `quantity` from, first expiry first out, never an expired lot.

    Returns fewer units than asked when the point has fewer.
    """
    lots = (
        Lot.objects.at(point)
        .filter(item=item, balance__quantity__gt=0)
        .exclude(expiry__lt=today or timezone.localdate())
        .select_related("balance")
        .fefo()
    )
    if size is not None:
        lots = lots.filter(size=size)
    picks, left = [], quantity
    for lot in lots:
        if left <= 0:
            break
        take = min(left, lot.balance.quantity)
        picks.append((lot, take))
        left -= take
    return picks


def build_kit(
    *, point: Point, kit: Item, quantity: int, by, idempotency_key: str | None = None
) -> Document:
    """Assemble kits from their components' stock (first expiry first out).

    The kit lot expires with its earliest-expiring component.
    """
    _require(by, point, Action.BUILD_KIT)
    components = _kit_components(kit)
    check_quantity(quantity, number=1)
    request = {"kind": "kit_build", "point": point.pk, "kit": kit.pk, "quantity": quantity}

    def work() -> Document:
        document = _new_document(kind=Document.Kind.KIT_BUILD, point=point, by=by)
        posting = Posting(document=document, by=by)
        picks = _pick_components(point=point, components=components, kits=quantity)
        expiries = [lot.expiry for lot, _ in picks if lot.expiry]
        kit_lot = lot_for(
            item=kit,
            point=point,
            expiry=min(expiries) if expiries else None,
            size="",
            condition=Condition.NEW,
        )
        kit_line = DocumentLine.objects.create(
            document=document, item=kit, lot=kit_lot, quantity=quantity, expiry=kit_lot.expiry
        )
        for lot, take in picks:
            line = DocumentLine.objects.create(
                document=document,
                item_id=lot.item_id,
                lot=lot,
                quantity=take,
                expiry=lot.expiry,
                size=lot.size,
                condition=lot.condition,
            )
            posting.move(lot=lot, delta=-take, kind=Kind.KIT_USE, line=line)
        posting.move(lot=kit_lot, delta=quantity, kind=Kind.KIT_BUILD, line=kit_line)
        posting.save()
        return document

    return idempotent(by=by, key=idempotency_key, request=request, work=work)


def _kit_components(kit: Item) -> list:
    if not isinstance(kit, Item) or not kit.is_kit or not kit.active:
        raise InvalidInput(_("This item is not a kit."), field="kit")
    components = list(kit.components.select_related("item"))
    if not components:
        raise InvalidInput(_("This kit has no components yet."), field="kit")
    return components


def _pick_components(*, point, components, kits: int) -> list[tuple[Lot, int]]:
    picks = []
    for component in components:
        wanted = component.quantity * kits
        found = suggest_picks(point=point, item=component.item, quantity=wanted)
        if sum(q for _, q in found) < wanted:
            raise NotEnoughStock(
                _("Not enough %(item)s for %(kits)d kits: %(have)d of %(want)d.")
                % {
                    "item": component.item.name,
                    "kits": kits,
                    "have": sum(q for _, q in found),
                    "want": wanted,
                }
            )
        picks.extend(found)
    return picks


def unbuild_kit(
    *, point: Point, lot: Lot, quantity: int, by, idempotency_key: str | None = None
) -> Document:
    """Take kits apart: their components go back into stock."""
    _require(by, point, Action.BUILD_KIT)
    if not isinstance(lot, Lot) or lot.point_id != point.pk:
        raise InvalidInput(_("This lot is not at %(point)s.") % {"point": point}, field="lot")
    components = _kit_components(lot.item)
    check_quantity(quantity, number=1)
    request = {"kind": "kit_unbuild", "lot": lot.pk, "quantity": quantity}

    def work() -> Document:
        document = _new_document(kind=Document.Kind.KIT_UNBUILD, point=point, by=by)
        posting = Posting(document=document, by=by)
        kit_line = DocumentLine.objects.create(
            document=document, item_id=lot.item_id, lot=lot, quantity=quantity, expiry=lot.expiry
        )
        posting.move(lot=lot, delta=-quantity, kind=Kind.KIT_BUILD, line=kit_line)
        for component in components:
            expiry = lot.expiry if component.item.tracks_expiry else None
            back = lot_for(
                item=component.item, point=point, expiry=expiry, size="", condition=Condition.NEW
            )
            line = DocumentLine.objects.create(
                document=document,
                item=component.item,
                lot=back,
                quantity=component.quantity * quantity,
                expiry=expiry,
            )
            posting.move(
                lot=back, delta=component.quantity * quantity, kind=Kind.KIT_USE, line=line
            )
        posting.save()
        return document

    return idempotent(by=by, key=idempotency_key, request=request, work=work)


# ---------------------------------------------------------------- reversal


def can_reverse(user, document: Document) -> bool:
    """Coordinators reverse any posted document of their points; a volunteer only their own,
    recent one (a mistake at the desk)."""
    if document.kind == Document.Kind.REVERSAL or document.status not in (
        Document.Status.POSTED,
        Document.Status.SENT,
        Document.Status.RECEIVED,
    ):
        return False
    if not may(user, document.organisation_id, Action.REVERSE):
        return False
    role = role_at(user, document.organisation_id)
    if role == Member.Role.VOLUNTEER:
        window = dt.timedelta(hours=settings.KAMAVOR_SELF_REVERSAL_HOURS)
        return (
            document.created_by_id == user.pk
            and document.created_at >= timezone.now() - window
            and document.kind in (Document.Kind.DONATION, Document.Kind.KIT_BUILD)
        )
    if document.status == Document.Status.RECEIVED and document.destination_id:
        return may(user, document.destination.organisation_id, Action.REVERSE)
    return True


def _check_reversible(document: Document) -> None:
    if document.kind == Document.Kind.REVERSAL:
        raise Conflict(_("A reversal cannot be reversed; post the goods again instead."))
    if document.status == Document.Status.REVERSED:
        raise Conflict(_("This document has already been reversed."))
    if document.status in (Document.Status.DRAFT, Document.Status.CANCELLED):
        raise Conflict(_("Only a posted document can be reversed."))


def reverse_document(
    *, document: Document, by, reason: str = "", idempotency_key: str | None = None
) -> Document:
    """Undo a posted document with opposite movements; the original stays, marked reversed."""
    reason = _clean_text(reason, limit=300, label=_("Reason"))
    request = {"kind": "reversal", "document": document.pk, "reason": reason}

    def work() -> Document:
        original = Document.objects.select_for_update().get(pk=document.pk)
        _check_reversible(original)
        if not can_reverse(by, original):
            raise PermissionDenied
        reversal = _new_document(
            kind=Document.Kind.REVERSAL,
            point=original.point,
            by=by,
            reverses=original,
            reason=reason,
            destination=original.destination,
        )
        posting = Posting(document=reversal, by=by)
        for movement in original.movements.select_related("lot__item", "line").order_by("-pk"):
            try:
                posting.move(
                    lot=movement.lot,
                    delta=-movement.quantity,
                    kind=Kind.REVERSAL,
                    line=movement.line,
                    reversal_of=movement,
                )
            except NotEnoughStock as error:
                raise NotEnoughStock(
                    _("Cannot reverse: part of this stock has already left. %(detail)s")
                    % {"detail": error.message}
                ) from None
        posting.save()
        original.status = Document.Status.REVERSED
        original.save(update_fields=["status"])
        return reversal

    return idempotent(by=by, key=idempotency_key, request=request, work=work)


# ---------------------------------------------------------------- reads


def stock_by_item(points) -> list[dict]:
    """Quantity on hand per item over the given points, for stock pages and the API."""
    return list(
        Balance.objects.filter(point__in=points, quantity__gt=0)
        .values("item_id")
        .annotate(quantity=Sum("quantity"))
        .order_by("item_id")
    )
