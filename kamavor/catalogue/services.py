"""Changes to the catalogue: loading it from a data file (used by the demo and new networks),
barcodes remembered at the desks, and items saved from the catalogue page."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from kamavor.catalogue.models import Barcode, Category, Item, KitComponent
from kamavor.core.errors import Conflict, InvalidInput
from kamavor.lib.gtin import is_valid_gtin
from kamavor.network.access import Action, points_for

_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
DEFAULT_CATALOGUE = Path(__file__).resolve().parent / "data" / "catalogue.json"


def _names(entry: dict) -> dict:
    return {f"name_{lang}": entry["name"][lang] for lang in ("hy", "ru", "en")}


@transaction.atomic
def load_catalogue(path: Path = DEFAULT_CATALOGUE) -> dict[str, int]:
    """Create or update categories, items, barcodes and kits from a catalogue JSON file.

    Items are matched by code, so loading twice changes nothing; nothing is deleted.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    categories = {}
    for position, entry in enumerate(data["categories"]):
        categories[entry["code"]], _ = Category.objects.update_or_create(
            code=entry["code"], defaults={**_names(entry), "position": position}
        )
    items = {}
    for entry in [*data["items"], *data.get("kits", [])]:
        items[entry["code"]] = _upsert_item(entry, categories)
    for entry in data.get("kits", []):
        _set_components(items[entry["code"]], entry["components"], items)
    return {"categories": len(categories), "items": len(items), "kits": len(data.get("kits", []))}


def _upsert_item(entry: dict, categories: dict) -> Item:
    is_kit = "components" in entry
    item = Item.objects.filter(code=entry["code"]).first() or Item(code=entry["code"])
    for field, value in _names(entry).items():
        setattr(item, field, value)
    item.category = categories[entry["category"]]
    item.unit = entry.get("unit", Item.Unit.PIECE)
    item.tracks_expiry = entry.get("tracks_expiry", False)
    item.tracks_size = entry.get("tracks_size", False)
    item.sizes = entry.get("sizes", [])
    item.season = entry.get("season", "")
    item.is_kit = is_kit
    item.refresh_search_text()
    item.save()
    for code in entry.get("barcodes", []):
        Barcode.objects.get_or_create(code=code, defaults={"item": item})
    return item


def _set_components(kit: Item, components: list[dict], items: dict) -> None:
    for component in components:
        KitComponent.objects.update_or_create(
            kit=kit, item=items[component["item"]], defaults={"quantity": component["quantity"]}
        )
    # A kit expires with its components: it tracks expiry when any of them does.
    tracks = any(items[c["item"]].tracks_expiry for c in components)
    if kit.tracks_expiry != tracks:
        kit.tracks_expiry = tracks
        kit.save(update_fields=["tracks_expiry"])


def attach_barcode(*, item: Item, code: str, by) -> Barcode:
    """Remember a barcode scanned at a desk for an item, so the next scan finds it.

    A barcode belongs to one item; one already known for another item is refused.
    """
    if not points_for(by, Action.INTAKE):
        raise PermissionDenied
    code = (code or "").strip()
    if not is_valid_gtin(code):
        raise InvalidInput(
            _("%(code)s is not a valid barcode (EAN-8, UPC, EAN-13).") % {"code": code},
            field="barcode",
        )
    existing = Barcode.objects.filter(code=code).select_related("item").first()
    if existing is not None:
        if existing.item_id == item.pk:
            return existing
        raise Conflict(
            _("Barcode %(code)s already belongs to %(item)s.")
            % {"code": code, "item": existing.item.name}
        )
    return Barcode.objects.create(item=item, code=code)


@dataclass(frozen=True)
class ItemData:
    """What a coordinator gives for an item: names, unit, what matters, barcodes and, for a
    kit, its components (item, quantity)."""

    code: str
    name_hy: str
    name_ru: str
    name_en: str
    category: Category
    unit: str = Item.Unit.PIECE
    tracks_expiry: bool = False
    tracks_size: bool = False
    sizes: list[str] = dataclasses.field(default_factory=list)
    season: str = ""
    is_kit: bool = False
    active: bool = True
    barcodes: list[str] = dataclasses.field(default_factory=list)
    components: list[tuple[Item, int]] = dataclasses.field(default_factory=list)


def save_item(*, item: Item | None = None, data: ItemData, by) -> Item:
    """Create an item (item=None) or change one, with its barcodes and kit components, in one
    transaction. A barcode of another item, a kit in its own components or a kit without
    components is refused and nothing changes."""
    from kamavor.catalogue.access import may_manage_catalogue

    if not may_manage_catalogue(by):
        raise PermissionDenied
    code = data.code.strip().lower()
    if not code or not _CODE.fullmatch(code):
        raise InvalidInput(_("A code has only latin letters, digits and dashes."), field="code")
    for lang in ("hy", "ru", "en"):
        if not getattr(data, f"name_{lang}").strip():
            raise InvalidInput(_("Give the name in all three languages."), field=f"name_{lang}")
    if data.unit not in Item.Unit.values:
        raise InvalidInput(_("Choose a unit."), field="unit")
    if data.season not in Item.Season.values:
        raise InvalidInput(_("Choose a season."), field="season")
    barcodes = list(dict.fromkeys(c.strip() for c in data.barcodes if c.strip()))
    for barcode in barcodes:
        if not is_valid_gtin(barcode):
            raise InvalidInput(
                _("%(code)s is not a valid barcode (EAN-8, UPC, EAN-13).") % {"code": barcode},
                field="barcodes",
            )
    components = data.components if data.is_kit else []
    if data.is_kit and not components:
        raise InvalidInput(_("A kit needs at least one component."), field="components")
    with transaction.atomic():
        if Item.objects.filter(code=code).exclude(pk=getattr(item, "pk", None)).exists():
            raise Conflict(_("Another item has the code %(code)s.") % {"code": code}, field="code")
        taken = (
            Barcode.objects.filter(code__in=barcodes)
            .exclude(item_id=getattr(item, "pk", None))
            .select_related("item")
            .first()
        )
        if taken is not None:
            raise Conflict(
                _("Barcode %(code)s already belongs to %(item)s.")
                % {"code": taken.code, "item": taken.item.name},
                field="barcodes",
            )
        item = item or Item()
        item.code = code
        for lang in ("hy", "ru", "en"):
            setattr(item, f"name_{lang}", getattr(data, f"name_{lang}").strip())
        item.category = data.category
        item.unit = data.unit
        item.tracks_size = data.tracks_size
        item.sizes = [s.strip() for s in data.sizes if s.strip()] if data.tracks_size else []
        item.season = data.season
        item.is_kit = data.is_kit
        item.active = data.active
        # A kit expires with its components: it tracks expiry when any of them does.
        item.tracks_expiry = (
            any(part.tracks_expiry for part, _qty in components)
            if data.is_kit
            else data.tracks_expiry
        )
        item.refresh_search_text()
        item.save()
        item.barcodes.exclude(code__in=barcodes).delete()
        for barcode in barcodes:
            Barcode.objects.get_or_create(item=item, code=barcode)
        item.components.exclude(item__in=[part for part, _qty in components]).delete()
        for part, quantity in components:
            if part.pk == item.pk:
                raise InvalidInput(_("A kit cannot contain itself."), field="components")
            if quantity <= 0:
                raise InvalidInput(
                    _("Quantities are whole numbers above zero."), field="components"
                )
            KitComponent.objects.update_or_create(
                kit=item, item=part, defaults={"quantity": quantity}
            )
    return item
