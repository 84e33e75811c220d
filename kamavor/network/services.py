"""Changes to the network: API tokens (organisations, points and members are kept in the admin)."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from kamavor.network.models import ApiToken

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
