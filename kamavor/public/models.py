"""What the public sees of a point: whether it is listed, what it accepts, and the lines of its
"needed now" list that a coordinator pinned or overrode."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kamavor.catalogue.models import Category, Item
from kamavor.core.localised import Localised
from kamavor.network.models import Point

# Kinds of point listed on the public pages unless a coordinator says otherwise. Shelters never
# are: where displaced people sleep is not published.
LISTED_KINDS = (Point.Kind.COLLECTION, Point.Kind.DISTRIBUTION)


class Level(models.TextChoices):
    URGENT = "urgent", _("urgent")
    NEEDED = "needed", _("needed")
    ENOUGH = "enough", _("enough")
    DO_NOT_BRING = "do_not_bring", _("please do not bring")


LEVEL_RANK = {level: n for n, level in enumerate(Level.values)}


def listed_points():
    """Active collection and distribution points that a coordinator did not hide."""
    return (
        Point.objects.filter(active=True, kind__in=LISTED_KINDS)
        .exclude(public_page__listed=False)
        .select_related("organisation")
        .order_by("name")
    )


def read_listed_points() -> list[Point]:
    """The points of listed_points(), in the same order, read by a hand-written statement
    (the network page reads them at every rebuild of its parts; their organisations are not
    read along)."""
    from kamavor.core import rows

    where = (
        f"t.active = %s AND t.kind IN (%s, %s) AND NOT EXISTS (SELECT 1 FROM "
        f"{rows.table(PublicPage)} p WHERE p.point_id = t.id AND p.listed = %s) ORDER BY t.name"
    )
    return rows.load(Point, where, [True, *LISTED_KINDS, False])


class PublicPage(Localised, models.Model):
    """A point's public page settings: listed or not, what it accepts, a word to donors."""

    point = models.OneToOneField(Point, on_delete=models.CASCADE, related_name="public_page")
    listed = models.BooleanField(_("listed on the public pages"), default=True)
    accepts = models.ManyToManyField(
        Category, blank=True, related_name="+", verbose_name=_("accepts")
    )
    note = models.CharField(_("note to donors"), max_length=300, blank=True)
    # The note per language (page.tr.note); `note` is the default text.
    note_hy = models.CharField(_("note (Armenian)"), max_length=300, blank=True, default="")
    note_ru = models.CharField(_("note (Russian)"), max_length=300, blank=True, default="")
    note_en = models.CharField(_("note (English)"), max_length=300, blank=True, default="")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("public page")
        verbose_name_plural = _("public pages")

    def __str__(self) -> str:
        return f"public page of {self.point}"


class NeedOverride(models.Model):
    """A coordinator's word on one line of a point's "needed now": a level that replaces the
    computed one (or none, to keep it), a note, and whether the line is pinned to the top."""

    point = models.ForeignKey(Point, on_delete=models.CASCADE, related_name="need_overrides")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, null=True, blank=True)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, null=True, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, blank=True)
    pinned = models.BooleanField(_("pinned"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("needed-now line")
        verbose_name_plural = _("needed-now lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(item__isnull=True) ^ Q(category__isnull=True),
                name="need_override_item_xor_category",
            ),
            models.UniqueConstraint(
                fields=["point", "item"], condition=Q(item__isnull=False), name="override_item"
            ),
            models.UniqueConstraint(
                fields=["point", "category"],
                condition=Q(category__isnull=False),
                name="override_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point}: {self.item or self.category} {self.level}"
