"""The money ledger: currencies, funds, append-only money entries and the balances they explain.

Money changes only through `kamavor.money.services` (and `purchases`), which write a record
(a donation, a transfer, a spending), its entries and the funds' balances in one transaction,
on the same principles as the stock ledger (see docs/money.md). Amounts are whole numbers of the
fund currency's minor units (luma, cents); there is no float anywhere.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kamavor.catalogue.models import Item
from kamavor.lib.currencies import format_amount
from kamavor.network.models import Organisation, Point


class Currency(models.Model):
    """An ISO 4217 currency and the exponent of its minor unit (AMD 2, JPY 0, KWD 3).

    Filled from kamavor.lib.currencies by a data migration; another code can be added in the
    admin."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    exponent = models.PositiveSmallIntegerField(_("decimals"), default=2)

    class Meta:
        ordering = ["code"]
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")
        constraints = [
            models.CheckConstraint(condition=Q(exponent__lte=4), name="currency_exponent"),
        ]

    def __str__(self) -> str:
        return self.code

    def show(self, minor: int) -> str:
        return f"{format_amount(minor, self.exponent)} {self.code}"


class MoneySettings(models.Model):
    """An organisation's own currency: the one its reports are in."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("money settings")
        verbose_name_plural = _("money settings")

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.currency_id}"


class Fund(models.Model):
    """Money of an organisation in one currency, earmarked ("medicine", "winter") or not."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="funds", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200)
    earmark = models.CharField(_("earmarked for"), max_length=200, blank=True)
    currency = models.ForeignKey(
        Currency, on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    public = models.BooleanField(_("public accounts"), default=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation_id", "name"]
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="fund_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class FundBalance(models.Model):
    """What a fund holds (the sum of its entries) and the advance a coordinator allowed: the
    balance may go below zero by that much and no further. Written only with the entries."""

    fund = models.OneToOneField(Fund, on_delete=models.PROTECT, primary_key=True)
    amount = models.BigIntegerField(default=0)
    advance = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("fund balance")
        verbose_name_plural = _("fund balances")
        constraints = [
            models.CheckConstraint(condition=Q(advance__gte=0), name="fund_advance_positive"),
            models.CheckConstraint(
                condition=Q(amount__gte=-models.F("advance")), name="fund_balance_covered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund_id}: {self.amount}"


class Method(models.TextChoices):
    CASH = "cash", _("cash at a point")
    BANK = "bank", _("bank transfer")
    CARD = "card", _("card")
    ONLINE = "online", _("online collection")


class Record(models.Model):
    """One posted money record: a donation, a transfer, a spending, a purchase paid from a fund,
    an advance, or a reversal. Never edited: a mistake is undone by a reversal record."""

    class Kind(models.TextChoices):
        DONATION = "donation", _("money donation")
        TRANSFER = "transfer", _("transfer between funds")
        SPENDING = "spending", _("spending")
        PURCHASE = "purchase", _("purchase")
        ADVANCE = "advance", _("advance")
        REVERSAL = "reversal", _("reversal")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    point = models.ForeignKey(
        Point, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    method = models.CharField(_("how"), max_length=10, choices=Method.choices, blank=True)
    # Donor: optional, anonymous by default; a name given is kept sealed (kamavor.privacy).
    donor_sealed = models.TextField(blank=True)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Purchases: the stock document of the goods bought.
    purchase = models.ForeignKey(
        "stock.Document", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reverses = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="reversals", null=True, blank=True
    )
    reversed = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("money record")
        verbose_name_plural = _("money records")
        indexes = [models.Index(fields=["organisation", "-created_at"], name="record_org_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def number(self) -> str:
        """A reference to say aloud or print on a receipt: M-000123."""
        return f"M-{self.pk:06d}"


class Entry(models.Model):
    """One signed change of a fund's balance, in the fund's minor units. Written once, never
    edited or deleted; the fund's balance always equals the sum of its entries."""

    class Kind(models.TextChoices):
        DONATION = "donation", _("money donation")
        TRANSFER_OUT = "transfer_out", _("transfer out")
        TRANSFER_IN = "transfer_in", _("transfer in")
        SPENDING = "spending", _("spending")
        PURCHASE = "purchase", _("purchase")
        REVERSAL = "reversal", _("reversal")

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="entries")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.BigIntegerField()
    balance_after = models.BigIntegerField()
    reversal_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    # The kind a reversal undoes, so that sums by kind net reversals out.
    counts_as = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("money entry")
        verbose_name_plural = _("money entries")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="entry_not_zero"),
        ]
        indexes = [
            models.Index(fields=["fund", "at"], name="entry_fund_at"),
            models.Index(fields=["fund", "kind"], name="entry_fund_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount:+d} {self.fund_id}"

    @property
    def shown_amount(self) -> str:
        return self.fund.currency.show(self.amount)

    @property
    def shown_balance(self) -> str:
        return self.fund.currency.show(self.balance_after)


class FundTotal(models.Model):
    """The sum of a fund's entries of one kind (a reversal under the kind it undoes), kept with
    the entries in the same transaction, so that a fund's accounts read a row per kind instead
    of every entry it ever had."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Entry.Kind.choices)
    amount = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("fund total")
        verbose_name_plural = _("fund totals")
        constraints = [
            models.UniqueConstraint(fields=["fund", "kind"], name="fund_total_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.fund_id} {self.kind}: {self.amount}"


class Advance(models.Model):
    """An advance a coordinator recorded for a fund: someone paid ahead, so the fund may go
    below zero by this much (a negative amount ends an advance). Append-only."""

    record = models.OneToOneField(Record, on_delete=models.PROTECT, related_name="advance")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="advances")
    amount = models.BigIntegerField()

    class Meta:
        verbose_name = _("advance")
        verbose_name_plural = _("advances")

    def __str__(self) -> str:
        return f"{self.fund_id}: {self.amount:+d}"


class CashCount(models.Model):
    """Cash of a fund counted at a point by one person and confirmed by a second one."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="cash_counts")
    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="+")
    counted = models.BigIntegerField(_("counted"))
    expected = models.BigIntegerField(_("in the ledger"))  # the fund's balance when counted
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    counted_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("cash count")
        verbose_name_plural = _("cash counts")
        constraints = [
            models.CheckConstraint(condition=Q(counted__gte=0), name="cash_count_not_negative"),
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=models.F("counted_by")),
                name="cash_count_two_people",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund_id} @ {self.point_id}: {self.counted}"

    @property
    def difference(self) -> int:
        return self.counted - self.expected

    @property
    def shown_counted(self) -> str:
        return self.fund.currency.show(self.counted)

    @property
    def shown_expected(self) -> str:
        return self.fund.currency.show(self.expected)


class CashHandover(models.Model):
    """Cash of a fund handed from one person to another (who holds the money now)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="handovers")
    amount = models.BigIntegerField(_("amount"))
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    point = models.ForeignKey(
        Point, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("cash handover")
        verbose_name_plural = _("cash handovers")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="handover_positive"),
            models.CheckConstraint(
                condition=~Q(handed_by=models.F("received_by")), name="handover_two_people"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund_id}: {self.amount}"

    @property
    def shown_amount(self) -> str:
        return self.fund.currency.show(self.amount)


class ExchangeRate(models.Model):
    """How many units of the organisation's currency one unit of `currency` was worth on a day,
    entered by hand or imported from a file (never fetched from a rate service)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+")
    rate = models.DecimalField(_("rate"), max_digits=20, decimal_places=8)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "currency_id"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "currency", "day"], name="rate_unique_day"
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.currency_id} {self.rate}"

    @property
    def shown_rate(self) -> str:
        """The rate as entered, without trailing zeros and never in exponent form (400)."""
        return format(self.rate.normalize(), "f")


class ItemValue(models.Model):
    """An organisation's estimated value of one unit of an item, to value goods for donors."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+")
    unit_value = models.BigIntegerField(_("value of one unit"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("in-kind value")
        verbose_name_plural = _("in-kind values")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "item"], name="item_value_unique"),
            models.CheckConstraint(condition=Q(unit_value__gte=0), name="item_value_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.unit_value} {self.currency_id}"


class MoneyKey(models.Model):
    """A client's idempotency key and the record it produced: a retried write counts once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    kind = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="money_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key


class DonorLook(models.Model):
    """Who opened a donor's sealed name (on a receipt), when: every look is audited."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("look at a donor's name")
        verbose_name_plural = _("looks at donors' names")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.record_id}"
