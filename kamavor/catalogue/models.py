"""The catalogue: categories and items (kits included), named in Armenian, Russian and English."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kamavor.lib.translit import search_key


def name_in(names: dict[str, str], language: str | None = None) -> str:
    """The name in `language` (default: the request's), else in English, else in Armenian;
    `names` maps "hy", "ru", "en" to the names, as read without a model (large lists)."""
    lang = (language or get_language() or "hy")[:2]
    return names.get(lang) or names.get("en") or names.get("hy") or ""


class Named(models.Model):
    """Something with a name in each of the network's languages."""

    name_hy = models.CharField(_("name (Armenian)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return name_in({"hy": self.name_hy, "ru": self.name_ru, "en": self.name_en})


class Category(Named):
    code = models.SlugField(max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")


class ItemQuerySet(models.QuerySet):
    def active(self) -> ItemQuerySet:
        return self.filter(active=True)

    def search(self, query: str) -> ItemQuerySet:
        """Items whose names (in any script, or transliterated) or barcodes match the query."""
        query = (query or "").replace("\x00", "").strip()
        if not query:
            return self.none()
        if query.isdigit() and len(query) >= 8:
            by_code = self.filter(barcodes__code=query)
            return by_code
        tokens = search_key(query).split()
        if not tokens:
            return self.none()
        condition = Q()
        for token in tokens:
            condition &= Q(search_text__contains=token)
        return self.filter(condition)


class Item(Named):
    """A kind of goods. A kit is an item assembled from other items."""

    class Unit(models.TextChoices):
        PIECE = "piece", _("piece")
        PACK = "pack", _("pack")
        PAIR = "pair", _("pair")
        SET = "set", _("set")
        BOTTLE = "bottle", _("bottle")
        CAN = "can", _("can")
        BOX = "box", _("box")
        ROLL = "roll", _("roll")

    class Season(models.TextChoices):
        ANY = "", _("all seasons")
        WINTER = "winter", _("winter")
        SUMMER = "summer", _("summer")

    code = models.SlugField(max_length=80, unique=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="items", verbose_name=_("category")
    )
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PIECE)
    tracks_expiry = models.BooleanField(_("expiry matters"), default=False)
    tracks_size = models.BooleanField(_("size matters"), default=False)
    sizes = models.JSONField(_("sizes"), default=list, blank=True)
    season = models.CharField(
        _("season"), max_length=10, choices=Season.choices, default=Season.ANY, blank=True
    )
    is_kit = models.BooleanField(_("kit"), default=False)
    active = models.BooleanField(_("active"), default=True)
    # Folded, transliterated names and barcodes, so one LIKE finds an item typed in any script.
    search_text = models.TextField(editable=False, default="")

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["category__position", "name_en"]
        verbose_name = _("item")
        verbose_name_plural = _("items")

    def refresh_search_text(self) -> None:
        """Recompute the search text from the names (call before saving a changed item)."""
        self.search_text = " | ".join(
            search_key(n) for n in (self.name_hy, self.name_ru, self.name_en, self.code) if n
        )


class Barcode(models.Model):
    """An EAN/UPC code printed on an item's packaging; an item may have several."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="barcodes")
    code = models.CharField(_("barcode"), max_length=14, unique=True)

    class Meta:
        verbose_name = _("barcode")
        verbose_name_plural = _("barcodes")

    def __str__(self) -> str:
        return self.code


class KitComponent(models.Model):
    """How many of an item go into one kit."""

    kit = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="components")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="used_in_kits")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("kit component")
        verbose_name_plural = _("kit components")
        constraints = [
            models.UniqueConstraint(fields=["kit", "item"], name="kit_component_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="kit_component_positive"),
            models.CheckConstraint(condition=~Q(kit=models.F("item")), name="kit_not_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.item}"
