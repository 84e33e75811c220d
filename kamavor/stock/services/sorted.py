"""Goods sorted from a drop-off: the usable lines and the ones set aside, posted together.

A drop-off's goods arrived at the point, usable or not. The donation takes every sorted line
in (so the ledger shows what came through the door), and in the same transaction a disposal
takes the set-aside lines out again with their reasons: the point's stock gains only what can
be used, and the history explains every unit. Set-aside goods may be expired or without a size:
they are checked for what they are, not for what stock needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.catalogue.models import Item
from kamavor.core import rows
from kamavor.network.access import Action
from kamavor.network.models import Point
from kamavor.stock.ledger import (
    Claim,
    LotKey,
    Posting,
    existing_lots,
    idempotent,
    lots_for,
)
from kamavor.stock.models import Document, DocumentLine, Lot
from kamavor.stock.services._common import (
    CONDITIONS,
    IntakeLine,
    Kind,
    _check_lines_present,
    _clean_text,
    _line_error,
    _require,
    as_written,
    check_intake_line,
    check_quantity,
)


def check_set_aside_line(line: IntakeLine, *, number: int) -> IntakeLine:
    """A line that will not be stock: a known item and a sound quantity; its expiry may have
    passed, and a size is kept only for an item that has sizes."""
    if not isinstance(line.item, Item) or not line.item.active:
        raise _line_error(number, _("unknown item."), "item")
    check_quantity(line.quantity, number=number)
    if line.condition not in CONDITIONS:
        raise _line_error(number, _("unknown condition."), "condition")
    size = (line.size or "").strip()[:20] if line.item.tracks_size else ""
    expiry = line.expiry if line.item.tracks_expiry else None
    return IntakeLine(line.item, line.quantity, expiry, size, line.condition)


def post_sorted_donation(
    *,
    point: Point,
    lines: Sequence[IntakeLine],
    set_aside: Sequence[tuple[IntakeLine, str]] = (),
    by,
    donor: str = "",
    note: str = "",
    disposal_reason: str = "",
    idempotency_key: str | None = None,
    known: Mapping[LotKey, Lot] | None = None,
    savepoint: bool = True,
) -> Document:
    """Post a sorted drop-off: one donation of every line, and (when some were set aside) one
    disposal of the set-aside lines, in one transaction. The donation is returned; its
    `disposal` attribute holds the disposal document, or None.

    `known`: the point's loose lots of the lines (by item id, expiry, size and condition) as
    the caller read them along with its lines, so they are not read again; missing ones are
    opened. `savepoint=False` for a caller whose own transaction rolls back on any error."""
    _require(by, point, Action.INTAKE)
    _check_lines_present([*lines, *set_aside])
    today = timezone.localdate()
    clean = [check_intake_line(x, number=n, today=today) for n, x in enumerate(lines, 1)]
    start = len(clean) + 1
    waste = [
        (check_set_aside_line(x, number=n), _clean_text(reason, limit=300, label=_("Reason")))
        for n, (x, reason) in enumerate(set_aside, start)
    ]
    donor = _clean_text(donor, limit=200, label=_("Donor"))
    note = _clean_text(note, limit=2000, label=_("Note"))
    disposal_reason = _clean_text(disposal_reason, limit=300, label=_("Reason"))
    everything = [(x, "") for x in clean] + waste
    request = {
        "kind": "sorted_donation",
        "point": point.pk,
        "donor": donor,
        "note": note,
        "lines": [_key(x, reason) for x, reason in everything],
    }
    if known is None:
        keys = {(x.item.pk, x.expiry, x.size, x.condition) for x, _reason in everything}
        known = existing_lots(point=point, items=[x.item for x, _r in everything], keys=keys)

    def work(claim: Claim) -> Document:
        donation = _document(Kind.DONATION, point, by, donor=donor, note=note)
        disposal = None
        if waste:
            reason = disposal_reason or _("Set aside at sorting")
            disposal = _document(Document.Kind.DISPOSAL, point, by, reason=reason, note=note)
        rows.insert([donation] if disposal is None else [donation, disposal])
        claim(donation)
        lots = lots_for(
            point=point,
            wanted=[(x.item, x.expiry, x.size, x.condition) for x, _reason in everything],
            known=known,
        )
        taken = lots[len(clean) :]
        written = rows.insert(
            [
                _line(donation, x, lot, reason)
                for (x, reason), lot in zip(everything, lots, strict=True)
            ]
            + [_line(disposal, x, lot, why) for (x, why), lot in zip(waste, taken, strict=True)]
        )
        # One posting for both documents (each movement names its line's document): the
        # set-aside units come in and go out again in the same statements, so their lots and
        # the point's item balances never show them, while the daily flows and each lot's
        # history record the donation and the disposal as they are.
        posting = Posting(document=donation, by=by, by_line=True)
        given = written[: len(everything)]
        posting.add_all(
            [
                (lot, line.quantity, Kind.DONATION, line)
                for lot, line in zip(lots, given, strict=True)
            ]
        )
        posting.take_all(
            [
                (lot, -line.quantity, Kind.DISPOSAL, line)
                for lot, line in zip(taken, written[len(everything) :], strict=True)
            ]
        )
        posting.save()
        donation.disposal = disposal
        return as_written(donation, given)

    return idempotent(by=by, key=idempotency_key, request=request, work=work, savepoint=savepoint)


def _document(kind: str, point: Point, by, **fields) -> Document:
    """A new posted document of the point, not yet written (both of a sorted drop-off's are
    written in one INSERT)."""
    return Document(
        kind=kind,
        status=Document.Status.POSTED,
        organisation_id=point.organisation_id,
        point=point,
        created_by=by,
        **fields,
    )


def _line(document: Document, x: IntakeLine, lot, reason: str) -> DocumentLine:
    return DocumentLine(
        document=document,
        item=x.item,
        lot=lot,
        quantity=x.quantity,
        expiry=x.expiry,
        size=x.size,
        condition=x.condition,
        reason=reason,
    )


def _key(x: IntakeLine, reason: str) -> tuple:
    expiry: dt.date | None = x.expiry
    return (x.item.pk, x.quantity, expiry, x.size, x.condition, reason)
