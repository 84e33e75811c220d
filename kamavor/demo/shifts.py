"""Shifts for the demo network: repeating shifts at the collection and distribution points,
a few one-off ones, and volunteers signed up (with made-up names, sealed like real ones)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from kamavor.core.errors import KamavorError
from kamavor.network.models import Point
from kamavor.volunteers import services
from kamavor.volunteers.models import Shift, ShiftTemplate, SignUp

# (point slug, task, weekdays, from, to, hands, notes)
TEMPLATES = [
    ("coworking", "sorting", range(7), 10, 14, 4, "Sorting clothes by size and season"),
    ("coworking", "intake", range(7), 14, 18, 3, "At the front desk"),
    ("malatia", "distribution", range(6), 11, 15, 3, ""),
    ("goris", "cooking", range(7), 10, 13, 2, "Hot lunch for the school shelter"),
    ("pharmacy-desk", "translation", (0, 2, 4), 10, 13, 1, "Russian–Armenian, pharmacy"),
]  # fmt: skip
# (point slug, task, days ahead, from, to, hands, notes)
ONE_OFF = [
    ("coworking", "driving", 1, 9, 13, 2, "Van to Goris: a driving licence (category B) is needed"),
    ("fb-warehouse", "sorting", 2, 9, 17, 6, "Truck from the diaspora: 12 pallets"),
]  # fmt: skip
NAMES = ["Anahit", "Aram", "Lilit", "Karen", "Նարե", "Գոռ", "Мария", "Саша", "Tigran", "Hasmik",
         "Armine", "Davit", "Elen", "Vahe"]  # fmt: skip


def build_shifts(*, coordinators: dict[str, object], rng: random.Random) -> tuple[int, int]:
    """Create the demo's shifts and sign-ups once; on later runs plan the coming days only.
    Returns (shifts coming, sign-ups)."""
    if not ShiftTemplate.objects.exists():
        _create(coordinators, rng)
    services.plan_all_shifts()
    coming = Shift.objects.upcoming().count()
    return coming, SignUp.objects.active().count()


def _create(coordinators: dict[str, object], rng: random.Random) -> None:
    points = {p.slug: p for p in Point.objects.select_related("organisation")}
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    for slug, task, days, start, end, hands, notes in TEMPLATES:
        services.create_template(
            point=points[slug], task=task, weekdays=list(days), start_time=dt.time(start),
            end_time=dt.time(end), hands_needed=hands, starts_on=today, notes=notes,
            by=coordinators[points[slug].organisation.slug],
        )  # fmt: skip
    for slug, task, ahead, start, end, hands, notes in ONE_OFF:
        day = today + dt.timedelta(days=ahead)
        services.create_shift(
            point=points[slug], task=task, hands_needed=hands, notes=notes,
            starts_at=dt.datetime.combine(day, dt.time(start), zone),
            ends_at=dt.datetime.combine(day, dt.time(end), zone),
            by=coordinators[points[slug].organisation.slug],
        )  # fmt: skip
    _sign_up(rng)


def _sign_up(rng: random.Random) -> None:
    """Fill some places of the coming week, leaving others empty for the board."""
    now = timezone.now()
    shifts = list(
        Shift.objects.upcoming()
        .filter(starts_at__gt=now, starts_at__lt=now + dt.timedelta(days=7))
        .order_by("starts_at")
    )
    for n, shift in enumerate(shifts):
        for _place in range(rng.randint(0, shift.hands_needed)):
            name = rng.choice(NAMES)
            contact = {"email": f"{name.lower()}{n}@example.org"} if rng.random() < 0.6 else {}
            phone = "" if contact else f"+374 9{rng.randint(1, 9)} {rng.randint(100000, 999999)}"
            try:
                services.sign_up(
                    shift=shift,
                    name=name,
                    phone=phone,
                    languages=rng.sample(["hy", "ru", "en"], 2),
                    address=f"demo-{n}-{_place}",
                    **contact,
                )
            except KamavorError:
                continue
