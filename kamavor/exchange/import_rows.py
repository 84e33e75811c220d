"""The rows of each kind of import: their columns (header names in hy/ru/en) and what one row
writes, through the owning app's service where one exists.

Each `apply` returns (outcome, label) or raises the service's error for that row. Lookups that
every row needs (categories, items, points) are read once per file in the class's constructor.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kamavor.catalogue.models import Category, Item
from kamavor.catalogue.services import ItemData, save_item
from kamavor.core.errors import InvalidInput
from kamavor.households.models import COMPOSITION_FIELDS, VULNERABILITIES
from kamavor.households.services import (
    Personal,
    Profile,
    check_registration,
    register_households,
)
from kamavor.lib import entitlements
from kamavor.lib.spreadsheets import Column, Row
from kamavor.network.access import Action, may
from kamavor.network.models import Organisation, Point
from kamavor.network.services import save_point
from kamavor.privacy.sealing import vault

YES = frozenset({"yes", "y", "1", "x", "true", "да", "д", "այո", "+", "✓"})
NO = frozenset({"", "no", "n", "0", "false", "нет", "ոչ", "-"})


def _bool(row: Row, key: str) -> bool:
    value = row.get(key).strip().casefold()
    if value in YES:
        return True
    if value in NO:
        return False
    raise InvalidInput(_("%(column)s: write yes or no.") % {"column": key}, field=key)


def _int(row: Row, key: str, *, required: bool = True) -> int | None:
    value = row.get(key).replace(" ", "")
    if not value:
        if required:
            raise InvalidInput(_("%(column)s is missing.") % {"column": key}, field=key)
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(
            _("%(column)s must be a whole number.") % {"column": key}, field=key
        ) from None


def _list(text: str) -> list[str]:
    for separator in (";", ","):
        text = text.replace(separator, " ")
    return [part for part in text.split() if part]


def _unchanged(instance, values: dict) -> bool:
    return all(getattr(instance, name) == value for name, value in values.items())


# ---------------------------------------------------------------- catalogue items

ITEM_COLUMNS = (
    Column("code", ("կոդ", "код", "code")),
    Column("name_hy", ("անվանում հայերեն", "название на армянском", "name hy", "Armenian name")),
    Column("name_ru", ("անվանում ռուսերեն", "название на русском", "name ru", "Russian name")),
    Column("name_en", ("անվանում անգլերեն", "название на английском", "name en", "English name")),
    Column("category", ("կատեգորիա", "категория", "category")),
    Column("unit", ("միավոր", "единица", "unit"), required=False),
    Column("tracks_expiry", ("պիտանիություն", "срок годности", "expiry matters"), required=False),
    Column("tracks_size", ("չափսը կարևոր է", "размер важен", "size matters"), required=False),
    Column("sizes", ("չափսեր", "размеры", "sizes"), required=False),
    Column("barcodes", ("շտրիխկոդեր", "штрихкоды", "barcodes"), required=False),
    Column("components", ("բաղադրիչներ", "состав набора", "kit components"), required=False),
)  # fmt: skip


class ItemRows:
    """Items by code: new ones created, others changed only where the row differs. A kit's
    components are written `code:quantity; code:quantity`."""

    def __init__(self, organisation: Organisation, by):
        self.by = by
        self.categories = {}
        for category in Category.objects.all():
            for name in (category.code, category.name_hy, category.name_ru, category.name_en):
                self.categories.setdefault(name.strip().casefold(), category)

    def apply(self, row: Row) -> tuple[str, str]:
        code = row["code"].strip().lower()
        category = self.categories.get(row["category"].strip().casefold())
        if category is None:
            raise InvalidInput(
                _("Unknown category: %(name)s.") % {"name": row["category"][:60]}, field="category"
            )
        components = []
        for part in _list(row.get("components")):
            part_code, _colon, quantity = part.partition(":")
            item = Item.objects.filter(code=part_code.strip().lower()).first()
            if item is None or not quantity.strip().isdigit():
                raise InvalidInput(
                    _("Write each kit component as code:quantity (%(part)s).")
                    % {"part": part[:60]},
                    field="components",
                )
            components.append((item, int(quantity)))
        data = ItemData(
            code=code,
            name_hy=row["name_hy"],
            name_ru=row["name_ru"],
            name_en=row["name_en"],
            category=category,
            unit=row.get("unit") or Item.Unit.PIECE,
            tracks_expiry=_bool(row, "tracks_expiry"),
            tracks_size=_bool(row, "tracks_size"),
            sizes=_list(row.get("sizes")),
            is_kit=bool(components),
            barcodes=_list(row.get("barcodes")),
            components=components,
        )
        existing = Item.objects.filter(code=code).prefetch_related("barcodes", "components").first()
        if existing is not None and self._same(existing, data):
            return "unchanged", code
        save_item(item=existing, data=data, by=self.by)
        return ("updated" if existing else "created"), code

    @staticmethod
    def _same(item: Item, data: ItemData) -> bool:
        return (
            _unchanged(
                item,
                {
                    "name_hy": data.name_hy.strip(),
                    "name_ru": data.name_ru.strip(),
                    "name_en": data.name_en.strip(),
                    "category_id": data.category.pk,
                    "unit": data.unit,
                    "tracks_size": data.tracks_size,
                    "is_kit": data.is_kit,
                    "sizes": data.sizes if data.tracks_size else [],
                },
            )
            and (data.is_kit or item.tracks_expiry == data.tracks_expiry)
            and sorted(b.code for b in item.barcodes.all()) == sorted(set(data.barcodes))
            and sorted((c.item_id, c.quantity) for c in item.components.all())
            == sorted((part.pk, qty) for part, qty in data.components)
        )


# ---------------------------------------------------------------- points

POINT_COLUMNS = (
    Column("name", ("անվանում", "название", "name")),
    Column("kind", ("տեսակ", "тип", "kind")),
    Column("address", ("հասցե", "адрес", "address"), required=False),
    Column("city", ("քաղաք", "город", "city"), required=False),
    Column("opening_hours", ("աշխատանքային ժամեր", "часы работы", "opening hours"), required=False),
    Column("contact", ("կոնտակտ", "контакт", "contact"), required=False),
    Column("name_hy", ("անվանում հայերեն", "название на армянском", "name hy"), required=False),
    Column("name_ru", ("անվանում ռուսերեն", "название на русском", "name ru"), required=False),
    Column("name_en", ("անվանում անգլերեն", "название на английском", "name en"), required=False),
    Column("latitude", ("լայնություն", "широта", "latitude"), required=False),
    Column("longitude", ("երկայնություն", "долгота", "longitude"), required=False),
)  # fmt: skip

POINT_KINDS = {
    "collection": Point.Kind.COLLECTION, "հավաքման կետ": Point.Kind.COLLECTION,
    "пункт сбора": Point.Kind.COLLECTION, "warehouse": Point.Kind.WAREHOUSE,
    "պահեստ": Point.Kind.WAREHOUSE, "склад": Point.Kind.WAREHOUSE,
    "distribution": Point.Kind.DISTRIBUTION, "բաշխման կետ": Point.Kind.DISTRIBUTION,
    "пункт раздачи": Point.Kind.DISTRIBUTION, "shelter": Point.Kind.SHELTER,
    "կացարան": Point.Kind.SHELTER, "приют": Point.Kind.SHELTER,
}  # fmt: skip
POINT_TEXT_LIMITS = {
    "address": 300, "city": 100, "opening_hours": 300, "contact": 200, "name_hy": 200,
    "name_ru": 200, "name_en": 200,
}  # fmt: skip


def _coordinate(row: Row, key: str, limit: int) -> Decimal | None:
    text = row.get(key).replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text).quantize(Decimal("0.000001"))
    except InvalidOperation:
        value = None
    if value is None or abs(value) > limit:
        raise InvalidInput(_("%(column)s is not a coordinate.") % {"column": key}, field=key)
    return value


class PointRows:
    """The organisation's points by name: created, or changed where the row differs."""

    def __init__(self, organisation: Organisation, by):
        if not may(by, organisation.pk, Action.IMPORT_DATA):
            raise PermissionDenied
        self.organisation = organisation
        self.by = by

    def apply(self, row: Row) -> tuple[str, str]:
        name = " ".join(row["name"].split())
        if not name or len(name) > 200:
            raise InvalidInput(_("A point needs a name (at most 200 characters)."), field="name")
        kind = POINT_KINDS.get(row["kind"].strip().casefold())
        if kind is None:
            raise InvalidInput(
                _("Unknown kind of point: %(kind)s.") % {"kind": row["kind"][:40]}, field="kind"
            )
        values = {"kind": kind}
        for key, limit in POINT_TEXT_LIMITS.items():
            text = " ".join(row.get(key).split())
            if len(text) > limit:
                raise InvalidInput(_("%(column)s is too long.") % {"column": key}, field=key)
            values[key] = text
        values["latitude"] = _coordinate(row, "latitude", 90)
        values["longitude"] = _coordinate(row, "longitude", 180)
        outcome, _point = save_point(
            organisation=self.organisation, name=name, values=values, by=self.by
        )
        return outcome, name


