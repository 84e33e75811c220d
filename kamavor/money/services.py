"""Every change of money: each service writes one record and its entries in one transaction.

Views, API endpoints and commands parse input, call one of these, and show the result. Writes a
client may retry take an idempotency key: a retry answers the first record and counts nothing.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.core.errors import Conflict, InvalidInput
from kamavor.core.transactions import in_transaction
from kamavor.money.access import handles_money, may_record_advance, require_money
from kamavor.money.checks import check_amount, check_currency, check_fund, clean_text
from kamavor.money.ledger import Claim, NotEnoughMoney, idempotent, post_entries, post_lines
from kamavor.money.models import (
    Advance,
    CashCount,
    CashHandover,
    Entry,
    Fund,
    FundBalance,
    Method,
    MoneyKey,
    MoneySettings,
    Record,
)
from kamavor.network.models import Member, Organisation, Point
from kamavor.privacy.sealing import vault

Kind = Record.Kind


def _replay_record(kind: str, object_id: int) -> Record:
    return Record.objects.get(pk=object_id)


def _new_record(*, kind: str, organisation_id: int, by, **fields) -> Record:
    return Record.objects.create(
        kind=kind, organisation_id=organisation_id, created_by=by, **fields
    )


# ---------------------------------------------------------------- funds


def set_organisation_currency(*, organisation: Organisation, currency: str, by) -> MoneySettings:
    """The currency the organisation's reports are in (AMD unless set)."""
    require_money(by, organisation.pk)
    chosen = check_currency(currency)

    def unit() -> MoneySettings:
        settings, _created = MoneySettings.objects.update_or_create(
            organisation=organisation, defaults={"currency": chosen}
        )
        return settings

    return in_transaction(unit)


def create_fund(
    *,
    organisation: Organisation,
    name: str,
    currency: str,
    by,
    earmark: str = "",
    public: bool = True,
    idempotency_key: str | None = None,
) -> Fund:
    """A new fund of the organisation, in one currency, with a zero balance."""
    require_money(by, organisation.pk)
    name = clean_text(name, limit=200, label=_("Name"), field="name")
    if not name:
        raise InvalidInput(_("Name the fund."), code="no_name", field="name")
    earmark = clean_text(earmark, limit=200, label=_("Earmarked for"), field="earmark")
    chosen = check_currency(currency)
    request = {
        "kind": "fund",
        "organisation": organisation.pk,
        "name": name,
        "earmark": earmark,
        "currency": chosen.pk,
        "public": bool(public),
    }

    retried = idempotency_key and MoneyKey.objects.filter(user=by, key=idempotency_key).exists()
    if not retried and Fund.objects.filter(organisation=organisation, name=name).exists():
        raise InvalidInput(
            _("%(name)s already exists.") % {"name": name}, code="duplicate_fund", field="name"
        )

    def work(claim: Claim) -> Fund:
        # A retry meets the unique name here and answers the fund its key made.
        fund = Fund.objects.create(
            organisation=organisation,
            name=name,
            earmark=earmark,
            currency=chosen,
            public=bool(public),
        )
        claim("fund", fund.pk)
        FundBalance.objects.create(fund=fund, amount=0, advance=0)
        return fund

    return idempotent(
        by=by,
        key=idempotency_key,
        request=request,
        work=work,
        replay=lambda kind, pk: Fund.objects.get(pk=pk),
    )


# ---------------------------------------------------------------- money in and out


def post_money_donation(
    *,
    fund: Fund,
    amount: object,
    currency: str,
    method: str,
    by,
    point: Point | None = None,
    donor: str = "",
    note: str = "",
    idempotency_key: str | None = None,
) -> Record:
    """Money given to a fund: cash at a point, a bank transfer, a card or an online collection.
    The donor is optional and anonymous by default; a name given is kept sealed."""
    organisation_id = point.organisation_id if point is not None else None
    check_fund(fund, by, organisation_id=organisation_id)
    if method not in Method.values:
        raise InvalidInput(_("Choose how the money came."), code="unknown_method", field="method")
    if method == Method.CASH and point is None:
        raise InvalidInput(
            _("Cash is taken at a point: choose the point."), code="no_point", field="point"
        )
    chosen = check_currency(currency)
    if chosen.pk != fund.currency_id:
        raise InvalidInput(
            _(
                "%(fund)s keeps %(code)s: enter the amount in %(code)s "
                "or choose a fund in %(given)s."
            )
            % {"fund": fund.name, "code": fund.currency_id, "given": chosen.code},
            code="currency_mismatch",
            field="currency",
        )
    minor = check_amount(amount, chosen)
    donor = clean_text(donor, limit=200, label=_("Donor"), field="donor")
    note = clean_text(note, limit=2000, label=_("Note"), field="note")
    request = {
        "kind": Kind.DONATION,
        "fund": fund.pk,
        "amount": minor,
        "method": method,
        "point": point.pk if point else None,
        "donor": vault().digest(donor),  # never the name itself
        "note": note,
    }

    def work(claim: Claim) -> Record:
        record = _new_record(
            kind=Kind.DONATION,
            organisation_id=fund.organisation_id,
            by=by,
            point=point,
            method=method,
            donor_sealed=vault().seal(donor),
            note=note,
        )
        claim("record", record.pk)
        post_entries(record, [(fund, minor, Entry.Kind.DONATION)])
        return record

    return idempotent(by=by, key=idempotency_key, request=request, work=work, replay=_replay_record)


