"""Drop-offs: unsorted goods at a collection point, their bags and tags, and what sorting found.

Nothing here is stock. A drop-off waits in its point's sorting queue until volunteers have
sorted it into lines; closing it posts the usable lines as one donation through the stock
services (see `kamavor.sorting.services.close_drop_off`), so the ledger stays the only stock.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kamavor.catalogue.models import Item
from kamavor.lib import tag_codes
from kamavor.network.models import Point
from kamavor.stock.models import Condition, Document


class Kind(models.TextChoices):
    """What a drop-off roughly holds, as the volunteer at the door sees it."""

    FOOD = "food", _("food")
    CLOTHING = "clothing", _("clothing")
    HYGIENE = "hygiene", _("hygiene")
    MEDICINE = "medicine", _("medicine")
    MIXED = "mixed", _("mixed")
    OTHER = "other", _("other")


class SetAside(models.TextChoices):
    """Why a sorted line is not taken into stock. The first three are disposed of at closing;
    a medicine that needs a pharmacist's check waits in quarantine, outside the stock."""

    EXPIRED = "expired", _("expired")
    DAMAGED = "damaged", _("damaged")
    NOT_ACCEPTED = "not_accepted", _("not accepted")
    CHECK = "check", _("needs a pharmacist's check")


DISPOSED = frozenset({SetAside.EXPIRED, SetAside.DAMAGED, SetAside.NOT_ACCEPTED})


class DropOffQuerySet(models.QuerySet):
    def at(self, point: Point | int) -> DropOffQuerySet:
        return self.filter(point=point)

    def waiting(self) -> DropOffQuerySet:
        """The sorting queue: drop-offs not closed yet."""
        return self.filter(closed_at__isnull=True)

    def oldest_first(self) -> DropOffQuerySet:
        return self.order_by("created_at", "pk")


class DropOff(models.Model):
    """Unsorted goods brought to a collection point in one go: a number of bags or boxes with a
    rough kind, perhaps a weight and a donor. Each bag gets a tag with its own code."""

    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="drop_offs")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.MIXED)
    bags = models.PositiveSmallIntegerField(_("bags or boxes"))
    weight_kg = models.DecimalField(
        _("weight, kg"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    donor = models.CharField(_("donor"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # A client's key for the write that recorded it (unique per member), so a retry counts once.
    key = models.CharField(max_length=200, blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # What closing posted: the donation of the usable lines, the disposal of the set-aside ones.
    donation = models.OneToOneField(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="drop_off"
    )
    disposal = models.OneToOneField(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = DropOffQuerySet.as_manager()

    class Meta:
        verbose_name = _("drop-off")
        verbose_name_plural = _("drop-offs")
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "key"],
                condition=~Q(key=""),
                name="drop_off_key_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["point", "created_at"],
                condition=Q(closed_at__isnull=True),
                name="drop_off_queue",
            ),
            models.Index(fields=["point", "closed_at"], name="drop_off_point_closed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} × {self.bags} @ {self.point}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class Bag(models.Model):
    """One bag or box of a drop-off, known by the code on its tag."""

    drop_off = models.ForeignKey(DropOff, on_delete=models.PROTECT, related_name="bag_set")
    number = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=tag_codes.BAG_LENGTH, unique=True)

    class Meta:
        verbose_name = _("bag")
        verbose_name_plural = _("bags")
        constraints = [
            models.UniqueConstraint(fields=["drop_off", "number"], name="bag_number_unique"),
        ]
        ordering = ["drop_off_id", "number"]

    def __str__(self) -> str:
        return self.display_code

    @property
    def display_code(self) -> str:
        return tag_codes.display(self.code)


class SortingLine(models.Model):
    """What a volunteer found in a drop-off: an item with the intake desk's attributes, either
    sorted (for stock) or set aside with a reason. Lines change until the drop-off is closed."""

    drop_off = models.ForeignKey(DropOff, on_delete=models.PROTECT, related_name="lines")
    bag = models.ForeignKey(Bag, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField(_("quantity"))
    expiry = models.DateField(_("expiry"), null=True, blank=True)
    size = models.CharField(_("size"), max_length=20, blank=True, default="")
    condition = models.CharField(
        _("condition"), max_length=10, choices=Condition.choices, default=Condition.NEW
    )
    set_aside = models.CharField(
        _("set aside"), max_length=14, choices=SetAside.choices, blank=True, default=""
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    key = models.CharField(max_length=200, blank=True, default="")
    # A line waiting for a pharmacist's check, once checked: taken into stock by its own
    # donation, or refused (no donation).
    checked_at = models.DateTimeField(null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    released = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("sorting line")
        verbose_name_plural = _("sorting lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sorting_line_positive"),
            models.UniqueConstraint(
                fields=["by", "key"], condition=~Q(key=""), name="sorting_line_key"
            ),
        ]
        indexes = [models.Index(fields=["by", "at"], name="sorting_line_by_at")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.item_id}"


def queue_summary(point: Point | int) -> list[dict]:
    """The point's sorting queue by kind: drop-offs and bags waiting, and the oldest's time."""
    return list(
        DropOff.objects.at(point)
        .waiting()
        .values("kind")
        .annotate(drop_offs=Count("pk"), bags=models.Sum("bags"), oldest=Min("created_at"))
        .order_by("oldest")
    )


class SortingNotice(models.Model):
    """A coordinator's note for the point's public page while a backlog is sorted: "we are
    sorting — please do not bring clothing until Friday". Shown until its day has passed."""

    point = models.OneToOneField(Point, on_delete=models.CASCADE, related_name="sorting_notice")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    until = models.DateField(_("until"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sorting notice")
        verbose_name_plural = _("sorting notices")

    def __str__(self) -> str:
        return f"{self.point}: {self.kind} until {self.until}"

    @property
    def current(self) -> bool:
        return self.until >= timezone.localdate()


class NoticeKey(models.Model):
    """A client's idempotency key for a change of a point's sorting notice: inserted first in
    the change's transaction, it is the claim, so that a retry (an offline desk's, a second
    press) answers the first change instead of undoing a later one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="sorting_notice_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key
