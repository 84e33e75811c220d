"""Shifts and sign-ups as a coordinator may reach them: through their point (see
kamavor.network.decorators.point_view), else 404."""

from __future__ import annotations

from django.http import Http404

from kamavor.network.models import Point
from kamavor.volunteers.models import Shift, SignUp


def get_shift_at(point: Point, shift_id) -> Shift:
    shift = Shift.objects.select_related("point").filter(point=point, pk=shift_id).first()
    if shift is None:
        raise Http404
    return shift


def get_signup_at(shift: Shift, signup_id) -> SignUp:
    signup = (
        SignUp.objects.select_related("shift", "shift__point", "volunteer")
        .filter(shift=shift, pk=signup_id)
        .first()
    )
    if signup is None:
        raise Http404
    return signup
