"""Transfers between points: draft, sent, received (with differences), cancelled."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import connection
from django.utils.translation import gettext as _

from kamavor.catalogue.models import Item
from kamavor.core import rows
from kamavor.core.errors import Conflict, InvalidInput
from kamavor.network.access import Action
from kamavor.network.models import Point
from kamavor.stock.ledger import (
    Claim,
    Posting,
    container_lots_for,
    existing_lots,
    idempotent,
    lots_for,
)
from kamavor.stock.models import Balance, Container, Document, DocumentLine, Lot
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
        written = rows.insert(
            [
                DocumentLine(
                    document=document,
                    # The lots' items were read along with them: the answer names them.
                    **(
                        {"item": x.lot.item}
                        if Lot.item.is_cached(x.lot)
                        else {"item_id": x.lot.item_id}
                    ),
                    lot=x.lot,
                    quantity=x.quantity,
                    expiry=x.lot.expiry,
                    size=x.lot.size,
                    condition=x.lot.condition,
                )
                for x in lines
            ]
        )
        return as_written(document, written)

    return idempotent(by=by, key=idempotency_key, request=request, work=work)


def send_transfer(*, transfer: Document, by, idempotency_key: str | None = None) -> Document:
    """Send a draft transfer: its goods leave the source now and are in transit until received."""
    _check_transfer(transfer)
    _require(by, transfer.point, Action.SEND_TRANSFER)
    request = {"kind": "send", "transfer": transfer.pk}

    def work(claim: Claim) -> Document:
        claim(transfer)
        # One statement locks the transfer, checks that it is still a draft and marks it sent
        # (the rest of this transaction is undone if its goods are not there).
        if not _move_on(transfer, Document.Status.DRAFT, Document.Status.SENT):
            raise Conflict(_("This transfer has already been sent or cancelled."))
        posting = Posting(document=transfer, by=by)
        lines = _lines(transfer)
        for line in lines:
            posting.move(lot=line.lot, delta=-line.quantity, kind=Kind.TRANSFER_OUT, line=line)
        posting.save()
        transfer.status = Document.Status.SENT
        return as_written(transfer, lines)

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


def _set_received(quantities: Mapping[int, int]) -> None:
    """Each line's received quantity, in one UPDATE."""
    if not quantities:
        return
    ids = sorted(quantities)
    if connection.vendor == "postgresql":  # one array per column: the same text for any lines
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {rows.table(DocumentLine)} t SET received_quantity = c.quantity "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS c(id, quantity) WHERE t.id = c.id",
                [rows.array(ids), rows.array(quantities[pk] for pk in ids)],
            )
        return
    cases = " ".join("WHEN %s THEN %s" for _ in ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {rows.table(DocumentLine)} SET received_quantity = CASE id {cases} END "
            f"WHERE id IN ({rows.marks(ids)})",
            [v for pk in ids for v in (pk, quantities[pk])] + ids,
        )


def _lines(transfer: Document) -> list[DocumentLine]:
    """The transfer's lines in order, each with its item and lot, as select_related reads them,
    in one hand-written SELECT (each step of a transfer reads them)."""
    sql = _LINES_SQL.get(connection.vendor)
    if sql is None:
        sql = _LINES_SQL[connection.vendor] = (
            f"SELECT {rows.columns(DocumentLine, 't')}, {rows.columns(Item, 'i')}, "
            f"{rows.columns(Lot, 'l')} FROM {rows.table(DocumentLine)} t "
            f"JOIN {rows.table(Item)} i ON i.id = t.item_id "
            f"LEFT JOIN {rows.table(Lot)} l ON l.id = t.lot_id "
            "WHERE t.document_id = %s ORDER BY t.id"
        )
    lines = []
    with connection.cursor() as cursor:
        cursor.execute(sql, [transfer.pk])
        found = cursor.fetchall()
    at = rows.width(DocumentLine)
    for row in found:
        line = rows.instance(DocumentLine, row)
        rows.related(line, "item", rows.instance(Item, row, at))
        lot = None if line.lot_id is None else rows.instance(Lot, row, at + rows.width(Item))
        rows.related(line, "lot", lot)
        lines.append(line)
    return lines


