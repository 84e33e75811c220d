"""Changes to the network: API tokens, and the texts of a point per language (organisations,
points and members are otherwise kept in the admin)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kamavor.core import rows
from kamavor.core.errors import Conflict, InvalidInput
from kamavor.core.localised import language_codes
from kamavor.lib.translit import to_latin
from kamavor.network.access import Action, may, remember_roles
from kamavor.network.models import ApiToken, Member, Organisation, Point

TOKEN_PREFIX = "kmv_"
TOKEN_DAYS = 90  # a token's life unless told otherwise
TOKEN_MAX_DAYS = 3650


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, user, name: str = "", days: int | None = None, label: str = "") -> str:
    """A new API token for the user, named, expiring after `days` (90 unless told). Only its
    digest is stored: show it once. (`label` is the old name of `name`.)"""
    days = TOKEN_DAYS if days is None else days
    if not 1 <= days <= TOKEN_MAX_DAYS:
        raise ValueError(f"a token lives 1 to {TOKEN_MAX_DAYS} days")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        digest=digest(token),
        name=(name or label)[:100],
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    return token


def user_for_token(token: str):
    """The active user a bearer token belongs to, or None (unknown, revoked or expired); with
    the user's roles read in the same query (one row per membership), so that a request's
    access checks ask for no more. The last use is written at most every 5 minutes."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    key = digest(token)
    now = timezone.now()
    memberships = _memberships_of_token(key, now)
    if memberships:
        user = memberships[0][0]
        found = ApiToken(pk=memberships[0][1], user=user, last_used_at=memberships[0][2])
        remember_roles(user, {organisation: role for *_, organisation, role in memberships})
    else:  # a superuser, or someone who belongs to no organisation (any more)
        found = (
            ApiToken.objects.filter(
                digest=key, revoked=False, expires_at__gt=now, user__is_active=True
            )
            .select_related("user")
            .first()
        )
        if found is None:
            return None
        user = found.user
        remember_roles(user, {})
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return user


def _memberships_of_token(key: str, now: dt.datetime) -> list[tuple]:
    """(user, token id, token's last use, organisation id, role) per membership of the active
    user whose active token has this digest: one hand-written SELECT, the user built once
    (kamavor.core.rows; the ORM's compilation of this join cost more than the statement)."""
    user_model = get_user_model()
    quote = connection.ops.quote_name
    sql = _TOKEN_SQL.get(connection.vendor)
    if sql is None:
        sql = _TOKEN_SQL[connection.vendor] = (
            "SELECT t.id, t.last_used_at, m.organisation_id, m.role, "
            f"{rows.columns(user_model, 'u')} "
            f"FROM {quote(ApiToken._meta.db_table)} t "
            f"JOIN {quote(user_model._meta.db_table)} u ON u.id = t.user_id "
            f"JOIN {quote(Member._meta.db_table)} m ON m.user_id = u.id "
            "WHERE t.digest = %s AND t.revoked = %s AND t.expires_at > %s AND u.is_active = %s"
        )
    params = [key, False, connection.ops.adapt_datetimefield_value(now), True]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    if not found:
        return []
    user = rows.instance(user_model, found[0], 4)
    used_field = ApiToken._meta.get_field("last_used_at")
    used = rows.instance_value(used_field, found[0][1])
    return [(user, row[0], used, row[2], row[3]) for row in found]


_TOKEN_SQL: dict[str, str] = {}


@transaction.atomic
def revoke_token(*, user, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False when they have no such active token."""
    return bool(ApiToken.objects.filter(user=user, pk=token_id, revoked=False).update(revoked=True))


@transaction.atomic
def revoke_tokens_of(*, user_ids) -> int:
    """Revoke every token of these users (a lock-down); how many were still open."""
    return ApiToken.objects.active().filter(user_id__in=list(user_ids)).update(revoked=True)


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


def save_point(*, organisation: Organisation, name: str, values: dict, by) -> tuple[str, Point]:
    """Create the organisation's point of this name, or change it where `values` (kind,
    texts, coordinates, already checked by the caller) differ; "created", "updated" or
    "unchanged", and the point. A new point's slug is made from its name in Latin letters."""
    if not may(by, organisation.pk, Action.IMPORT_DATA):
        raise PermissionDenied
    with transaction.atomic():
        point = Point.objects.filter(organisation=organisation, name=name).first()
        if point is not None:
            if all(getattr(point, key) == value for key, value in values.items()):
                return "unchanged", point
            for key, value in values.items():
                setattr(point, key, value)
            point.save(update_fields=list(values))
            return "updated", point
        base = slugify(to_latin(name))[:40] or "point"
        slug, n = base, 1
        while Point.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        point = Point.objects.create(organisation=organisation, name=name, slug=slug, **values)
        return "created", point
