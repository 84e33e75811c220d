"""Coordinators' forms for shifts: parsing only; the services decide what is allowed."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kamavor.core.numbers import BoundedIntegerField
from kamavor.volunteers.models import WEEKDAYS, Task
from kamavor.volunteers.services import MAX_HANDS, NOTES_LIMIT


class NotesInLanguages(forms.Form):
    """The notes per language, next to the default notes."""

    notes_hy = forms.CharField(label=_("notes (Armenian)"), max_length=NOTES_LIMIT, required=False)
    notes_ru = forms.CharField(label=_("notes (Russian)"), max_length=NOTES_LIMIT, required=False)
    notes_en = forms.CharField(label=_("notes (English)"), max_length=NOTES_LIMIT, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields([name for name in self.fields if not name.startswith("notes_")])

    def notes_translations(self) -> dict[str, str]:
        return {code: self.cleaned_data[f"notes_{code}"] for code in ("hy", "ru", "en")}


class ShiftForm(NotesInLanguages):
    task = forms.ChoiceField(label=_("task"), choices=Task.choices)
    day = forms.DateField(label=_("day"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("from"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("to"), widget=forms.TimeInput(attrs={"type": "time"}))
    hands_needed = BoundedIntegerField(label=_("hands needed"), min_value=1, max_value=MAX_HANDS)
    notes = forms.CharField(label=_("notes"), max_length=NOTES_LIMIT, required=False)

    def times(self) -> tuple[dt.datetime, dt.datetime]:
        zone = timezone.get_current_timezone()
        day = self.cleaned_data["day"]
        return (
            dt.datetime.combine(day, self.cleaned_data["start"], zone),
            dt.datetime.combine(day, self.cleaned_data["end"], zone),
        )


class TemplateForm(NotesInLanguages):
    task = forms.ChoiceField(label=_("task"), choices=Task.choices)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("weekdays"), choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    start = forms.TimeField(label=_("from"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("to"), widget=forms.TimeInput(attrs={"type": "time"}))
    hands_needed = BoundedIntegerField(label=_("hands needed"), min_value=1, max_value=MAX_HANDS)
    starts_on = forms.DateField(
        label=_("first day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("last day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(label=_("notes"), max_length=NOTES_LIMIT, required=False)


class WriteForm(forms.Form):
    subject = forms.CharField(label=_("subject"), max_length=150)
    message = forms.CharField(label=_("message"), max_length=4000, widget=forms.Textarea)