# ---------------------------------------------------------------- standards

STANDARD_COLUMNS = (
    Column("code", ("կոդ", "код", "code")),
    Column("item", ("ապրանք", "товар", "item")),
    Column("eligibility", ("ում համար", "для кого", "eligibility")),
    Column("per", ("ըստ", "на", "per"), required=False),
    Column("quantity", ("քանակ", "количество", "quantity")),
    Column("period_days", ("ժամկետ օրերով", "период в днях", "period days")),
    Column("cap", ("առավելագույնը", "не больше", "cap"), required=False),
    Column("size_min", ("ընտանիքի չափը սկսած", "размер семьи от", "size min"), required=False),
    Column("size_max", ("ընտանիքի չափը մինչև", "размер семьи до", "size max"), required=False),
    Column("source", ("աղբյուր", "источник", "source"), required=False),
)  # fmt: skip


class StandardRows:
    """Standards by code: created, or changed where the row differs."""

    def __init__(self, organisation: Organisation, by):
        if not may(by, organisation.pk, Action.PLAN):
            raise PermissionDenied
        self.organisation = organisation
        self.by = by
        self.items = {}

    def apply(self, row: Row) -> tuple[str, str]:
        from kamavor.needs.models import Standard
        from kamavor.needs.services import save_standard

        code = slugify(row["code"])[:80]
        if not code:
            raise InvalidInput(_("A standard needs a code."), field="code")
        item = Item.objects.filter(code=row["item"].strip().lower(), active=True).first()
        if item is None:
            raise InvalidInput(
                _("Unknown item: %(code)s.") % {"code": row["item"][:60]}, field="item"
            )
        eligibility = row["eligibility"].strip() or "all"
        if eligibility not in entitlements.GROUPS:
            raise InvalidInput(_("Unknown eligibility: %(value)s.") % {"value": eligibility[:40]})
        per = row.get("per").strip() or Standard.Per.PERSON
        if per not in Standard.Per.values:
            raise InvalidInput(_("Per is “person” or “household”."), field="per")
        values = {
            "item_id": item.pk, "eligibility": eligibility, "per": per,
            "quantity": _int(row, "quantity"), "period_days": _int(row, "period_days"),
            "cap": _int(row, "cap", required=False),
            "size_min": _int(row, "size_min", required=False),
            "size_max": _int(row, "size_max", required=False),
            "source": row.get("source")[:2000],
        }  # fmt: skip
        if values["quantity"] <= 0 or values["period_days"] <= 0:
            raise InvalidInput(_("Quantity and period must be above zero."), field="quantity")
        if any(values[k] is not None and values[k] < 0 for k in ("cap", "size_min", "size_max")):
            raise InvalidInput(_("Numbers cannot be negative."))
        if values["size_min"] and values["size_max"] and values["size_min"] > values["size_max"]:
            raise InvalidInput(_("The household size band is reversed."), field="size_min")
        outcome, _standard = save_standard(
            organisation_id=self.organisation.pk, code=code, values=values, by=self.by
        )
        return outcome, code


