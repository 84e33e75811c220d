"""The organisation's field forms as XForms: the XLSForms kept in `xlsforms/`, with the choice
lists filled from the organisation's data (items, points, shelters) in hy/ru/en, converted with
pyxform and cached.

A form's version is a digest of what was filled in, so a phone sees a new version exactly when
a list changed; the conversion runs only then (and once per process), not per request.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pyxform.xls2json_backends import DefinitionData, get_xlsform
from pyxform.xls2xform import convert

from kamavor.catalogue.models import Item
from kamavor.exchange.models import FORM_IDS
from kamavor.network.models import Organisation, Point

FOLDER = Path(__file__).parent / "xlsforms"
LANGUAGES = {"hy": "Հայերեն (hy)", "ru": "Русский (ru)", "en": "English (en)"}
LABELS = [f"label::{name}" for name in LANGUAGES.values()]
# What a list offers when the organisation has nothing to put in it (an XForm list may not be
# empty); a submission that picks it is treated as no answer.
NOTHING = "none"
_NOTHING_LABELS = ("— չկա —", "— нет —", "— none —")


@dataclass(frozen=True)
class XForm:
    form_id: str
    title: str
    version: str
    xml: str
    warnings: tuple[str, ...] = ()

    @property
    def md5(self) -> str:
        return hashlib.md5(self.xml.encode(), usedforsecurity=False).hexdigest()


@cache
def template(form_id: str) -> DefinitionData:
    """The XLSForm as pyxform reads it (read once per process)."""
    if form_id not in FORM_IDS:
        raise KeyError(form_id)
    return get_xlsform(str(FOLDER / f"{form_id}.md"))


def _choice(list_name: str, name: str, labels: tuple[str, str, str]) -> dict[str, str]:
    row = {"list_name": list_name, "name": name}
    row.update({column: text or labels[2] for column, text in zip(LABELS, labels, strict=True)})
    return row


def _point_labels(point: Point) -> tuple[str, str, str]:
    return (point.name_hy or point.name, point.name_ru or point.name, point.name_en or point.name)


def generated_lists(organisation: Organisation) -> dict[str, list[dict[str, str]]]:
    """The choice lists drawn from the organisation's data, by list name."""
    points = list(
        Point.objects.filter(organisation=organisation, active=True)
        .order_by("name")
        .only("slug", "kind", "name", "name_hy", "name_ru", "name_en")
    )
    items = Item.objects.filter(active=True).order_by("category__position", "name_en")
    lists = {
        "items": [
            _choice("items", item.code, (item.name_hy, item.name_ru, item.name_en))
            for item in items.only("code", "name_hy", "name_ru", "name_en")
        ],
        "points": [_choice("points", p.slug, _point_labels(p)) for p in points],
        "collection_points": [
            _choice("collection_points", p.slug, _point_labels(p))
            for p in points
            if p.kind != Point.Kind.SHELTER
        ],
        "shelters": [
            _choice("shelters", p.slug, _point_labels(p))
            for p in points
            if p.kind == Point.Kind.SHELTER
        ],
    }
    for name, rows in lists.items():
        if not rows:
            rows.append(_choice(name, NOTHING, _NOTHING_LABELS))
    return lists


def _uses(definition: DefinitionData, list_name: str) -> bool:
    return any(
        str(row.get("type", "")).split()[-1:] == [list_name] for row in definition.survey or ()
    )


_lock = threading.Lock()
_built: dict[tuple[str, str], XForm] = {}


def xform_for(organisation: Organisation, form_id: str) -> XForm:
    """The served XForm of one of the organisation's forms (KeyError for an unknown form)."""
    base = template(form_id)
    lists = {
        name: rows for name, rows in generated_lists(organisation).items() if _uses(base, name)
    }
    version = hashlib.sha256(repr(sorted(lists.items())).encode()).hexdigest()[:12]
    key = (form_id, version)
    with _lock:
        built = _built.get(key)
    if built is not None:
        return built
    definition = copy.deepcopy(base)
    definition.choices = [
        *(definition.choices or []),
        *(r for rows in lists.values() for r in rows),
    ]
    if not definition.choices_header and definition.choices:
        definition.choices_header = [dict.fromkeys(["list_name", "name", *LABELS])]
    settings = dict((definition.settings or [{}])[0])
    settings["version"] = version
    definition.settings = [settings]
    warnings: list[str] = []
    result = convert(
        xlsform={k: getattr(definition, k) for k in DefinitionData.__dataclass_fields__},
        form_name="data",
        warnings=warnings,
    )
    built = XForm(form_id=form_id, title=settings.get("form_title", form_id), version=version,
                  xml=result.xform, warnings=tuple(warnings))  # fmt: skip
    with _lock:
        if len(_built) > 200:  # many organisations and versions: start again
            _built.clear()
        _built[key] = built
    return built
