"""Changes to the network: API tokens (organisations, points and members are kept in the admin)."""

from __future__ import annotations

import hashlib
import secrets

from django.db.models import F
from django.utils import timezone

from kamavor.network.access import remember_roles
from kamavor.network.models import ApiToken, Member

TOKEN_PREFIX = "kmv_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, user, label: str = "") -> str:
    """A new API token for the user. Only its digest is stored: show it once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, digest=digest(token), label=label[:100])
    return token


def user_for_token(token: str):
    """The active user a bearer token belongs to, or None; with the user's roles read in the
    same query (one row per membership), so that a request's access checks ask for no more."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    key = digest(token)
    memberships = list(
        Member.objects.filter(
            user__api_tokens__digest=key, user__api_tokens__revoked=False, user__is_active=True
        )
        .select_related("user")
        .annotate(
            token_id=F("user__api_tokens__id"), token_used_at=F("user__api_tokens__last_used_at")
        )
        .only("organisation_id", "role", "user")
    )
    if memberships:
        user = memberships[0].user
        found = ApiToken(
            pk=memberships[0].token_id, user=user, last_used_at=memberships[0].token_used_at
        )
        remember_roles(user, {m.organisation_id: m.role for m in memberships})
    else:  # a superuser, or someone who belongs to no organisation (any more)
        found = (
            ApiToken.objects.filter(digest=key, revoked=False, user__is_active=True)
            .select_related("user")
            .first()
        )
        if found is None:
            return None
        user = found.user
        remember_roles(user, {})
    now = timezone.now()
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return user
