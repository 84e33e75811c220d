"""Changes to accounts that are more than one row: a password change and the lock-down."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.http import HttpRequest

from kamavor.accounts import sessions
from kamavor.network.models import Member, Organisation
from kamavor.network.services import revoke_tokens_of
from kamavor.privacy.models import AuditEntry


@dataclass
class LockDown:
    sessions: int
    tokens: int


@transaction.atomic
def change_password(*, request: HttpRequest, form) -> int:
    """Save the new password (the form ran Django's validators); this session stays signed in,
    every other session of the member ends. How many others were ended."""
    user = form.save()
    old_key = request.session.session_key
    update_session_auth_hash(request, user)
    new_key = request.session.session_key
    sessions.rekey(old_key=old_key, new_key=new_key)
    # Django already refuses sessions signed with the old password: only the records are left.
    return sessions.end_sessions(user_ids=[user.pk], keep_key=new_key, unrecorded=False)


@transaction.atomic
def lock_down(*, organisation: Organisation, by, keep_session_key: str | None) -> LockDown:
    """End every session and revoke every API token of every member of the organisation (a
    seized phone, an arrest), except the session the admin acts from; written to the audit log.
    """
    user_ids = list(
        Member.objects.filter(organisation=organisation).values_list("user_id", flat=True)
    )
    ended = sessions.end_sessions(user_ids=user_ids, keep_key=keep_session_key)
    revoked = revoke_tokens_of(user_ids=user_ids)
    AuditEntry.objects.create(
        user=by,
        organisation=organisation,
        household=None,
        action=AuditEntry.Action.LOCKDOWN,
        note=f"sessions: {ended}, tokens: {revoked}, members: {len(user_ids)}",
    )
    return LockDown(sessions=ended, tokens=revoked)