def record_spending(
    *,
    fund: Fund,
    amount: object,
    purpose: str,
    by,
    point: Point | None = None,
    idempotency_key: str | None = None,
) -> Record:
    """Money paid out of a fund for something that is not goods in stock (fuel, rent, a bus)."""
    check_fund(fund, by, organisation_id=point.organisation_id if point else None)
    minor = check_amount(amount, fund.currency)
    purpose = clean_text(purpose, limit=300, label=_("Purpose"), field="purpose")
    if not purpose:
        raise InvalidInput(_("Say what the money paid for."), code="no_purpose", field="purpose")
    request = {"kind": Kind.SPENDING, "fund": fund.pk, "amount": minor, "purpose": purpose}

    def work(claim: Claim) -> Record:
        record = _new_record(
            kind=Kind.SPENDING,
            organisation_id=fund.organisation_id,
            by=by,
            point=point,
            purpose=purpose,
        )
        claim("record", record.pk)
        post_entries(record, [(fund, -minor, Entry.Kind.SPENDING)])
        return record

    return idempotent(by=by, key=idempotency_key, request=request, work=work, replay=_replay_record)


def transfer_money(
    *,
    source: Fund,
    destination: Fund,
    amount: object,
    by,
    received: object | None = None,
    note: str = "",
    idempotency_key: str | None = None,
) -> Record:
    """Money moved from one fund to another, of the same organisation or of another one. In
    another currency, `received` is what arrived (after the bank's exchange)."""
    check_fund(source, by, field="source")
    if not isinstance(destination, Fund) or not destination.active:
        raise InvalidInput(_("Choose a fund to send to."), code="unknown_fund", field="destination")
    if destination.pk == source.pk:
        raise InvalidInput(
            _("Choose another fund to send to."), code="same_fund", field="destination"
        )
    minor = check_amount(amount, source.currency)
    if destination.currency_id == source.currency_id:
        if received not in (None, "") and check_amount(received, destination.currency) != minor:
            raise InvalidInput(
                _("Both funds keep %(code)s: what arrives is what is sent.")
                % {"code": source.currency_id},
                code="invalid_amount",
                field="received",
            )
        arrived = minor
    else:
        if received in (None, ""):
            raise InvalidInput(
                _("%(fund)s keeps %(code)s: enter what arrived in %(code)s.")
                % {"fund": destination.name, "code": destination.currency_id},
                code="no_received_amount",
                field="received",
            )
        arrived = check_amount(received, destination.currency, field="received")
    note = clean_text(note, limit=2000, label=_("Note"), field="note")
    request = {
        "kind": Kind.TRANSFER,
        "source": source.pk,
        "destination": destination.pk,
        "amount": minor,
        "received": arrived,
        "note": note,
    }

    def work(claim: Claim) -> Record:
        record = _new_record(
            kind=Kind.TRANSFER, organisation_id=source.organisation_id, by=by, note=note
        )
        claim("record", record.pk)
        post_entries(
            record,
            [
                (source, -minor, Entry.Kind.TRANSFER_OUT),
                (destination, arrived, Entry.Kind.TRANSFER_IN),
            ],
        )
        return record

    return idempotent(by=by, key=idempotency_key, request=request, work=work, replay=_replay_record)


def record_advance(
    *, fund: Fund, amount: object, by, note: str = "", idempotency_key: str | None = None
) -> Record:
    """A coordinator records that someone advanced money for the fund: it may then go below
    zero by this much more (reverse the record to end the advance)."""
    check_fund(fund, by)
    if not may_record_advance(by, fund.organisation_id):
        raise PermissionDenied
    minor = check_amount(amount, fund.currency)
    note = clean_text(note, limit=2000, label=_("Note"), field="note")
    request = {"kind": Kind.ADVANCE, "fund": fund.pk, "amount": minor, "note": note}

    def work(claim: Claim) -> Record:
        record = _new_record(
            kind=Kind.ADVANCE, organisation_id=fund.organisation_id, by=by, note=note
        )
        claim("record", record.pk)
        _change_advance(fund, minor)
        Advance.objects.create(record=record, fund=fund, amount=minor)
        return record

    return idempotent(by=by, key=idempotency_key, request=request, work=work, replay=_replay_record)


def _change_advance(fund: Fund, delta: int) -> None:
    """Raise or lower a fund's advance; lowering it is refused while the fund relies on it."""
    table = FundBalance._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET advance = advance + %s WHERE fund_id = %s "
            "AND advance + %s >= 0 AND amount >= -(advance + %s) RETURNING advance",
            [delta, fund.pk, delta, delta],
        )
        if cursor.fetchone() is None:
            raise NotEnoughMoney(
                _("%(fund)s is still below zero on this advance: bring money in first.")
                % {"fund": fund.name}
            )


