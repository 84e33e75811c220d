"""Creating and changing a point through its service (as a spreadsheet import does)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from kamavor.network.models import Point
from kamavor.network.services import save_point


def test_a_point_is_created_then_unchanged_then_updated(w):
    values = {"kind": Point.Kind.COLLECTION, "city": "Goris"}
    outcome, point = save_point(organisation=w.org, name="Ջերմուկ կենտրոն", values=values,
                                by=w.coordinator)  # fmt: skip
    assert outcome == "created" and point.slug.startswith("jermuk")
    again = save_point(organisation=w.org, name="Ջերմուկ կենտրոն", values=values, by=w.coordinator)
    assert again == ("unchanged", point)
    changed = {**values, "city": "Jermuk"}
    assert save_point(organisation=w.org, name="Ջերմուկ կենտրոն", values=changed,
                      by=w.coordinator)[0] == "updated"  # fmt: skip
    assert Point.objects.get(pk=point.pk).city == "Jermuk"


def test_only_who_may_import_creates_points(w):
    with pytest.raises(PermissionDenied):
        save_point(organisation=w.org, name="Nowhere", values={"kind": "collection"},
                   by=w.volunteer)  # fmt: skip
    assert not Point.objects.filter(name="Nowhere").exists()
