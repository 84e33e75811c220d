"""The form that runs a plan: scope (an organisation's points, or one point) and weights."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kamavor.allocation import weights
from kamavor.catalogue.models import Category, Item
from kamavor.households.models import VULNERABILITIES
from kamavor.needs.models import Request
from kamavor.network.models import Point


def _weight_field(label, initial: float, minimum: float) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        initial=initial,
        min_value=minimum,
        max_value=weights.MAX_WEIGHT,
        widget=forms.NumberInput(attrs={"step": "0.05"}),
    )


class RunForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    point = forms.TypedChoiceField(
        label=_("Plan for"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, organisations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]
        points = Point.objects.filter(organisation__in=organisations).active().order_by("name")
        self.points = {p.pk: p for p in points}
        self.fields["point"].choices = [("", _("all points of the organisation"))] + [
            (p.pk, p.name) for p in points
        ]
        for name, label in VULNERABILITIES:
            self.fields[f"flag_{name}"] = _weight_field(
                label, weights.DEFAULT_FLAG_WEIGHTS[name], 0.0
            )
        for value, label in Request.Urgency.choices:
            self.fields[f"urgency_{value}"] = _weight_field(
                label, weights.DEFAULT_URGENCY_WEIGHTS[value], 0.05
            )

    def clean(self) -> dict:
        data = super().clean()
        point_id = data.get("point")
        if point_id is not None:
            point = self.points.get(point_id)
            if point is None or point.organisation_id != data.get("organisation"):
                self.add_error("point", _("Choose a point of this organisation."))
            data["point"] = point
        return data

    @property
    def flag_fields(self) -> list:
        return [self[f"flag_{name}"] for name, _label in VULNERABILITIES]

    @property
    def urgency_fields(self) -> list:
        return [self[f"urgency_{value}"] for value, _label in Request.Urgency.choices]

    def weights(self) -> dict:
        data = self.cleaned_data
        return {
            "flags": {name: data[f"flag_{name}"] for name, _label in VULNERABILITIES},
            "urgency": {v: data[f"urgency_{v}"] for v, _label in Request.Urgency.choices},
        }


class GroupForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    name_hy = forms.CharField(label=_("name (Armenian)"), max_length=200)
    name_ru = forms.CharField(label=_("name (Russian)"), max_length=200)
    name_en = forms.CharField(label=_("name (English)"), max_length=200)
    items = forms.ModelMultipleChoiceField(
        label=_("Items that may stand in for one another"),
        queryset=Item.objects.active().select_related("category"),
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )

    def __init__(self, *args, organisations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]


class SizeRuleForm(forms.Form):
    """Which sizes, in order, may meet a need for a size of an item or of a category."""

    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    item = forms.ModelChoiceField(
        label=_("Item"),
        queryset=Item.objects.active().filter(tracks_size=True).order_by("name_en"),
        required=False,
    )
    category = forms.ModelChoiceField(
        label=_("or category"), queryset=Category.objects.order_by("name_en"), required=False
    )
    size = forms.CharField(label=_("A need for size"), max_length=20)
    substitutes = forms.CharField(
        label=_("may be met by the sizes, in order (e.g. 9, 10)"), max_length=200
    )

    def __init__(self, *args, organisations, **kwargs) -> None:
        super().__init__(*args, prefix="sizes", **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]


class LinkForm(forms.Form):
    point_a = forms.TypedChoiceField(label=_("Point"), coerce=int)
    point_b = forms.TypedChoiceField(label=_("exchanges stock with"), coerce=int)

    def __init__(self, *args, organisations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        points = Point.objects.filter(organisation__in=organisations).active()
        self.points = {p.pk: p for p in points.select_related("organisation").order_by("name")}
        choices = [(p.pk, f"{p.name} · {p.organisation.name}") for p in self.points.values()]
        self.fields["point_a"].choices = choices
        self.fields["point_b"].choices = choices
