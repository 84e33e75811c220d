"""`{{ moment|weekday_datetime }}`: a weekday, date and time in the page's language, in the
order that language writes it (Armenian "չորեքշաբթի, դեկտեմբերի 2, 10:00", Russian
"ср, 2 декабря, 10:00"), from WEEKDAY_DATETIME_FORMAT in kamavor/formats/<lang>/."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import formats, timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import get_language, pgettext_lazy

register = template.Library()

# The month names in the genitive that the "E" date format prints. Django's own Armenian
# catalogue has none (it printed "2 Դեկտեմբեր"): Kamavor's catalogue translates them, and
# naming them here keeps them in it when messages are collected again.
GENITIVE_MONTHS = (
    pgettext_lazy("alt. month", "January"),
    pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"),
    pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"),
    pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"),
    pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"),
    pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"),
    pgettext_lazy("alt. month", "December"),
)
FALLBACK = "D j E, H:i"


def weekday_datetime_format(language: str | None = None) -> str:
    for module in formats.iter_format_modules(language or get_language() or "en"):
        found = getattr(module, "WEEKDAY_DATETIME_FORMAT", None)
        if found:
            return found
    return FALLBACK


@register.filter
def weekday_datetime(value: dt.datetime | None) -> str:
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return format_date(value, weekday_datetime_format())
