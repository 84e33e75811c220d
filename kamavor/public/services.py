"""Changes to a point's public page: what it accepts, whether it is listed, and the
coordinator's pins and overrides of its "needed now" lines."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.catalogue.models import Category, Item
from kamavor.core.errors import InvalidInput
from kamavor.network.access import Action, may
from kamavor.network.models import Point
from kamavor.public.models import Level, NeedOverride, PublicPage

NOTE_LIMIT = 200
PAGE_NOTE_LIMIT = 300


def _require(by, point: Point) -> None:
    if not may(by, point.organisation_id, Action.PUBLISH_NEEDS):
        raise PermissionDenied


def _note(value: str, limit: int) -> str:
    value = (value or "").replace("\x00", "").strip()
    if len(value) > limit:
        raise InvalidInput(
            _("The note is too long (at most %(n)d characters).") % {"n": limit}, field="note"
        )
    return value


def set_override(
    *,
    point: Point,
    item: Item | None = None,
    category: Category | None = None,
    level: str = "",
    pinned: bool = False,
    note: str = "",
    by,
) -> NeedOverride | None:
    """Pin, override or annotate one line of the point's list; with nothing left to say the
    line goes back to its computed level (and None is returned)."""
    _require(by, point)
    if (item is None) == (category is None):
        raise InvalidInput(_("Choose an item or a category."), field="item")
    if level and level not in Level.values:
        raise InvalidInput(_("Choose a level from the list."), field="level")
    note = _note(note, NOTE_LIMIT)
    target = {"item": item} if item else {"category": category}
    with transaction.atomic():
        if not (level or pinned or note):
            NeedOverride.objects.filter(point=point, **target).delete()
            return None
        override, _created = NeedOverride.objects.update_or_create(
            point=point,
            **target,
            defaults={
                "level": level,
                "pinned": pinned,
                "note": note,
                "updated_by": by,
                "updated_at": timezone.now(),
            },
        )
    return override


def update_page(
    *,
    point: Point,
    listed: bool,
    accepts: Iterable[Category],
    note: str = "",
    note_translations: dict[str, str] | None = None,
    by,
) -> PublicPage:
    """Whether the point is listed, what it accepts (none chosen: everything) and a note,
    with the note per language if given (`{"ru": ...}`; empty: the default note shows)."""
    _require(by, point)
    note = _note(note, PAGE_NOTE_LIMIT)
    translated = {
        f"note_{code}": _note(text, PAGE_NOTE_LIMIT)
        for code, text in (note_translations or {}).items()
        if code in dict(settings.LANGUAGES)
    }
    with transaction.atomic():
        page, _created = PublicPage.objects.get_or_create(point=point)
        page.listed = listed
        page.note = note
        for field, text in translated.items():
            setattr(page, field, text)
        page.updated_at = timezone.now()
        page.save(update_fields=["listed", "note", *translated, "updated_at"])
        page.accepts.set(list(accepts))
    return page