# ---------------------------------------------------------------- households

_SEX = {"female": ("իգական", "женщины", "female"), "male": ("արական", "мужчины", "male")}
_BAND = {
    "0_2": "0-2",
    "3_5": "3-5",
    "6_11": "6-11",
    "12_17": "12-17",
    "18_59": "18-59",
    "60": "60+",
}
HOUSEHOLD_COLUMNS = (
    *(
        Column(
            f"{sex}_{band}",
            tuple(f"{word} {_BAND[band]}" for word in _SEX[sex]),
            required=False,
        )
        for sex, band in (name.split("_", 1) for name in COMPOSITION_FIELDS)
    ),
    Column("flags", ("խոցելիություն", "уязвимость", "flags"), required=False),
    Column("shelter", ("կացարան", "приют", "shelter"), required=False),
    Column("area", ("որտեղ է ապրում", "где живёт", "where it stays"), required=False),
    Column("languages", ("լեզուներ", "языки", "languages"), required=False),
    Column("notes", ("նշումներ", "заметки", "notes"), required=False),
    Column("collector_name", ("անուն", "имя", "name"), required=False),
    Column("phone", ("հեռախոս", "телефон", "phone"), required=False),
    Column("document", ("փաստաթուղթ", "документ", "document"), required=False),
    Column("basis", ("հիմք", "основание", "basis"), required=False),
    Column("notice_language", ("ծանուցման լեզու", "язык уведомления", "notice language"),
           required=False),
    Column("consent", ("համաձայնություն", "согласие", "consent"), required=False),
)  # fmt: skip
FLAG_WORDS = {name: name for name, _label in VULNERABILITIES}


