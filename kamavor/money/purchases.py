"""Goods bought with a fund's money: the stock purchase and the fund's entry in one transaction.

The stock app keeps its purchase documents as they are; this module posts one through the stock
service inside its own transaction and links it to the fund's entry. Reversing that document
(the stock app's reversal) calls `restore_fund` in the same transaction, which gives the fund
back the cost of the lines reversed.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.translation import gettext as _

from kamavor.core.errors import InvalidInput
from kamavor.money.checks import check_fund, clean_text
from kamavor.money.ledger import Claim, idempotent, post_entries, post_lines
from kamavor.money.models import Entry, Fund, Record
from kamavor.network.models import Point
from kamavor.stock.models import Document, DocumentLine
from kamavor.stock.services import IntakeLine, post_purchase


def line_cost(quantity: int, unit_cost: Decimal, exponent: int) -> int | None:
    """What a line cost in minor units, or None when it is not a whole number of them."""
    total = (Decimal(quantity) * Decimal(unit_cost)).scaleb(exponent)
    return int(total) if total == total.to_integral_value() else None


def buy_with_fund(
    *,
    fund: Fund,
    point: Point,
    lines: Sequence[IntakeLine],
    supplier: str,
    by,
    note: str = "",
    idempotency_key: str | None = None,
) -> Record:
    """Goods bought for a point with a fund's money: a stock purchase in the fund's currency,
    and the fund's entry for its cost. Every line needs its cost per unit."""
    check_fund(fund, by, organisation_id=point.organisation_id)
    if not lines:
        raise InvalidInput(_("Add at least one line."), code="no_lines")
    exponent = fund.currency.exponent
    total = 0
    for number, line in enumerate(lines, 1):
        if line.unit_cost is None:
            raise InvalidInput(
                _("Line %(n)d: enter the cost per unit.") % {"n": number},
                code="no_cost",
                field="unit_cost",
            )
        cost = (
            line_cost(line.quantity, line.unit_cost, exponent)
            if isinstance(line.quantity, int) and line.unit_cost >= 0
            else 0
        )
        if cost is None:
            raise InvalidInput(
                _("Line %(n)d: the cost is not a whole amount of %(code)s.")
                % {"n": number, "code": fund.currency_id},
                code="invalid_amount",
                field="unit_cost",
            )
        total += cost
    note = clean_text(note, limit=2000, label=_("Note"), field="note")
    request = {
        "kind": Record.Kind.PURCHASE,
        "fund": fund.pk,
        "point": point.pk,
        "supplier": supplier,
        "note": note,
        "lines": [
            (x.item.pk, x.quantity, x.expiry, x.size, x.condition, x.unit_cost) for x in lines
        ],
    }

    def work(claim: Claim) -> Record:
        record = Record.objects.create(
            kind=Record.Kind.PURCHASE,
            organisation_id=fund.organisation_id,
            point=point,
            purpose=clean_text(supplier, limit=300, label=_("Supplier")),
            note=note,
            created_by=by,
        )
        claim("record", record.pk)
        # The stock service checks the lines and posts the goods (inside this transaction).
        document = post_purchase(
            point=point,
            lines=lines,
            by=by,
            supplier=supplier,
            currency=fund.currency_id,
            note=note,
        )
        record.purchase = document
        record.save(update_fields=["purchase"])
        if total:
            post_entries(record, [(fund, -total, Entry.Kind.PURCHASE)])
        return record

    return idempotent(
        by=by,
        key=idempotency_key,
        request=request,
        work=work,
        replay=lambda kind, pk: Record.objects.get(pk=pk),
    )


def restore_fund(original: Document, *, lines: list[int]) -> None:
    """Called by the stock reversal of a purchase, inside its transaction: give the fund that
    paid for it back the cost of the lines reversed now."""
    record = (
        Record.objects.filter(kind=Record.Kind.PURCHASE, purchase=original)
        .select_related("organisation")
        .first()
    )
    if record is None:
        return  # bought with money Kamavor does not keep
    entry = record.entries.select_related("fund__currency").first()
    if entry is None:
        return  # nothing was paid (free goods)
    exponent = entry.fund.currency.exponent
    refund = sum(
        line_cost(line.quantity, line.unit_cost or Decimal(0), exponent) or 0
        for line in DocumentLine.objects.filter(pk__in=lines, document=original)
    )
    reversal_document = Document.objects.filter(reverses=original).order_by("-pk").first()
    by = reversal_document.created_by if reversal_document else original.created_by
    reversal = Record.objects.create(
        kind=Record.Kind.REVERSAL,
        organisation_id=record.organisation_id,
        point_id=record.point_id,
        purchase=original,
        reverses=record,
        purpose=reversal_document.reason if reversal_document else "",
        created_by=by,
    )
    if refund:
        post_lines(reversal, [(entry.fund, refund, Entry.Kind.REVERSAL, Entry.Kind.PURCHASE, None)])
    if original.status == Document.Status.REVERSED:
        Record.objects.filter(pk=record.pk).update(reversed=True)
