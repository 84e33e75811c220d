"""An installation upgraded from the layout where households and volunteers owned their audit
logs keeps every audit row, now read through the privacy app."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from kamavor.households.models import Household
from kamavor.privacy.models import AuditEntry, ContactAudit
from kamavor.volunteers.models import Shift, Volunteer
from tests.factories import make_org, make_point, make_user

OLD = [
    ("households", "0002_registration_key"),
    ("volunteers", "0001_initial"),
    ("privacy", None),
]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_audit_rows_written_before_the_move_are_kept():
    org = make_org("Upgrade bank")
    point = make_point(org, "Upgrade point")
    user = make_user("upgrader")
    household = Household.objects.create(code="UPGR4DE1", organisation=org, registered_by=user)
    now = timezone.now()
    shift = Shift.objects.create(
        point=point, task="intake", starts_at=now, ends_at=now + dt.timedelta(hours=2),
        hands_needed=2, created_by=user,
    )  # fmt: skip
    volunteer = Volunteer.objects.create(name_sealed="x", link_digest="d" * 64)
    try:
        executor = _migrate(OLD)
        old = executor.loader.project_state(OLD[:2]).apps
        assert not any(m._meta.app_label == "privacy" for m in old.get_models())
        old.get_model("households", "AuditEntry").objects.create(
            user_id=user.pk, organisation_id=org.pk, household_id=household.pk,
            action="view", fields=["phone"], note="before the move",
        )  # fmt: skip
        old.get_model("volunteers", "ContactAudit").objects.create(
            user_id=user.pk, organisation_id=org.pk, volunteer_id=volunteer.pk,
            shift_id=shift.pk, action="export", fields=["name"],
        )  # fmt: skip
    finally:
        _migrate(_latest())
    entry = AuditEntry.objects.get(note="before the move")
    assert (entry.household, entry.user, entry.fields) == (household, user, ["phone"])
    assert household.audit_entries.get() == entry
    contact = ContactAudit.objects.get()
    assert (contact.volunteer_id, contact.shift_id, contact.action) == (
        volunteer.pk, shift.pk, "export",
    )  # fmt: skip
