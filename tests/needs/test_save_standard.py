"""Creating and changing a standard through its service (as a spreadsheet import does)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from kamavor.needs.models import Standard
from kamavor.needs.services import save_standard


def _values(w, quantity: int = 2) -> dict:
    return {"item_id": w.soap.pk, "eligibility": "all", "per": "person", "quantity": quantity,
            "period_days": 30, "cap": None, "size_min": None, "size_max": None,
            "source": "Sphere"}  # fmt: skip


def test_a_standard_is_created_then_unchanged_then_updated(w):
    outcome, standard = save_standard(organisation_id=w.org.pk, code="soap-monthly",
                                      values=_values(w), by=w.coordinator)  # fmt: skip
    assert outcome == "created"
    assert save_standard(organisation_id=w.org.pk, code="soap-monthly", values=_values(w),
                         by=w.coordinator)[0] == "unchanged"  # fmt: skip
    assert save_standard(organisation_id=w.org.pk, code="soap-monthly", values=_values(w, 3),
                         by=w.coordinator)[0] == "updated"  # fmt: skip
    assert Standard.objects.get(pk=standard.pk).quantity == 3


def test_only_a_planner_writes_standards(w):
    with pytest.raises(PermissionDenied):
        save_standard(organisation_id=w.org.pk, code="x", values=_values(w), by=w.volunteer)
    assert not Standard.objects.filter(code="x").exists()
