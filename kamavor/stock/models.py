"""The stock ledger: lots, append-only movements, balances, and the documents that post them.

Stock changes only through `kamavor.stock.services`, which writes a document, its movements and
the lots' balances in one transaction. A balance always equals the sum of its lot's movements.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kamavor.catalogue.models import Item
from kamavor.network.models import Organisation, Point


class Condition(models.TextChoices):
    NEW = "new", _("new")
    USED = "used", _("used, good")


class Container(models.Model):
    """A box, sack or pallet of sorted goods under one code and label. It holds no quantities:
    its contents are the balances of the lots that carry it (see Lot.container), so they can
    only change through the ledger and are never a second stock."""

    class Kind(models.TextChoices):
        BOX = "box", _("box")
        SACK = "sack", _("sack")
        PALLET = "pallet", _("pallet")

    code = models.CharField(_("code"), max_length=12, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.BOX)
    # Where it is now: its lots' point (moved along when a transfer carrying it is received).
    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="containers")
    label = models.CharField(_("label"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The client's key for the write that made it (unique per member): a retry makes one.
    key = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("container")
        verbose_name_plural = _("containers")
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "key"], condition=~Q(key=""), name="container_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"


class LotQuerySet(models.QuerySet):
    def at(self, point: Point | int) -> LotQuerySet:
        return self.filter(point=point)

    def in_stock(self) -> LotQuerySet:
        return self.filter(balance__quantity__gt=0)

    def expired(self, *, on: dt.date | None = None) -> LotQuerySet:
        return self.filter(expiry__lt=on or timezone.localdate())

    def expiring(self, *, before: dt.date, on: dt.date | None = None) -> LotQuerySet:
        """Lots not yet expired that expire before the given date."""
        return self.filter(expiry__gte=on or timezone.localdate(), expiry__lt=before)

    def fefo(self) -> LotQuerySet:
        """First expiry, first out: lots that expire soonest first, undated lots last."""
        return self.order_by(F("expiry").asc(nulls_last=True), "pk")

    def with_details(self) -> LotQuerySet:
        return self.select_related("item", "item__category", "point", "balance")

    def loose(self) -> LotQuerySet:
        """Lots on the shelf, in no container."""
        return self.filter(container__isnull=True)


class Lot(models.Model):
    """Stock of one item at one point sharing an expiry date and attributes (size, condition)."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="lots")
    # No index of its own: lot_point_item begins with it.
    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="lots", db_index=False)
    expiry = models.DateField(_("expiry"), null=True, blank=True)
    size = models.CharField(_("size"), max_length=20, blank=True, default="")
    condition = models.CharField(
        _("condition"), max_length=10, choices=Condition.choices, default=Condition.NEW
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Goods packed in a box, sack or pallet are a lot of their own that carries the container:
    # packing moves units from the loose lot to the container's lot at the same point.
    container = models.ForeignKey(
        Container, on_delete=models.PROTECT, related_name="lots", null=True, blank=True
    )

    objects = LotQuerySet.as_manager()

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "point", "expiry", "size", "condition"],
                condition=Q(expiry__isnull=False, container__isnull=True),
                name="lot_unique_dated",
            ),
            models.UniqueConstraint(
                fields=["item", "point", "size", "condition"],
                condition=Q(expiry__isnull=True, container__isnull=True),
                name="lot_unique_undated",
            ),
            models.UniqueConstraint(
                fields=["container", "item", "point", "expiry", "size", "condition"],
                condition=Q(expiry__isnull=False, container__isnull=False),
                name="lot_unique_dated_packed",
            ),
            models.UniqueConstraint(
                fields=["container", "item", "point", "size", "condition"],
                condition=Q(expiry__isnull=True, container__isnull=False),
                name="lot_unique_undated_packed",
            ),
        ]
        indexes = [
            models.Index(fields=["point", "expiry"], name="lot_point_expiry"),
            # What expires soon at many points (the dashboards): a range of days, any point.
            models.Index(fields=["expiry", "point"], name="lot_expiry_point"),
            # A posting's lots of its items at its point (existing_lots, first expiry first
            # out): without it SQLite walked every lot the point ever opened (19 ms at 2 M
            # movements, 0.4 ms with it).
            models.Index(fields=["point", "item"], name="lot_point_item"),
        ]

    def __str__(self) -> str:
        parts = [str(self.item)]
        if self.size:
            parts.append(self.size)
        if self.expiry:
            parts.append(self.expiry.isoformat())
        if self.condition != Condition.NEW:
            parts.append(self.get_condition_display())
        return " · ".join(parts)

    @property
    def is_expired(self) -> bool:
        return self.expiry is not None and self.expiry < timezone.localdate()


