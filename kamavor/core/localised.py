"""Text given in several languages: `obj.tr.name` is the name in the page's language.

A translatable field keeps its original column as the default text (what was written before
translations existed, in the organisation's own language) and gets optional siblings
`<field>_hy`, `<field>_ru`, `<field>_en`. Reading falls back from the page's language to the
default text, then to the network's default language, then to any language given.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def local_text(obj: object, field: str, language: str | None = None) -> str:
    """The text of `field` for `language` (default: the active one), falling back sensibly."""
    language = (language or translation.get_language() or settings.LANGUAGE_CODE)[:2]
    order = [f"{field}_{language}", field, f"{field}_{settings.LANGUAGE_CODE}"]
    order += [f"{field}_{code}" for code in language_codes()]
    # A read that loaded only some fields (`.only("point__name")`) gets the default text rather
    # than one query per object for the translations it left out.
    deferred = obj.get_deferred_fields() if hasattr(obj, "get_deferred_fields") else set()
    for name in order:
        if name in deferred:
            continue
        value = getattr(obj, name, "")
        if value:
            return value
    return ""


class _Local:
    __slots__ = ("_obj",)

    def __init__(self, obj: object) -> None:
        self._obj = obj

    def __getattr__(self, field: str) -> str:
        return local_text(self._obj, field)

    def __getitem__(self, field: str) -> str:  # templates try item lookup first
        if field.startswith("_"):
            raise KeyError(field)
        return local_text(self._obj, field)


class Localised:
    """Mixin for models with translated text: `{{ point.tr.name }}`, `shift.tr.notes`."""

    @property
    def tr(self) -> _Local:
        return _Local(self)
