"""A member's signed-in sessions: recorded at sign-in, listed, and ended one by one or all at
once (a lost phone). Sessions are Django's database sessions; the records only say whose they
are, so listing a member's sessions never reads anyone else's."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from kamavor.accounts.models import SessionRecord
from kamavor.lib.user_agents import describe


@dataclass
class SignedIn:
    """One of the member's sessions as their list shows it."""

    id: int
    created_at: object
    browser: str
    system: str
    current: bool


def _alive():
    return Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")


def on_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Record the new session under its member (the user_logged_in signal)."""
    if request is None or not hasattr(request, "session"):
        return
    from kamavor.accounts.second_factor import HAS_DEVICE, has_device

    if has_device(user):
        request.session[HAS_DEVICE] = True
    if request.session.session_key is None:
        request.session.save()
    record(user=user, session_key=request.session.session_key, request=request)


def on_logout(sender, request: HttpRequest | None, user, **kwargs) -> None:
    if request is not None and getattr(request, "session", None) is not None:
        key = request.session.session_key
        if key:
            SessionRecord.objects.filter(session_key=key).delete()


@transaction.atomic
def record(*, user, session_key: str, request: HttpRequest) -> None:
    """Record a session, and forget the member's sessions that have ended since."""
    SessionRecord.objects.filter(user=user).exclude(session_key__in=_alive()).delete()
    browser, system = describe(request.META.get("HTTP_USER_AGENT", ""))
    SessionRecord.objects.update_or_create(
        session_key=session_key,
        defaults={"user": user, "browser": browser[:40], "system": system[:40]},
    )


@transaction.atomic
def rekey(*, old_key: str | None, new_key: str | None) -> None:
    """The session kept its member under a new key (a password change cycles it)."""
    if old_key and new_key and old_key != new_key:
        SessionRecord.objects.filter(session_key=old_key).update(session_key=new_key)


def sessions_of(user, *, current_key: str | None) -> list[SignedIn]:
    """The member's sessions that are still open, newest first, the current one marked."""
    records = SessionRecord.objects.filter(user=user, session_key__in=_alive())
    return [
        SignedIn(
            id=r.pk,
            created_at=r.created_at,
            browser=r.browser,
            system=r.system,
            current=r.session_key == current_key,
        )
        for r in records
    ]


@transaction.atomic
def end_session(*, user, record_id: int, current_key: str | None) -> bool:
    """End one of the member's other sessions; False if there is no such session."""
    found = (
        SessionRecord.objects.filter(user=user, pk=record_id)
        .exclude(session_key=current_key or "")
        .first()
    )
    if found is None:
        return False
    Session.objects.filter(session_key=found.session_key).delete()
    found.delete()
    return True


@transaction.atomic
def end_sessions(*, user_ids, keep_key: str | None = None, unrecorded: bool = True) -> int:
    """End every session of these users except `keep_key`; how many were open.

    Recorded sessions are found by their records; with `unrecorded`, the unexpired sessions
    that have no record (opened before sessions were recorded, or anonymous) are read once too,
    so that a lock-down or a lost phone misses none."""
    user_ids = {int(pk) for pk in user_ids}
    keys = set(
        SessionRecord.objects.filter(user_id__in=user_ids)
        .exclude(session_key=keep_key or "")
        .values_list("session_key", flat=True)
    )
    others = Session.objects.filter(expire_date__gt=timezone.now()).exclude(
        session_key__in=SessionRecord.objects.values("session_key")
    )
    for session in others.iterator() if unrecorded else ():
        owner = session.get_decoded().get("_auth_user_id")
        if owner is not None and str(owner).isdigit() and int(owner) in user_ids:
            keys.add(session.session_key)
    keys.discard(keep_key)
    ended, _ = Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now()).delete()
    SessionRecord.objects.filter(user_id__in=user_ids).exclude(session_key=keep_key or "").delete()
    Session.objects.filter(session_key__in=keys).delete()
    return ended
