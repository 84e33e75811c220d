"""Input validation for the household desks; the services check again before they write."""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy

from kamavor.core.numbers import BoundedIntegerField
from kamavor.households.models import AGE_BANDS, COMPOSITION_FIELDS, SEXES, VULNERABILITIES
from kamavor.households.models import PersonalData as PersonalRecord
from kamavor.households.services import MAX_PER_BAND, Personal, Profile
from kamavor.network.models import Point


class HouseholdForm(forms.Form):
    """Composition (a grid of 12 counts), flags, where the household stays, languages, notes."""

    point = forms.ModelChoiceField(
        label=gettext_lazy("Registered at"), queryset=Point.objects.none(), empty_label=None
    )
    flags = forms.MultipleChoiceField(
        label=gettext_lazy("Vulnerabilities"),
        choices=VULNERABILITIES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    shelter = forms.ModelChoiceField(
        label=gettext_lazy("Shelter"),
        queryset=Point.objects.none(),
        required=False,
        empty_label=gettext_lazy("— not in a shelter —"),
    )
    area = forms.CharField(
        label=gettext_lazy("Area (if not in a shelter)"), max_length=200, required=False
    )
    languages = forms.MultipleChoiceField(
        label=gettext_lazy("Languages"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes (no names or numbers)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, points=None, shelters=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for index, name in enumerate(COMPOSITION_FIELDS):
            field = BoundedIntegerField(min_value=0, max_value=MAX_PER_BAND, required=False)
            field.widget.attrs.update(
                {"inputmode": "numeric", "autocomplete": "off", "class": "count", "min": 0}
            )
            if index == 0:
                field.widget.attrs["autofocus"] = True
            self.fields[name] = field
        if points is None:
            del self.fields["point"]
        else:
            self.fields["point"].queryset = points
        self.fields["shelter"].queryset = shelters if shelters is not None else Point.objects.none()

    def grid(self) -> list[dict]:
        """Rows of the composition grid: one per sex, one cell (field and band label) per age
        band; each cell carries its own label, so a phone can show the grid as a list."""
        return [
            {
                "label": label,
                "cells": [
                    {"field": self[f"{sex}_{band}"], "band": band_label}
                    for band, band_label, *_rest in AGE_BANDS
                ],
            }
            for sex, label in SEXES
        ]

    def bands(self) -> list[str]:
        return [label for _band, label, *_rest in AGE_BANDS]

    @property
    def profile(self) -> Profile:
        data = self.cleaned_data
        return Profile(
            composition={name: data.get(name) or 0 for name in COMPOSITION_FIELDS},
            flags=data.get("flags") or [],
            shelter=data.get("shelter"),
            area=data.get("area", ""),
            languages=data.get("languages") or [],
            notes=data.get("notes", ""),
        )

    @classmethod
    def initial_for(cls, household) -> dict:
        return {
            **household.composition,
            "flags": household.flags,
            "shelter": household.shelter_id,
            "area": household.area,
            "languages": household.languages,
            "notes": household.notes,
        }


class PersonalForm(forms.Form):
    """Optional personal data: only what is needed, with the notice given and its basis."""

    collector_name = forms.CharField(
        label=gettext_lazy("Name of the person who collects"), max_length=200, required=False
    )
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=40, required=False)
    document = forms.CharField(
        label=gettext_lazy("Identity document number"), max_length=60, required=False
    )
    given_name = forms.CharField(label=gettext_lazy("Given name"), max_length=100, required=False)
    family_name = forms.CharField(label=gettext_lazy("Family name"), max_length=100, required=False)
    birth_date = forms.CharField(
        label=gettext_lazy("Birth date"),
        help_text=gettext_lazy("Day.month.year, or the year only; leave empty if not known."),
        max_length=20,
        required=False,
    )
    sex = forms.ChoiceField(
        label=gettext_lazy("Sex"),
        choices=[("", gettext_lazy("— not asked —")), *SEXES],
        required=False,
    )
    member_names = forms.CharField(
        label=gettext_lazy("Other members' first names"),
        help_text=gettext_lazy("Separated by commas; optional."),
        max_length=400,
        required=False,
    )
    basis = forms.ChoiceField(
        label=gettext_lazy("Basis"),
        choices=PersonalRecord.Basis.choices,
        initial=PersonalRecord.Basis.CONSENT,
    )
    notice_language = forms.ChoiceField(
        label=gettext_lazy("Privacy notice given in"), choices=settings.LANGUAGES
    )
    consent = forms.BooleanField(label=gettext_lazy("The person consents"), required=False)

    # What tells one person from another first; the single name field stays for older records.
    field_order = ["given_name", "family_name", "birth_date", "sex", "member_names",
                   "collector_name", "phone", "document"]  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("collector_name", "given_name", "family_name", "birth_date", "member_names",
                     "phone", "document"):  # fmt: skip
            # Never kept by the browser's autofill history on a shared desk laptop.
            self.fields[name].widget.attrs["autocomplete"] = "off"
        self.fields["phone"].widget.attrs["inputmode"] = "tel"

    @property
    def personal(self) -> Personal:
        data = self.cleaned_data
        return Personal(
            collector_name=data.get("collector_name", ""),
            phone=data.get("phone", ""),
            document=data.get("document", ""),
            given_name=data.get("given_name", ""),
            family_name=data.get("family_name", ""),
            birth_date=data.get("birth_date", ""),
            sex=data.get("sex", ""),
            member_names=data.get("member_names", ""),
            basis=data.get("basis") or PersonalRecord.Basis.CONSENT,
            notice_language=data.get("notice_language") or "hy",
            consent=bool(data.get("consent")),
        )

    @classmethod
    def initial_for(cls, current: dict, *, language: str) -> dict:
        """The form's initial values from `personal_data_for` (empty: nothing kept yet)."""
        if not current:
            return {"notice_language": language}
        return {
            "collector_name": current["collector_name"],
            "phone": current["phone"],
            "document": current["document"],
            "given_name": current.get("given_name", ""),
            "family_name": current.get("family_name", ""),
            "birth_date": current.get("birth_date", ""),
            "sex": current.get("sex", ""),
            "member_names": current.get("member_names", ""),
            "basis": current["basis"],
            "notice_language": current["notice_language"],
            "consent": current["consent_at"] is not None,
        }


class LookupForm(forms.Form):
    """An exact phone or identity document number, to find whose it is (coordinators only)."""

    by = forms.ChoiceField(
        label=gettext_lazy("Look up by"),
        choices=[
            ("phone", gettext_lazy("Phone")),
            ("document", gettext_lazy("Identity document number")),
        ],
        initial="phone",
        widget=forms.RadioSelect,
    )
    value = forms.CharField(
        label=gettext_lazy("Phone or document number, exactly"),
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    @property
    def lookup(self) -> dict[str, str]:
        """Keyword arguments for `services.look_up`."""
        return {self.cleaned_data["by"]: self.cleaned_data["value"]}


class RegisterForm(forms.Form):
    """What carries a registration through the duplicate check: its key and the confirmation."""

    key = forms.CharField(widget=forms.HiddenInput, max_length=200)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    @staticmethod
    def new_key() -> str:
        return uuid.uuid4().hex


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Household code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "off", "placeholder": "KX4M-7QAT"}
        ),
    )
