"""Changes to the network: API tokens, and the texts of a point per language (organisations,
points and members are otherwise kept in the admin)."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.core.errors import Conflict, InvalidInput
from kamavor.core.localised import language_codes
from kamavor.network.access import Action, may
from kamavor.network.models import ApiToken, Point

TOKEN_PREFIX = "kmv_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, user, label: str = "") -> str:
    """A new API token for the user. Only its digest is stored: show it once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, digest=digest(token), label=label[:100])
    return token


def user_for_token(token: str):
    """The active user a bearer token belongs to, or None."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    found = (
        ApiToken.objects.filter(digest=digest(token), revoked=False, user__is_active=True)
        .select_related("user")
        .first()
    )
    if found is None:
        return None
    now = timezone.now()
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 300:
        found.last_used_at = now
        found.save(update_fields=["last_used_at"])
    return found.user


# A point's texts that a coordinator may give per language: field name -> longest length.
POINT_TEXTS = {"name": 200, "address": 300, "opening_hours": 300}


def update_point_texts(*, point: Point, texts: dict[str, str], by) -> Point:
    """Change a point's name, address and opening hours: the default text (`name`, ...) and
    the text per language (`name_hy`, ...; empty: fall back to the default). Only the keys
    given change. The default name may not be emptied nor taken by another point."""
    if not may(by, point.organisation_id, Action.PUBLISH_NEEDS):
        raise PermissionDenied
    allowed = {
        f"{name}{suffix}": limit
        for name, limit in POINT_TEXTS.items()
        for suffix in ["", *(f"_{code}" for code in language_codes())]
    }
    changes = {}
    for key, value in texts.items():
        if key not in allowed:
            raise InvalidInput(_("Unknown field: %(field)s") % {"field": key}, field=key)
        value = " ".join((value or "").replace("\x00", "").split())
        if len(value) > allowed[key]:
            raise InvalidInput(
                _("Too long (at most %(n)d characters).") % {"n": allowed[key]}, field=key
            )
        changes[key] = value
    if "name" in changes and not changes["name"]:
        raise InvalidInput(_("A point needs a name."), field="name")
    with transaction.atomic():
        point = Point.objects.select_for_update().get(pk=point.pk)
        if (
            changes.get("name")
            and Point.objects.filter(organisation_id=point.organisation_id, name=changes["name"])
            .exclude(pk=point.pk)
            .exists()
        ):
            raise Conflict(_("Another point of the organisation has this name."), field="name")
        for key, value in changes.items():
            setattr(point, key, value)
        if changes:
            point.save(update_fields=list(changes))
    return point
