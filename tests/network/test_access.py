"""The access helpers: other organisations' points do not exist; roles limit what one may do."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from kamavor.network.access import Action, get_point_for, points_for


def test_a_member_gets_their_points(w):
    assert get_point_for(w.volunteer, w.point.pk) == w.point
    assert {p.pk for p in points_for(w.volunteer)} == {w.point.pk, w.warehouse.pk}


@pytest.mark.parametrize("point_id", ["nonsense", None, 10**9])
def test_bad_ids_are_not_found(w, point_id):
    with pytest.raises(Http404):
        get_point_for(w.volunteer, point_id)


def test_another_organisations_point_is_not_found(w):
    with pytest.raises(Http404):
        get_point_for(w.outsider, w.point.pk)


def test_roles_limit_actions(w):
    with pytest.raises(PermissionDenied):
        get_point_for(w.volunteer, w.point.pk, Action.PURCHASE)
    with pytest.raises(PermissionDenied):
        get_point_for(w.partner, w.point.pk, Action.VIEW_STOCK)
    assert get_point_for(w.coordinator, w.point.pk, Action.PURCHASE) == w.point
    assert points_for(w.partner, Action.INTAKE) == []
