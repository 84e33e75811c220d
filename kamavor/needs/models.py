"""Needs: the standards that turn a household's composition into entitlements, and requests.

A standard is data (an item or kit, who is eligible, how many per person or per household, per
how many days, with its source). A request is what a household or a partner's shelter asks for:
one header (who, urgency, reason, state) with lines of the same shape for both.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kamavor.catalogue.models import Category, Item
from kamavor.households.models import AGE_BANDS, SEXES, Household
from kamavor.lib import entitlements
from kamavor.network.models import Organisation, Point


def _eligibility_choices() -> list[tuple[str, str]]:
    named = [
        ("all", _("everyone")),
        ("infants", _("infants (0–2 years)")),
        ("children_under_5", _("children under 5")),
        ("children_3_11", _("children 3–11 years")),
        ("children", _("children (0–17 years)")),
        ("people_12_and_over", _("people of 12 years and over")),
        ("adults", _("adults (18 years and over)")),
        ("older", _("older people (60 years and over)")),
        ("women_12_49", _("women and girls of menstruating age (12–59 years)")),
        ("women", _("women and girls")),
        ("men", _("men and boys")),
    ]
    bands = [(f"age_{band}", label) for band, label, *_rest in AGE_BANDS]
    fields = [
        (f"{sex}_{band}", format_lazy("{}, {}", sex_label, band_label))
        for sex, sex_label in SEXES
        for band, band_label, *_rest in AGE_BANDS
    ]
    choices = named + bands + fields
    assert {value for value, _label in choices} == set(entitlements.GROUPS)
    return choices


ELIGIBILITY_CHOICES = _eligibility_choices()


class StandardQuerySet(models.QuerySet):
    def active(self) -> StandardQuerySet:
        return self.filter(active=True)

    def with_item(self) -> StandardQuerySet:
        return self.select_related("item", "item__category").order_by("position", "code")


class Standard(models.Model):
    """A rule that turns household composition into an entitlement of one item or kit per period.

    The defaults come from the Sphere Handbook minimum standards; `source` cites each one.
    """

    class Per(models.TextChoices):
        PERSON = entitlements.PER_PERSON, _("per eligible person")
        HOUSEHOLD = entitlements.PER_HOUSEHOLD, _("per household")

    code = models.SlugField(_("rule code"), max_length=80, unique=True)
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="standards", verbose_name=_("item or kit")
    )
    eligibility = models.CharField(
        _("who is eligible"), max_length=30, choices=ELIGIBILITY_CHOICES, default="all"
    )
    per = models.CharField(_("per"), max_length=10, choices=Per.choices, default=Per.PERSON)
    quantity = models.PositiveIntegerField(_("quantity"))
    period_days = models.PositiveIntegerField(_("period in days"))
    cap = models.PositiveIntegerField(_("at most per household"), null=True, blank=True)
    size_min = models.PositiveSmallIntegerField(_("household size from"), null=True, blank=True)
    size_max = models.PositiveSmallIntegerField(_("household size to"), null=True, blank=True)
    source = models.TextField(_("source"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = StandardQuerySet.as_manager()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        constraints = [
            models.CheckConstraint(condition=Q(period_days__gt=0), name="standard_period"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="standard_quantity"),
            models.CheckConstraint(
                condition=Q(size_min__isnull=True)
                | Q(size_max__isnull=True)
                | Q(size_min__lte=models.F("size_max")),
                name="standard_size_band",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} ({self.code})"

    @property
    def rule(self) -> entitlements.Rule:
        return entitlements.Rule(
            eligibility=self.eligibility,
            per=self.per,
            quantity=self.quantity,
            cap=self.cap,
            size_min=self.size_min,
            size_max=self.size_max,
        )


class RequestQuerySet(models.QuerySet):
    def open(self) -> RequestQuerySet:
        return self.filter(state__in=Request.OPEN_STATES)

    def by_urgency(self) -> RequestQuerySet:
        """Most urgent first, then oldest first."""
        rank = models.Case(
            *(
                models.When(urgency=value, then=models.Value(n))
                for n, value in enumerate(reversed(Request.Urgency.values))
            ),
            default=models.Value(9),
        )
        return self.order_by(rank, "created_at", "pk")

    def with_lines(self) -> RequestQuerySet:
        lines = RequestLine.objects.select_related("item", "category").order_by("pk")
        return self.prefetch_related(models.Prefetch("lines", queryset=lines))

    def with_details(self) -> RequestQuerySet:
        return self.with_lines().select_related("household", "shelter", "created_by")


class Request(models.Model):
    """What a household, or a partner for its shelter's residents, asks for.

    Exactly one of household and shelter. The lines say what; the header says how urgent, why,
    and where it stands. The distribution records fulfilment line by line.
    """

    class Urgency(models.TextChoices):
        LOW = "low", _("low")
        NORMAL = "normal", _("normal")
        HIGH = "high", _("high")
        CRITICAL = "critical", _("critical")

    class State(models.TextChoices):
        OPEN = "open", _("open")
        PLANNED = "planned", _("planned")
        PARTLY_FULFILLED = "partly_fulfilled", _("partly fulfilled")
        FULFILLED = "fulfilled", _("fulfilled")
        CANCELLED = "cancelled", _("cancelled")

    OPEN_STATES = (State.OPEN, State.PLANNED, State.PARTLY_FULFILLED)

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="requests", null=True, blank=True
    )
    shelter = models.ForeignKey(
        Point,
        on_delete=models.PROTECT,
        related_name="requests",
        null=True,
        blank=True,
        limit_choices_to={"kind": Point.Kind.SHELTER},
        verbose_name=_("shelter"),
    )
    number_of_people = models.PositiveIntegerField(_("number of people"), null=True, blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    state_changed_at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.CharField(max_length=200, blank=True, default="")
    fingerprint = models.CharField(max_length=64, blank=True, default="")

    objects = RequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=True) ^ Q(shelter__isnull=True),
                name="request_household_xor_shelter",
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="request_idempotency_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "state"], name="request_org_state"),
            models.Index(fields=["household", "state"], name="request_household_state"),
            models.Index(fields=["shelter", "state"], name="request_shelter_state"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.household or self.shelter}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class RequestLine(models.Model):
    """One thing asked for: a specific item (with a size where it matters) or any of a category."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    size = models.CharField(_("size"), max_length=20, blank=True, default="")
    quantity = models.PositiveIntegerField(_("quantity"))
    fulfilled_quantity = models.PositiveIntegerField(_("fulfilled"), default=0)

    class Meta:
        verbose_name = _("request line")
        verbose_name_plural = _("request lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(item__isnull=True) ^ Q(category__isnull=True),
                name="request_line_item_xor_category",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="request_line_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.item or self.category}"

    @property
    def wanted(self) -> Item | Category:
        return self.item or self.category

    @property
    def outstanding(self) -> int:
        return max(0, self.quantity - self.fulfilled_quantity)


class EntitlementTotal(models.Model):
    """What an organisation's active households are entitled to per period under one standard,
    summed over them; kept exact by the household services (registration, correction, merge)
    through kamavor.needs.totals, so that the public pages read one row per organisation and
    standard instead of pricing every household. `rule` is the standard's arithmetic the units
    were summed under: a row of a standard changed since is summed again when next read."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(max_length=100)
    units = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "standard"], name="entitlement_total_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.standard_id}: {self.units}"


class OpenNeedTotal(models.Model):
    """What an organisation's open requests still ask for of one item or category: the
    outstanding units of their lines summed, and how many of those lines belong to a pressing
    (high or critical) request. Kept exact by the request services through
    kamavor.needs.open_totals, so that the public pages read one row per organisation and item
    or category instead of summing thousands of open lines."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    units = models.BigIntegerField(default=0)
    pressing = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(item__isnull=True) ^ Q(category__isnull=True),
                name="open_need_total_item_xor_category",
            ),
            models.UniqueConstraint(
                fields=["organisation", "item"],
                condition=Q(item__isnull=False),
                name="open_need_total_item_unique",
            ),
            models.UniqueConstraint(
                fields=["organisation", "category"],
                condition=Q(category__isnull=False),
                name="open_need_total_category_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.item_id or self.category_id}: {self.units}"
