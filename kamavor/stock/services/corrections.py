"""Counts, disposals and adjustments: stock corrected, always with a reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.catalogue.models import Item
from kamavor.core.errors import InvalidInput
from kamavor.network.access import Action
from kamavor.network.models import Point
from kamavor.stock.ledger import Claim, Posting, idempotent, lots_for
from kamavor.stock.models import Balance, Document, DocumentLine, Lot
from kamavor.stock.services._common import (
    CountLine,
    Kind,
    LotLine,
    _check_expiry,
    _check_lines_present,
    _check_lot_line,
    _check_size,
    _clean_text,
    _line_error,
    _new_document,
    _require,
    check_quantity,
)


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

    def work(claim: Claim) -> Document:
        document = _new_document(kind=Document.Kind.COUNT, point=point, by=by, reason=reason)
        claim(document)
        posting = Posting(document=document, by=by)
        wanted = [
            (x.item, target[1], target[2], x.condition)
            for x, target in zip(lines, resolved, strict=True)
            if x.lot is None
        ]
        opened = iter(lots_for(point=point, wanted=wanted) if wanted else [])
        lots = [x.lot or next(opened) for x in lines]
        # The counted lots' balances, locked in lot id order (the global lock order).
        expected_of = dict(
            Balance.objects.select_for_update()
            .filter(lot_id__in={lot.pk for lot in lots})
            .order_by("lot_id")
            .values_list("lot_id", "quantity")
        )
        for x, lot in zip(lines, lots, strict=True):
            expected = expected_of[lot.pk]
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
                expected_of[lot.pk] = x.counted  # a lot counted twice: the later count wins
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

    def work(claim: Claim) -> Document:
        document = _new_document(kind=kind, point=point, by=by, reason=reason)
        claim(document)
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
