"""The default standards (Sphere Handbook 2018 minimum standards), loaded from data by rule code."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from kamavor.catalogue.models import Item
from kamavor.needs.models import Standard

STANDARDS_FILE = Path(__file__).parent / "data" / "standards.json"
FIELDS = ("eligibility", "per", "quantity", "period_days", "cap", "size_min", "size_max", "source")


@dataclass
class Loaded:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # their item is not in this catalogue
    retired: list[str] = field(default_factory=list)  # replaced by other rules: switched off


def load_standards(*, path: Path = STANDARDS_FILE, reset: bool = False) -> Loaded:
    """Add the rules the file has and the database lacks, matched by rule code; with `reset`,
    also put changed rules back as the file has them; switch off the rules the file retired
    (e.g. one parcel rule for 1-5 people, replaced by rules per household size band). Running
    it twice changes nothing."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    rules = data["standards"]
    items = Item.objects.in_bulk([rule["item"] for rule in rules], field_name="code")
    existing = Standard.objects.in_bulk([rule["code"] for rule in rules], field_name="code")
    loaded = Loaded()
    with transaction.atomic():
        for position, rule in enumerate(rules, 1):
            item = items.get(rule["item"])
            if item is None:
                loaded.skipped.append(rule["code"])
                continue
            values = {name: rule.get(name) for name in FIELDS}
            values.update(item=item, position=position, source=rule.get("source", ""))
            standard = existing.get(rule["code"])
            if standard is None:
                Standard.objects.create(code=rule["code"], **values)
                loaded.created.append(rule["code"])
            elif reset and any(getattr(standard, k) != v for k, v in values.items()):
                for name, value in values.items():
                    setattr(standard, name, value)
                standard.full_clean()
                standard.save()
                loaded.updated.append(rule["code"])
            else:
                loaded.unchanged.append(rule["code"])
        retired = Standard.objects.filter(code__in=data.get("retired", []), active=True)
        loaded.retired = sorted(retired.values_list("code", flat=True))
        retired.update(active=False)
    return loaded