class Balance(models.Model):
    """The quantity of a lot on hand; written only together with the movements that explain it."""

    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, primary_key=True)
    # No index of its own: balance_point_item begins with it.
    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="+", db_index=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    # The lot's expiry, written with the balance (a lot's expiry never changes): what expires
    # soon is then read from the balances' own partial index below, not lot by lot.
    expiry = models.DateField(null=True, blank=True)
    quantity = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("balance")
        verbose_name_plural = _("balances")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="balance_not_negative"),
        ]
        indexes = [
            models.Index(fields=["point", "item"], name="balance_point_item"),
            # What expires within days at some points (the dashboards): a range of days of the
            # dated lots. The quantity is in neither its columns nor its condition, so that a
            # posting's update of a balance, which changes the quantity alone, is heap-only on
            # PostgreSQL: no new entry in any index (docs/performance.md, ninth round).
            models.Index(
                fields=["expiry", "point", "item"],
                name="balance_expiring",
                condition=Q(expiry__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot}: {self.quantity}"


class ItemBalance(models.Model):
    """What a point has of an item: the sum of its lots' balances, and how many lots hold some.

    Kept by the ledger's postings in the same transaction as the balances, so that a point's
    stock page reads one row per item instead of every lot it ever opened.
    """

    # No index of its own: item_balance_point_item begins with it.
    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="+", db_index=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField(default=0)
    lots = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("item balance")
        verbose_name_plural = _("item balances")
        constraints = [
            models.UniqueConstraint(fields=["point", "item"], name="item_balance_point_item"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0, lots__gte=0), name="item_balance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} @ {self.point}: {self.quantity}"


class DailyFlow(models.Model):
    """Units of one kind that moved at a point, of an item, on a day (in the network's time zone).

    Kept by the ledger's postings in the same transaction as the movements, so that sums over a
    period (handed out this period, arrived this week) read a row per day instead of every
    movement. A reversal counts under the kind and day of the movement it reverses, with the
    opposite sign: a reversed movement then adds nothing, as if it had never been posted, and
    the sum of any period equals the sum of its movements that were not reversed.
    """

    # No index of its own: daily_flow_point_days begins with it.
    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="+", db_index=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=20)
    quantity = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("daily flow")
        verbose_name_plural = _("daily flows")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "day", "point", "item"], name="daily_flow_kind_day_point_item"
            ),
        ]
        # A period's sums for some items at some points are read from this index alone (it
        # holds the quantity): a year of a few items at 50 points is a range per point and item.
        indexes = [
            models.Index(
                fields=["kind", "item", "point", "day", "quantity"], name="daily_flow_item_sums"
            ),
            # A point's days, every kind and item (the dashboards' flows per day): a range per
            # point instead of a scan of every point's days.
            models.Index(fields=["point", "day", "kind", "quantity"], name="daily_flow_point_days"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.day} {self.item} @ {self.point}: {self.quantity:+d}"


NUMBER_PREFIX = {
    "donation": "D",
    "purchase": "P",
    "transfer": "T",
    "count": "C",
    "adjustment": "A",
    "disposal": "W",  # written off
    "kit_build": "K",
    "kit_unbuild": "U",
    "reversal": "R",
    "pack": "B",  # box
    "distribution": "H",  # hand-out
    "delivery": "S",  # to a shelter
}


class Document(models.Model):
    """A posted stock document: donation, purchase, transfer, count, disposal, kit build,
    distribution (to a household), delivery (to a shelter, against its request), reversal.

    Every document has the same line shape (DocumentLine). Posted documents are never edited:
    a mistake is corrected by a reversal document.
    """

    class Kind(models.TextChoices):
        DONATION = "donation", _("donation")
        PURCHASE = "purchase", _("purchase")
        TRANSFER = "transfer", _("transfer")
        COUNT = "count", _("count")
        ADJUSTMENT = "adjustment", _("adjustment")
        DISPOSAL = "disposal", _("disposal")
        KIT_BUILD = "kit_build", _("kit build")
        KIT_UNBUILD = "kit_unbuild", _("kit unbuild")
        REVERSAL = "reversal", _("reversal")
        DISTRIBUTION = "distribution", _("distribution")
        DELIVERY = "delivery", _("delivery to a shelter")
        PACK = "pack", _("packing")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        CANCELLED = "cancelled", _("cancelled")
        POSTED = "posted", _("posted")
        SENT = "sent", _("sent")
        RECEIVED = "received", _("received")
        REVERSED = "reversed", _("reversed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # No index of its own: document_point_kind begins with it.
    point = models.ForeignKey(
        Point, on_delete=models.PROTECT, related_name="documents", db_index=False
    )
    # No index of its own: document_destination begins with it.
    destination = models.ForeignKey(
        Point,
        on_delete=models.PROTECT,
        related_name="incoming",
        null=True,
        blank=True,
        db_index=False,
    )
    # Distributions: the household served (by its code; nothing personal is kept here).
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="distributions",
        null=True,
        blank=True,
    )
    # Deliveries: the shelter request the goods were packed for.
    request = models.ForeignKey(
        "needs.Request",
        on_delete=models.PROTECT,
        related_name="deliveries",
        null=True,
        blank=True,
    )
    donor = models.CharField(_("donor"), max_length=200, blank=True)
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    # A reversal undoes a whole document, or one line of it: a document may have several.
    reverses = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversals"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [
            models.Index(fields=["point", "kind", "-created_at"], name="document_point_kind"),
            # Households served in a period (the dashboards): read from the index alone.
            models.Index(
                fields=["kind", "point", "created_at", "household"], name="document_visits"
            ),
            models.Index(fields=["destination", "status"], name="document_destination"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def number(self) -> str:
        """A short reference a volunteer can say aloud: D-000123 for donation 123."""
        return f"{NUMBER_PREFIX.get(self.kind, 'X')}-{self.pk:06d}"


class DocumentLine(models.Model):
    """One line of a document: an item (and lot) with a quantity, the same shape for every kind."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+", null=True)
    quantity = models.BigIntegerField(_("quantity"))
    # Transfers: what arrived. Counts: what the ledger held when the count was posted.
    received_quantity = models.BigIntegerField(null=True, blank=True)
    expected_quantity = models.BigIntegerField(null=True, blank=True)
    expiry = models.DateField(null=True, blank=True)
    size = models.CharField(max_length=20, blank=True, default="")
    condition = models.CharField(max_length=10, choices=Condition.choices, default=Condition.NEW)
    unit_cost = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("document line")
        verbose_name_plural = _("document lines")

    def __str__(self) -> str:
        return f"{self.quantity} × {self.item_id}"


class MovementQuerySet(models.QuerySet):
    def of_lot(self, lot: Lot) -> MovementQuerySet:
        return self.filter(lot=lot).select_related("document", "by").order_by("pk")


class Movement(models.Model):
    """One signed change of a lot's quantity. Written once; never edited or deleted."""

    class Kind(models.TextChoices):
        DONATION = "donation", _("donation")
        PURCHASE = "purchase", _("purchase")
        TRANSFER_OUT = "transfer_out", _("transfer out")
        TRANSFER_IN = "transfer_in", _("transfer in")
        ADJUSTMENT = "adjustment", _("adjustment")
        COUNT = "count", _("count")
        DISTRIBUTION = "distribution", _("distribution")
        KIT_BUILD = "kit_build", _("kit build")
        KIT_USE = "kit_use", _("used in kit")
        DISPOSAL = "disposal", _("disposal")
        REVERSAL = "reversal", _("reversal")
        # Into, out of or between containers at one point: a pair that nets to zero per item.
        PACK = "pack", _("packing")

    # No index of its own: movement_lot_at begins with it.
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements", db_index=False)
    # No index of its own: movement_point_at begins with it (one index fewer per movement).
    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="+", db_index=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    quantity = models.BigIntegerField()
    balance_after = models.BigIntegerField()
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="movements")
    line = models.ForeignKey(
        DocumentLine, on_delete=models.PROTECT, related_name="movements", null=True
    )
    reversal_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    objects = MovementQuerySet.as_manager()

    class Meta:
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="movement_not_zero"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="movement_balance_ok"),
        ]
        indexes = [
            models.Index(fields=["lot", "at"], name="movement_lot_at"),
            models.Index(fields=["point", "at"], name="movement_point_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d} {self.lot}"


class IdempotencyRecord(models.Model):
    """A client's idempotency key and what it produced, so a retried write never counts twice."""

    # No index of its own: idempotency_unique begins with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique"),
        ]

    def __str__(self) -> str:
        return self.key


# The dashboards' roll-ups (daily flows per point, households' latest visits) live in their own
# module; imported here so that Django sees the models.
from kamavor.stock.rollups import HandOutMonth, HouseholdVisits, PointDayFlow  # noqa: E402, F401
