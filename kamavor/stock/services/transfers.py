"""Transfers between points: draft, sent, received (with differences), cancelled."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import connection
from django.db.models import Case, Value, When
from django.utils.translation import gettext as _

from kamavor.core import rows
from kamavor.core.errors import Conflict, InvalidInput
from kamavor.network.access import Action
from kamavor.network.models import Point
from kamavor.stock.ledger import Claim, Posting, container_lots_for, idempotent, lots_for
from kamavor.stock.models import Balance, Container, Document, DocumentLine
from kamavor.stock.services._common import (
    Kind,
    LotLine,
    _check_lines_present,
    _check_lot_line,
    _clean_text,
    _new_document,
    _require,
    as_written,
    check_quantity,
)


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

    def work(claim: Claim) -> Document:
        document = _new_document(
            kind=Document.Kind.TRANSFER,
            point=source,
            by=by,
            status=Document.Status.DRAFT,
            destination=destination,
            note=note,
        )
        claim(document)
        rows.insert(
            [
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
            ]
        )
        return document

    return idempotent(by=by, key=idempotency_key, request=request, work=work)


def send_transfer(*, transfer: Document, by, idempotency_key: str | None = None) -> Document:
    """Send a draft transfer: its goods leave the source now and are in transit until received."""
    _check_transfer(transfer)
    _require(by, transfer.point, Action.SEND_TRANSFER)
    request = {"kind": "send", "transfer": transfer.pk}

    def work(claim: Claim) -> Document:
        claim(transfer)
        document = _mark_sent(transfer, by)
        posting = Posting(document=document, by=by)
        lines = list(document.lines.select_related("item", "lot").order_by("pk"))
        for line in lines:
            posting.move(lot=line.lot, delta=-line.quantity, kind=Kind.TRANSFER_OUT, line=line)
        posting.save()
        return as_written(document, lines)

    return idempotent(by=by, key=idempotency_key, request=request, work=work)


def _mark_sent(transfer: Document, by) -> Document:
    """Mark a draft transfer sent in one conditional UPDATE, which also locks it (a second
    send waits, then finds it sent); the document as it now stands. Conflict if it was not a
    draft. The posting that follows in the same transaction rolls this back if it fails."""
    columns = ", ".join(connection.ops.quote_name(f.column) for f in Document._meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {rows.table(Document)} SET status = %s WHERE id = %s AND status = %s "
            f"RETURNING {columns}",
            [Document.Status.SENT, transfer.pk, Document.Status.DRAFT],
        )
        row = cursor.fetchone()
    if row is None:
        raise Conflict(_("This transfer has already been sent or cancelled."))
    document = rows.instance(Document, row)
    author = transfer._state.fields_cache.get("created_by")
    if author is None and document.created_by_id == by.pk:
        author = by
    if author is not None:
        rows.related(document, "created_by", author)
    return document


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


def _locked(transfer: Document) -> Document:
    """The transfer again, locked for this transaction (its author read along, not locked)."""
    return (
        Document.objects.select_for_update(of=("self",))
        .select_related("created_by")
        .get(pk=transfer.pk)
    )


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
    lines = list(transfer.lines.select_related("item", "lot").order_by("pk"))
    received = dict(received or {})
    unknown = set(received) - {line.pk for line in lines}
    if unknown:
        raise InvalidInput(_("Some received lines are not part of this transfer."))
    quantities = {}
    for n, line in enumerate(lines, 1):
        got = received.get(line.pk, line.quantity)
        quantities[line.pk] = check_quantity(got, number=n, allow_zero=True)
    request = {"kind": "receive", "transfer": transfer.pk, "received": sorted(quantities.items())}

    def work(claim: Claim) -> Document:
        claim(transfer)
        document = _locked(transfer)
        if document.status != Document.Status.SENT:
            raise Conflict(_("This transfer is not in transit any more."))
        posting = Posting(document=document, by=by)
        for line in lines:
            line.received_quantity = quantities[line.pk]
        DocumentLine.objects.filter(pk__in=quantities).update(
            received_quantity=Case(*(When(pk=pk, then=Value(q)) for pk, q in quantities.items()))
        )
        arrived = [line for line in lines if line.received_quantity]
        lots = _arrival_lots(transfer, arrived)
        for line, lot in zip(arrived, lots, strict=True):
            posting.move(lot=lot, delta=line.received_quantity, kind=Kind.TRANSFER_IN, line=line)
        posting.save()
        document.status = Document.Status.RECEIVED
        document.received_by = by
        document.received_at = posting.at
        if note:
            document.note = "\n".join(filter(None, [document.note, note.strip()]))
        document.save(update_fields=["status", "received_by", "received_at", "note"])
        return as_written(document, lines)

    return idempotent(by=by, key=idempotency_key, request=request, work=work)


def _arrival_lots(transfer: Document, arrived: list[DocumentLine]) -> list:
    """The destination's lots for the lines that arrived, opened if new (in key order, the
    global lock order). A container sent whole (nothing of it left at the source) arrives
    whole: its lines go into its lots at the destination, and it is there now. Anything else
    arrives loose."""
    destination = transfer.destination
    packed = {x.lot.container_id for x in arrived if x.lot.container_id}
    left = set(
        Balance.objects.filter(lot__container_id__in=packed, point=transfer.point, quantity__gt=0)
        .values_list("lot__container_id", flat=True)
        .distinct()
    )
    whole = packed - left
    loose = [x for x in arrived if x.lot.container_id not in whole]
    found = dict(
        zip(
            [x.pk for x in loose],
            lots_for(
                point=destination, wanted=[(x.item, x.expiry, x.size, x.condition) for x in loose]
            ),
            strict=True,
        )
    )
    for container_id in sorted(whole):
        inside = [x for x in arrived if x.lot.container_id == container_id]
        wanted = [(x.item_id, x.expiry, x.size, x.condition) for x in inside]
        container = Container(pk=container_id)
        lots = container_lots_for(point=destination, container=container, wanted=wanted)
        found.update(zip([x.pk for x in inside], lots, strict=True))
    Container.objects.filter(pk__in=whole).update(point=destination)
    return [found[x.pk] for x in arrived]
