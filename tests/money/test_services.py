"""The money services: donations, spending, transfers, advances, reversals, cash."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from kamavor.core.errors import Conflict, IdempotencyKeyReused, InvalidInput
from kamavor.money import services
from kamavor.money.ledger import NotEnoughMoney
from kamavor.money.models import CashHandover, Entry, Record
from kamavor.privacy.sealing import vault
from tests.money.conftest import balance, give


def state():
    return Record.objects.count(), Entry.objects.count()


def test_it_takes_a_cash_donation_at_a_point(w, fund):
    record = give(fund, w.coordinator, "1 500,50", method="cash", point=w.point, donor="Ani")
    assert balance(fund) == 150050
    entry = record.entries.get()
    assert (entry.amount, entry.balance_after, entry.kind) == (150050, 150050, "donation")
    assert record.donor_sealed and "Ani" not in record.donor_sealed
    assert vault().open(record.donor_sealed) == "Ani"


def test_a_donor_is_anonymous_by_default(w, fund):
    assert give(fund, w.coordinator).donor_sealed == ""


def test_a_retried_donation_counts_once(w, fund):
    first = give(fund, w.coordinator, "5000", idempotency_key="k-1")
    again = give(fund, w.coordinator, "5000", idempotency_key="k-1")
    assert again.pk == first.pk
    assert balance(fund) == 500000 and Entry.objects.filter(fund=fund).count() == 1
    with pytest.raises(IdempotencyKeyReused):
        give(fund, w.coordinator, "6000", idempotency_key="k-1")
    assert balance(fund) == 500000


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        ("-5", "AMD", "amount_not_positive"),
        ("0", "AMD", "amount_not_positive"),
        ("abc", "AMD", "invalid_amount"),
        ("1.005", "AMD", "invalid_amount"),
        ("10", "XYZ", "unknown_currency"),
        ("10", "USD", "currency_mismatch"),
        (1.5, "AMD", "invalid_amount"),
        ("1e30", "AMD", "invalid_amount"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(w, fund, amount, currency, code):
    before = state()
    with pytest.raises(InvalidInput) as refused:
        give(fund, w.coordinator, amount, currency=currency)
    assert refused.value.code == code and refused.value.message
    assert state() == before and balance(fund) == 0


def test_a_fund_of_another_organisation_is_refused(w, fund, other_fund):
    with pytest.raises(InvalidInput) as refused:
        give(other_fund, w.coordinator, method="cash", point=w.point)
    assert refused.value.code == "fund_of_another_organisation"
    with pytest.raises(PermissionDenied):
        give(other_fund, w.coordinator)
    assert balance(other_fund) == 0 and state() == (0, 0)


def test_volunteers_and_partners_handle_no_money(w, fund):
    for person in (w.volunteer, w.partner):
        with pytest.raises(PermissionDenied):
            give(fund, person)
    assert balance(fund) == 0


def test_a_treasurer_posts_money_but_records_no_advance(w, fund, treasurer):
    give(fund, treasurer, "10")
    assert balance(fund) == 1000
    with pytest.raises(PermissionDenied):
        services.record_advance(fund=fund, amount="100", by=treasurer)


def test_spending_never_takes_a_fund_below_zero(w, fund):
    give(fund, w.coordinator, "100")
    with pytest.raises(NotEnoughMoney) as refused:
        services.record_spending(fund=fund, amount="100.01", purpose="fuel", by=w.coordinator)
    assert "Medicine" in refused.value.message
    services.record_spending(fund=fund, amount="100", purpose="fuel", by=w.coordinator)
    assert balance(fund) == 0


def test_an_advance_lets_a_fund_go_below_zero_that_far(w, fund):
    services.record_advance(fund=fund, amount="50", by=w.coordinator, note="Gor paid ahead")
    services.record_spending(fund=fund, amount="50", purpose="fuel", by=w.coordinator)
    assert balance(fund) == -5000
    with pytest.raises(NotEnoughMoney):
        services.record_spending(fund=fund, amount="0.01", purpose="fuel", by=w.coordinator)
    advance = Record.objects.get(kind="advance")
    with pytest.raises(NotEnoughMoney):  # the fund still relies on it
        services.reverse_record(record=advance, by=w.coordinator)
    give(fund, w.coordinator, "50")
    services.reverse_record(record=advance, by=w.coordinator)
    assert fund.fundbalance.__class__.objects.get(fund=fund).advance == 0


def test_a_transfer_moves_money_between_funds_and_organisations(w, fund, other_fund):
    winter = services.create_fund(organisation=w.org, name="Winter", currency="AMD", by=w.admin)
    give(fund, w.coordinator, "300")
    services.transfer_money(source=fund, destination=winter, amount="100", by=w.coordinator)
    services.transfer_money(source=fund, destination=other_fund, amount="50", by=w.coordinator)
    assert (balance(fund), balance(winter), balance(other_fund)) == (15000, 10000, 5000)
    with pytest.raises(NotEnoughMoney):
        services.transfer_money(source=fund, destination=winter, amount="151", by=w.coordinator)
    assert balance(winter) == 10000


def test_a_transfer_to_another_currency_needs_what_arrived(w, fund):
    dollars = services.create_fund(organisation=w.org, name="USD", currency="usd", by=w.admin)
    give(fund, w.coordinator, "40000")
    with pytest.raises(InvalidInput) as refused:
        services.transfer_money(source=fund, destination=dollars, amount="3870", by=w.admin)
    assert refused.value.code == "no_received_amount"
    services.transfer_money(
        source=fund, destination=dollars, amount="3870", received="10", by=w.admin
    )
    assert (balance(fund), balance(dollars)) == (4000000 - 387000, 1000)


def test_a_reversal_undoes_a_record_once(w, fund):
    record = give(fund, w.coordinator, "100")
    reversal = services.reverse_record(record=record, by=w.coordinator, reason="typo")
    assert balance(fund) == 0
    assert reversal.entries.get().reversal_of == record.entries.get()
    with pytest.raises(Conflict):
        services.reverse_record(record=record, by=w.coordinator)
    with pytest.raises(Conflict):
        services.reverse_record(record=reversal, by=w.coordinator)
    assert balance(fund) == 0


def test_money_already_spent_cannot_be_reversed(w, fund):
    record = give(fund, w.coordinator, "100")
    services.record_spending(fund=fund, amount="60", purpose="bus", by=w.coordinator)
    with pytest.raises(NotEnoughMoney) as refused:
        services.reverse_record(record=record, by=w.coordinator)
    assert "already been spent" in refused.value.message
    assert balance(fund) == 4000 and not Record.objects.get(pk=record.pk).reversed


def test_a_cash_count_is_confirmed_by_a_second_person(w, fund, treasurer):
    give(fund, w.coordinator, "100", method="cash", point=w.point)
    count = services.count_cash(fund=fund, point=w.point, counted="95", by=treasurer)
    assert count.difference == -500
    with pytest.raises(InvalidInput):
        services.confirm_cash_count(count=count, by=treasurer)
    services.confirm_cash_count(count=count, by=w.coordinator)
    with pytest.raises(Conflict):
        services.confirm_cash_count(count=count, by=w.admin)
    count.refresh_from_db()
    assert count.confirmed_by == w.coordinator


def test_cash_is_handed_from_one_person_to_another(w, fund, treasurer):
    give(fund, w.coordinator, "100", method="cash", point=w.point)
    services.hand_over_cash(
        fund=fund, amount="80", to=treasurer, by=w.coordinator, idempotency_key="h1"
    )
    services.hand_over_cash(
        fund=fund, amount="80", to=treasurer, by=w.coordinator, idempotency_key="h1"
    )
    assert CashHandover.objects.get().received_by == treasurer
    for person in (w.coordinator, w.volunteer, w.outsider):
        with pytest.raises(InvalidInput):
            services.hand_over_cash(fund=fund, amount="1", to=person, by=w.coordinator)
    assert CashHandover.objects.count() == 1 and balance(fund) == 10000


def test_a_fund_is_created_once_per_key_and_names_are_unique(w):
    first = services.create_fund(
        organisation=w.org, name="Winter", currency="AMD", by=w.admin, idempotency_key="f"
    )
    again = services.create_fund(
        organisation=w.org, name="Winter", currency="AMD", by=w.admin, idempotency_key="f"
    )
    assert again.pk == first.pk
    with pytest.raises(InvalidInput) as refused:
        services.create_fund(organisation=w.org, name="Winter", currency="AMD", by=w.admin)
    assert refused.value.code == "duplicate_fund"


def test_a_donation_costs_a_fixed_number_of_queries(w, fund, django_assert_num_queries):
    give(fund, w.coordinator, "1")  # the currency and the roles are read once
    # Currency; then savepoint, record, key claim, balance update, entries, totals per kind,
    # savepoint release.
    with django_assert_num_queries(8):
        give(fund, w.coordinator, "2", idempotency_key="q")
    with django_assert_num_queries(8):
        give(fund, w.coordinator, "2", idempotency_key="q2")


def test_a_donor_s_name_is_opened_with_an_audit_entry_rotated_and_erased(w, fund, settings):
    from kamavor.money.donors import erase_old_donors, open_donor
    from kamavor.money.models import DonorLook
    from kamavor.privacy.registry import rotate_keys

    record = give(fund, w.coordinator, "1", donor="Ani")
    assert open_donor(record=record, by=w.coordinator) == "Ani"
    assert DonorLook.objects.get().user == w.coordinator
    with pytest.raises(PermissionDenied):
        open_donor(record=record, by=w.volunteer)
    old = record.donor_sealed
    settings.ENCRYPTION_KEY = "a-new-key-for-the-test," + str(settings.ENCRYPTION_KEY)
    assert {k.name: n for k, n in rotate_keys()}["money"] == 1
    record.refresh_from_db()
    assert record.donor_sealed != old and vault().open(record.donor_sealed) == "Ani"
    assert erase_old_donors(days=1) == 0
    import datetime as dt

    from django.utils import timezone

    assert erase_old_donors(days=1, now=timezone.now() + dt.timedelta(days=2)) == 1
    record.refresh_from_db()
    assert record.donor_sealed == "" and balance(fund) == 100
