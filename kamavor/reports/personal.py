"""The one export that holds personal fields: households with their names, phones and document
numbers, for a coordinator who may see them. It is a separate action (a form posted on
purpose, never a link in a list), and every household it opens is written to the audit log in
the same transaction that decides the export, before a byte of it leaves."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kamavor.network.access import Action, may, organisations_for
from kamavor.privacy.audit import AuditEntry, record_households
from kamavor.reports.exports import Column, Table

NOTE = "reports: personal export"


def personal_organisations(user) -> list[int]:
    """The organisations whose households' personal fields the user may see."""
    return [o for o in organisations_for(user) if may(user, o, Action.VIEW_PERSONAL_DATA)]


def export_personal_households(*, by, organisation_ids: list[int] | None = None) -> Table:
    """Households with personal data of the organisations where `by` may see it, their
    fields opened; one audit entry per household, written before the table is returned."""
    from kamavor.households.models import PersonalData
    from kamavor.households.services import PERSONAL_FIELDS
    from kamavor.privacy.sealing import vault

    allowed = personal_organisations(by)
    wanted = allowed if organisation_ids is None else [o for o in organisation_ids if o in allowed]
    if not wanted:
        raise PermissionDenied
    records = list(
        PersonalData.objects.filter(household__organisation_id__in=wanted)
        .select_related("household", "household__organisation")
        .order_by("household__code")
    )
    v = vault()
    rows = []
    targets = []
    for record in records:
        opened = [v.open(getattr(record, f"{name}_sealed")) for name in PERSONAL_FIELDS]
        household = record.household
        shown = [name for name, value in zip(PERSONAL_FIELDS, opened, strict=True) if value]
        targets.append((household.organisation_id, household.pk, shown))
        rows.append(
            (household.display_code, household.organisation.name, *opened, record.basis,
             record.consent_at)
        )  # fmt: skip
    with transaction.atomic():
        record_households(by=by, action=AuditEntry.Action.EXPORT, targets=targets, note=NOTE)
    labels = {
        "collector_name": _("Name"),
        "given_name": _("Given name"),
        "family_name": _("Family name"),
        "birth_date": _("Birth date"),
        "sex": _("Sex"),
        "member_names": _("Other members' first names"),
        "phone": _("Phone"),
        "document": _("Document number"),
    }
    columns = [
        Column("household_code", _("Household code")),
        Column("organisation", _("Organisation")),
        # One column per sealed field, in the order they were opened above.
        *(Column(name, labels.get(name, name)) for name in PERSONAL_FIELDS),
        Column("basis", _("Legal basis")),
        Column("consent_at", _("Consent given")),
    ]
    return Table("households-personal", columns, _rows(rows))


def _rows(rows: list[tuple]) -> Iterator[tuple]:
    yield from rows