# ---------------------------------------------------------------- reversal


def reverse_record(
    *, record: Record, by, reason: str = "", idempotency_key: str | None = None
) -> Record:
    """Undo a posted record with opposite entries; the original stays, marked reversed.
    A purchase is undone by reversing its stock document (the fund gets its money back then)."""
    require_money(by, record.organisation_id)
    if record.kind == Kind.PURCHASE:
        raise Conflict(
            _(
                "Reverse the purchase document: its goods leave stock "
                "and the fund gets its money back."
            ),
            code="reverse_the_purchase",
        )
    reason = clean_text(reason, limit=300, label=_("Reason"), field="reason")
    request = {"kind": Kind.REVERSAL, "record": record.pk, "reason": reason}

    def work(claim: Claim) -> Record:
        reversal = _new_record(
            kind=Kind.REVERSAL,
            organisation_id=record.organisation_id,
            by=by,
            point_id=record.point_id,
            purpose=reason,
            reverses=record,
        )
        claim("record", reversal.pk)
        original = Record.objects.select_for_update().get(pk=record.pk)
        if original.kind == Kind.REVERSAL:
            raise Conflict(_("A reversal cannot be reversed; post it again instead."))
        if original.reversed:
            raise Conflict(_("This record has already been reversed."))
        original.reversed = True
        original.save(update_fields=["reversed"])
        if original.kind == Kind.ADVANCE:
            advance = original.advance
            if not may_record_advance(by, original.organisation_id):
                raise PermissionDenied
            _change_advance(advance.fund, -advance.amount)
            Advance.objects.create(record=reversal, fund=advance.fund, amount=-advance.amount)
            return reversal
        entries = list(original.entries.select_related("fund").order_by("pk"))
        try:
            post_lines(
                reversal,
                [(e.fund, -e.amount, Entry.Kind.REVERSAL, e.counts_as, e) for e in entries],
            )
        except NotEnoughMoney as error:
            raise NotEnoughMoney(
                _("Cannot reverse: part of this money has already been spent. %(detail)s")
                % {"detail": error.message}
            ) from None
        return reversal

    return idempotent(by=by, key=idempotency_key, request=request, work=work, replay=_replay_record)


# ---------------------------------------------------------------- cash


def count_cash(*, fund: Fund, point: Point, counted: object, by, note: str = "") -> CashCount:
    """Cash of a fund counted at a point; a second person confirms it (confirm_cash_count)."""
    check_fund(fund, by, organisation_id=point.organisation_id)
    minor = check_amount(counted, fund.currency, field="counted", allow_zero=True)
    note = clean_text(note, limit=2000, label=_("Note"), field="note")

    def unit() -> CashCount:
        held = FundBalance.objects.get(fund=fund).amount
        return CashCount.objects.create(
            fund=fund, point=point, counted=minor, expected=held, counted_by=by, note=note
        )

    return in_transaction(unit)


def confirm_cash_count(*, count: CashCount, by) -> CashCount:
    """The second person confirms a cash count; the one who counted cannot."""
    require_money(by, count.fund.organisation_id)

    def unit() -> CashCount:
        locked = CashCount.objects.select_for_update().get(pk=count.pk)
        if locked.confirmed_by_id is not None:
            raise Conflict(_("This count has already been confirmed."))
        if locked.counted_by_id == by.pk:
            raise InvalidInput(
                _("A second person confirms the count, not the one who counted."),
                code="same_person",
            )
        locked.confirmed_by = by
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["confirmed_by", "confirmed_at"])
        return locked

    return in_transaction(unit)


def hand_over_cash(
    *,
    fund: Fund,
    amount: object,
    to,
    by,
    point: Point | None = None,
    note: str = "",
    idempotency_key: str | None = None,
) -> CashHandover:
    """Cash of a fund handed by `by` to another member who handles its money."""
    check_fund(fund, by, organisation_id=point.organisation_id if point else None)
    if to is None or getattr(to, "pk", None) == by.pk:
        raise InvalidInput(
            _("Choose the person who takes the cash."), code="same_person", field="to"
        )
    if not Member.objects.filter(user=to, organisation_id=fund.organisation_id).exists() or not (
        handles_money(to, fund.organisation_id)
    ):
        raise InvalidInput(
            _("Cash is handed only to someone who keeps this organisation's money."),
            code="unknown_person",
            field="to",
        )
    minor = check_amount(amount, fund.currency)
    note = clean_text(note, limit=2000, label=_("Note"), field="note")
    request = {"kind": "handover", "fund": fund.pk, "amount": minor, "to": to.pk, "note": note}

    def work(claim: Claim) -> CashHandover:
        handover = CashHandover.objects.create(
            fund=fund, amount=minor, handed_by=by, received_by=to, point=point, note=note
        )
        claim("handover", handover.pk)
        return handover

    return idempotent(
        by=by,
        key=idempotency_key,
        request=request,
        work=work,
        replay=lambda kind, pk: CashHandover.objects.get(pk=pk),
    )