_LINES_SQL: dict[str, str] = {}


def _move_on(transfer: Document, status: str, to: str) -> bool:
    """Move the transfer from `status` on to `to` in one conditional UPDATE, which also locks
    its row for this transaction; False (and nothing changed) when it is not in `status`."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {rows.table(Document)} SET status = %s WHERE id = %s AND status = %s",
            [to, transfer.pk, status],
        )
        return cursor.rowcount == 1


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
    lines = _lines(transfer)
    received = dict(received or {})
    unknown = set(received) - {line.pk for line in lines}
    if unknown:
        raise InvalidInput(_("Some received lines are not part of this transfer."))
    quantities = {}
    for n, line in enumerate(lines, 1):
        got = received.get(line.pk, line.quantity)
        quantities[line.pk] = check_quantity(got, number=n, allow_zero=True)
    request = {"kind": "receive", "transfer": transfer.pk, "received": sorted(quantities.items())}
    # The destination's lots of these goods, read before the write transaction (lots are never
    # deleted; the missing ones are opened inside it).
    coming = [line for line in lines if quantities[line.pk]]
    known = existing_lots(
        point=transfer.destination,
        items=[line.item for line in coming],
        keys={(x.item_id, x.expiry, x.size, x.condition) for x in coming},
    )

    def work(claim: Claim) -> Document:
        claim(transfer)
        # Locked, checked to be in transit and marked received in one statement (who and
        # when are written once the goods are in).
        if not _move_on(transfer, Document.Status.SENT, Document.Status.RECEIVED):
            raise Conflict(_("This transfer is not in transit any more."))
        document = transfer
        posting = Posting(document=document, by=by)
        for line in lines:
            line.received_quantity = quantities[line.pk]
        _set_received(quantities)
        arrived = [line for line in lines if line.received_quantity]
        lots = _arrival_lots(transfer, arrived, known)
        for line, lot in zip(arrived, lots, strict=True):
            posting.move(lot=lot, delta=line.received_quantity, kind=Kind.TRANSFER_IN, line=line)
        posting.save()
        document.status = Document.Status.RECEIVED
        document.received_by = by
        document.received_at = posting.at
        if note:
            document.note = "\n".join(filter(None, [document.note, note.strip()]))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {rows.table(Document)} SET status = %s, received_by_id = %s, "
                "received_at = %s, note = %s WHERE id = %s",
                [
                    document.status,
                    by.pk,
                    connection.ops.adapt_datetimefield_value(document.received_at),
                    document.note,
                    document.pk,
                ],
            )
        return as_written(document, lines)

    return idempotent(by=by, key=idempotency_key, request=request, work=work)


def _arrival_lots(transfer: Document, arrived: list[DocumentLine], known: dict) -> list:
    """The destination's lots for the lines that arrived, opened if new (in key order, the
    global lock order). A container sent whole (nothing of it left at the source) arrives
    whole: its lines go into its lots at the destination, and it is there now. Anything else
    arrives loose."""
    destination = transfer.destination
    packed = {x.lot.container_id for x in arrived if x.lot.container_id}
    left = set()
    if packed:  # (most transfers carry loose goods only: nothing to ask)
        left = set(
            Balance.objects.filter(
                lot__container_id__in=packed, point=transfer.point, quantity__gt=0
            )
            .values_list("lot__container_id", flat=True)
            .distinct()
        )
    whole = packed - left
    loose = [x for x in arrived if x.lot.container_id not in whole]
    found = dict(
        zip(
            [x.pk for x in loose],
            lots_for(
                point=destination,
                wanted=[(x.item, x.expiry, x.size, x.condition) for x in loose],
                known=known,
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
    if whole:
        Container.objects.filter(pk__in=whole).update(point=destination)
    return [found[x.pk] for x in arrived]
