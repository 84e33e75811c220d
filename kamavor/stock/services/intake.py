"""Goods coming in: donations and purchases."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.core import rows
from kamavor.core.errors import InvalidInput
from kamavor.network.access import Action
from kamavor.network.models import Point
from kamavor.stock.ledger import Claim, Posting, existing_lots, idempotent, lots_for
from kamavor.stock.models import Document, DocumentLine
from kamavor.stock.services._common import (
    IntakeLine,
    Kind,
    _check_lines_present,
    _clean_text,
    _new_document,
    _require,
    as_written,
    check_intake_line,
)

CENTS = Decimal("0.01")


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

    keys = {(x.item.pk, x.expiry, x.size, x.condition) for x in clean}
    known = existing_lots(point=point, items=[x.item for x in clean], keys=keys)  # before the lock

    def work(claim: Claim) -> Document:
        document = _new_document(kind=kind, point=point, by=by, **doc_fields)
        claim(document)
        lots = lots_for(
            point=point,
            wanted=[(x.item, x.expiry, x.size, x.condition) for x in clean],
            known=known,
        )
        lines = rows.insert(
            [
                DocumentLine(
                    document=document,
                    item=x.item,
                    lot=lot,
                    quantity=x.quantity,
                    expiry=x.expiry,
                    size=x.size,
                    condition=x.condition,
                    unit_cost=None if x.unit_cost is None else Decimal(x.unit_cost).quantize(CENTS),
                )
                for x, lot in zip(clean, lots, strict=True)
            ]
        )
        posting = Posting(document=document, by=by)
        posting.add_all(
            [(lot, line.quantity, kind, line) for lot, line in zip(lots, lines, strict=True)]
        )
        posting.save()
        return as_written(document, lines)

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
