"""Whole numbers typed into forms and sent to the API, held within what the databases store.

Python's integers have no limit; SQLite's and PostgreSQL's largest integer is 2**63 - 1, and
a larger one sent to SQLite raises OverflowError (a 500) instead of a clear error. Every form
and API that takes an integer takes it through these: a bounded form field, the API's
annotated types (whose bounds the OpenAPI description states), and parsers for views that read
the request by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from django import forms
from django.utils.translation import gettext as _
from pydantic import Field, StrictInt, WithJsonSchema

from kamavor.core.errors import InvalidInput

MAX_INT = 2**63 - 1  # the largest integer SQLite and PostgreSQL (bigint) store
MIN_INT = -MAX_INT
MAX_ID = MAX_INT

# For the API: an object's id in a body, one in the path, and any integer a column can hold
# (the services check the real limits of each and say them in the user's language).
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
# A path's id states its range; one that no row can have is simply not found (404).
PathId = Annotated[int, WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_ID})]
Int = Annotated[StrictInt, Field(ge=MIN_INT, le=MAX_INT)]


def checked_int(minimum: int, maximum: int) -> Any:
    """An API integer whose limits the OpenAPI description states while its service checks
    them: a number out of range (10**30 included) gets the service's own error, which names
    the line and the field in the user's language, rather than the schema's generic one."""
    return Annotated[StrictInt, Field(json_schema_extra={"minimum": minimum, "maximum": maximum})]


def number_error(minimum: int, maximum: int, *, field: str = "") -> InvalidInput:
    """The error for a number that is not a whole number within these bounds."""
    return InvalidInput(
        _("Enter a whole number from %(min)s to %(max)s.") % {"min": minimum, "max": maximum},
        code="invalid_number",
        field=field,
    )


def whole_number(
    value: object, *, minimum: int = MIN_INT, maximum: int = MAX_INT, field: str = ""
) -> int:
    """The whole number typed (spaces around it are fine), or InvalidInput when it is not one
    or lies outside [minimum, maximum]."""
    text = str(value).strip() if value is not None else ""
    if isinstance(value, bool) or not text or len(text) > 40:
        raise number_error(minimum, maximum, field=field)
    try:
        number = int(text)
    except ValueError:
        raise number_error(minimum, maximum, field=field) from None
    if not minimum <= number <= maximum:
        raise number_error(minimum, maximum, field=field)
    return number


def object_id(value: object) -> int | None:
    """An object's id read from a request, or None when it cannot be one (so that it finds
    nothing, as an unknown id does)."""
    try:
        return whole_number(value, minimum=1, maximum=MAX_ID)
    except InvalidInput:
        return None


def object_ids(values: Iterable[object], *, field: str = "") -> list[int]:
    """Ids chosen in a list (checkboxes): refused as a whole if one cannot be an id."""
    ids = []
    for value in values:
        number = object_id(value)
        if number is None:
            raise InvalidInput(_("Choose from the list."), code="unknown_choice", field=field)
        if number not in ids:
            ids.append(number)
    return ids


class BoundedIntegerField(forms.IntegerField):
    """A form's whole number, never beyond what the database stores, whatever its own bounds
    (Django's translated messages say which numbers are allowed)."""

    def __init__(self, *, min_value: int | None = None, max_value: int | None = None, **kwargs):
        min_value = MIN_INT if min_value is None else max(min_value, MIN_INT)
        max_value = MAX_INT if max_value is None else min(max_value, MAX_INT)
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)
