"""Shifts for the volunteers' and public pages' tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kamavor.volunteers import services
from kamavor.volunteers.models import Shift
from tests.factories import World


def make_shift(
    w: World,
    *,
    point=None,
    in_hours: int = 24,
    hours: int = 4,
    hands: int = 3,
    task="sorting",
    by=None,
) -> Shift:
    starts = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(
        hours=in_hours
    )
    return services.create_shift(
        point=point or w.point,
        task=task,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=hours),
        hands_needed=hands,
        notes="Bring gloves",
        by=by or w.coordinator,
    )


def sign(shift: Shift, name="Ani", phone="+374 91 234567", email="ani@example.org", ip="10.0.0.1"):
    return services.sign_up(
        shift=shift, name=name, phone=phone, email=email, languages=["hy"], address=ip
    )
