"""Writing and reading the audit log of personal data: the only way entries are made.

Every look at a sealed value, export, change or erasure is recorded here by the service that
did it, in the same transaction; administrators read the log through `household_log`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from django.db.models import QuerySet

from kamavor.privacy.models import AuditEntry, ContactAudit

__all__ = ["AuditEntry", "ContactAudit", "contact_log", "household_log", "record_contacts"]


def _actor(by):
    """The user to record: nobody for a command or an anonymous visitor."""
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def record_household(
    *,
    by,
    organisation_id: int,
    household_id: int | None,
    action: str,
    fields: Sequence[str] = (),
    note: str = "",
) -> AuditEntry:
    """One entry about one household (or, with no household, about a search that found none)."""
    return AuditEntry.objects.create(
        user=_actor(by),
        organisation_id=organisation_id,
        household_id=household_id,
        action=action,
        fields=list(fields),
        note=note[:200],
    )


def record_households(
    *,
    by,
    action: str,
    targets: Iterable[tuple[int, int | None, Sequence[str]]],
    note: str = "",
) -> None:
    """One entry per (organisation id, household id or None, fields), written at once."""
    user = _actor(by)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            user=user,
            organisation_id=organisation_id,
            household_id=household_id,
            action=action,
            fields=list(fields),
            note=note[:200],
        )
        for organisation_id, household_id, fields in targets
    )


def record_contacts(
    *,
    by,
    organisation_id: int,
    volunteer_ids: Iterable[int],
    action: str,
    fields: Sequence[str],
    shift_id: int | None = None,
) -> None:
    """One entry per volunteer whose contact data was opened, exported or written to."""
    user = _actor(by)
    ContactAudit.objects.bulk_create(
        ContactAudit(
            user=user,
            organisation_id=organisation_id,
            volunteer_id=volunteer_id,
            shift_id=shift_id,
            action=action,
            fields=list(fields),
        )
        for volunteer_id in volunteer_ids
    )


def household_log(
    *, organisation_ids: Collection[int], household_code: str = ""
) -> QuerySet[AuditEntry]:
    """The households' entries of these organisations, newest first (one household's only when
    its code is given, typed with or without the dash)."""
    entries = (
        AuditEntry.objects.filter(organisation_id__in=list(organisation_ids))
        .select_related("user", "household")
        .order_by("-at", "-pk")
    )
    code = household_code.strip().upper().replace("-", "")
    if code:
        entries = entries.filter(household__code=code)
    return entries


def contact_log(*, organisation_ids: Collection[int]) -> QuerySet[ContactAudit]:
    """The volunteers' contact entries of these organisations, newest first."""
    return (
        ContactAudit.objects.filter(organisation_id__in=list(organisation_ids))
        .select_related("user", "shift")
        .order_by("-at", "-pk")
    )