class HouseholdRows:
    """One household per row, registered through the households' service (personal fields
    sealed, with their basis). A row already imported (the same values, by keyed digest, and
    the same count of identical rows before it) is left as it is."""

    def __init__(self, organisation: Organisation, by):
        from kamavor.exchange.models import ImportedHousehold

        self.organisation = organisation
        self.by = by
        self.vault = vault()
        self.seen = set(
            ImportedHousehold.objects.filter(organisation=organisation).values_list(
                "digest", flat=True
            )
        )
        self.repeats: Counter[str] = Counter()
        self.pending: list[tuple[int, str, tuple]] = []
        self.shelters = {}
        for point in Point.objects.filter(organisation=organisation, kind=Point.Kind.SHELTER):
            for name in (point.slug, point.name, point.name_hy, point.name_ru, point.name_en):
                if name:
                    self.shelters.setdefault(name.strip().casefold(), point)

    def apply(self, row: Row) -> tuple[str, str]:

        values = {key: " ".join(value.split()) for key, value in row.values.items()}
        # Two families may be written alike (two adults in the same shelter, no names): the
        # second such row in a file is a second household, so the digest counts repeats.
        content = json.dumps(values, sort_keys=True, ensure_ascii=False)
        self.repeats[content] += 1
        digest = self.vault.digest(f"{content}#{self.repeats[content]}")
        if digest in self.seen:
            return "unchanged", ""
        composition = {name: _int(row, name, required=False) or 0 for name in COMPOSITION_FIELDS}
        flags = [FLAG_WORDS.get(word.casefold(), word) for word in _list(values["flags"])]
        shelter = None
        if values["shelter"]:
            shelter = self.shelters.get(values["shelter"].casefold())
            if shelter is None:
                raise InvalidInput(
                    _("Unknown shelter: %(name)s.") % {"name": values["shelter"][:60]},
                    field="shelter",
                )
        personal = None
        if values["collector_name"] or values["phone"] or values["document"]:
            personal = Personal(
                collector_name=values["collector_name"],
                phone=values["phone"],
                document=values["document"],
                basis=values["basis"] or "consent",
                notice_language=values["notice_language"] or "hy",
                consent=_bool(row, "consent"),
            )
        if personal is not None and personal.basis == "consent" and not personal.consent:
            raise InvalidInput(
                _("Personal data kept by consent needs the family's consent: write yes."),
                field="consent",
            )
        checked = check_registration(
            organisation=self.organisation,
            profile=Profile(
                composition=composition,
                flags=flags,
                shelter=shelter,
                area=values["area"],
                languages=_list(values["languages"]),
                notes=values["notes"],
            ),
            personal=personal,
        )
        self.pending.append((row.number, digest, checked))
        self.seen.add(digest)
        return "created", ""

    def finish(self) -> dict[int, str]:
        """Register the checked rows at once; each created row's household code, by row."""
        from kamavor.exchange.models import ImportedHousehold

        households = register_households(
            organisation=self.organisation,
            checked=[checked for _number, _digest, checked in self.pending],
            by=self.by,
        )
        ImportedHousehold.objects.bulk_create(
            [
                ImportedHousehold(organisation=self.organisation, digest=digest, household=h)
                for (_number, digest, _checked), h in zip(self.pending, households, strict=True)
            ],
            batch_size=1000,
        )
        return {
            number: h.display_code
            for (number, _digest, _checked), h in zip(self.pending, households, strict=True)
        }
