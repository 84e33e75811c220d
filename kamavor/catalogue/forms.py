"""The catalogue page's form: parsing only; catalogue.services.save_item decides."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from kamavor.catalogue.models import Category, Item
from kamavor.catalogue.services import ItemData

_COMPONENT = re.compile(r"^\s*(\d+)\s*[x×*]?\s+(\S+)\s*$")


class ItemForm(forms.Form):
    name_hy = forms.CharField(label=_("name (Armenian)"), max_length=200)
    name_ru = forms.CharField(label=_("name (Russian)"), max_length=200)
    name_en = forms.CharField(label=_("name (English)"), max_length=200)
    code = forms.SlugField(label=_("code"), max_length=80)
    category = forms.ModelChoiceField(label=_("category"), queryset=Category.objects.all())
    unit = forms.ChoiceField(label=_("unit"), choices=Item.Unit.choices)
    tracks_expiry = forms.BooleanField(label=_("expiry matters"), required=False)
    tracks_size = forms.BooleanField(label=_("size matters"), required=False)
    sizes = forms.CharField(
        label=_("sizes"),
        required=False,
        max_length=500,
        help_text=_("Separated by commas, smallest first: 98, 104, 110"),
    )
    season = forms.ChoiceField(label=_("season"), choices=Item.Season.choices, required=False)
    active = forms.BooleanField(label=_("active"), required=False, initial=True)
    barcodes = forms.CharField(
        label=_("barcodes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, as printed under the stripes."),
    )
    is_kit = forms.BooleanField(label=_("kit"), required=False)
    components = forms.CharField(
        label=_("kit components"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For a kit, one component per line: quantity, then the item's code (2 soap-bar)."
        ),
    )

    def clean_components(self) -> list[tuple[Item, int]]:
        lines = [line for line in self.cleaned_data["components"].splitlines() if line.strip()]
        parsed = []
        for line in lines:
            found = _COMPONENT.match(line)
            if not found:
                raise forms.ValidationError(
                    _("Write each component as a quantity and a code: %(line)s"),
                    params={"line": line.strip()},
                )
            parsed.append((found.group(2).lower(), int(found.group(1))))
        items = Item.objects.in_bulk([code for code, _qty in parsed], field_name="code")
        missing = [code for code, _qty in parsed if code not in items]
        if missing:
            raise forms.ValidationError(
                _("No item has the code %(code)s."), params={"code": ", ".join(missing)}
            )
        return [(items[code], quantity) for code, quantity in parsed]

    def data_for_service(self) -> ItemData:
        data = self.cleaned_data
        return ItemData(
            code=data["code"],
            name_hy=data["name_hy"],
            name_ru=data["name_ru"],
            name_en=data["name_en"],
            category=data["category"],
            unit=data["unit"],
            tracks_expiry=data["tracks_expiry"],
            tracks_size=data["tracks_size"],
            sizes=data["sizes"].split(","),
            season=data["season"] or "",
            is_kit=data["is_kit"],
            active=data["active"],
            barcodes=data["barcodes"].split(),
            components=data["components"],
        )

    @classmethod
    def initial_for(cls, item: Item) -> dict:
        return {
            "name_hy": item.name_hy,
            "name_ru": item.name_ru,
            "name_en": item.name_en,
            "code": item.code,
            "category": item.category_id,
            "unit": item.unit,
            "tracks_expiry": item.tracks_expiry,
            "tracks_size": item.tracks_size,
            "sizes": ", ".join(item.sizes),
            "season": item.season,
            "active": item.active,
            "barcodes": "\n".join(b.code for b in item.barcodes.all()),
            "is_kit": item.is_kit,
            "components": "\n".join(
                f"{c.quantity} {c.item.code}" for c in item.components.select_related("item")
            ),
        }
