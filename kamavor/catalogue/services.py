"""Changes to the catalogue: loading it from a data file (used by the demo and new networks)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from kamavor.catalogue.models import Barcode, Category, Item, KitComponent
from kamavor.core.errors import Conflict, InvalidInput
from kamavor.lib.gtin import is_valid_gtin
from kamavor.network.access import Action, points_for

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
