"""Believable demo households: families of about 3.3 people, a realistic mix of ages and sexes,
about a third with a vulnerability flag, some in the demo shelters, some with (fake) personal
data. Registered through the same service as the desks; only the dates are moved back."""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Count
from django.utils import timezone

from kamavor.households.models import Household
from kamavor.households.services import Personal, Profile, register_household
from kamavor.network.access import Action, may
from kamavor.network.models import Member, Organisation, Point

# Household size: weights give a mean of 3.3 people.
SIZES = [(1, 13), (2, 21), (3, 23), (4, 21), (5, 13), (6, 6), (7, 3)]
CHILD_BANDS = [("0_2", 18), ("3_5", 18), ("6_11", 34), ("12_17", 30)]
FEMALE = ["Անահիտ", "Նարինե", "Լուսինե", "Գայանե", "Արմինե", "Սիրանուշ", "Մարինե", "Հասմիկ",
          "Ռուզաննա", "Սոնա", "Աննա", "Մարիամ"]  # fmt: skip
MALE = ["Արմեն", "Գևորգ", "Տիգրան", "Հովհաննես", "Աշոտ", "Վարդան", "Սամվել", "Կարեն",
        "Արթուր", "Դավիթ", "Սերգեյ", "Ռոբերտ"]  # fmt: skip
SURNAMES = ["Պետրոսյան", "Հովհաննիսյան", "Սարգսյան", "Խաչատրյան", "Գրիգորյան", "Հարությունյան",
            "Ավետիսյան", "Բաբայան", "Մարտիրոսյան", "Աղաջանյան", "Դանիելյան", "Գասպարյան",
            "Բալայան", "Առուստամյան", "Ղազարյան", "Օհանյան"]  # fmt: skip
AREAS = ["Abovyan", "Masis", "Ararat", "Artashat", "Goris", "Sisian", "Vayk", "Kapan",
         "Erebuni, Yerevan", "Nor Nork, Yerevan", "Shengavit, Yerevan",
         "Charbakh, Yerevan"]  # fmt: skip


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def composition_and_flags(rng: random.Random) -> tuple[dict[str, int], set[str]]:
    """One family: its counts per sex and age band, and its vulnerability flags."""
    size = _weighted(rng, SIZES)
    counts: dict[str, int] = {}
    flags: set[str] = set()

    def add(sex: str, band: str) -> None:
        counts[f"{sex}_{band}"] = counts.get(f"{sex}_{band}", 0) + 1

    if size == 1:
        older = rng.random() < 0.45
        add(rng.choice(["female", "female", "male"]), "60" if older else "18_59")
        if older and rng.random() < 0.6:
            flags.add("older_person_alone")
    else:
        head_older = rng.random() < 0.15
        add("female", "60" if head_older else "18_59")
        adults = 1
        if rng.random() < 0.85:
            add("male", "60" if head_older else "18_59")
            adults = 2
        for _ in range(size - adults):
            if rng.random() < 0.18:
                add(rng.choice(["female", "male"]), "60")
            else:
                add(rng.choice(["female", "male"]), _weighted(rng, CHILD_BANDS))
        children = sum(v for k, v in counts.items() if not k.endswith(("18_59", "60")))
        if adults == 1 and children:
            flags.add("single_caregiver")
        if counts.get("female_0_2") or counts.get("male_0_2"):
            if rng.random() < 0.35:
                flags.add("pregnant_or_breastfeeding")
        elif counts.get("female_18_59") and rng.random() < 0.04:
            flags.add("pregnant_or_breastfeeding")
    older = counts.get("female_60", 0) + counts.get("male_60", 0)
    if rng.random() < (0.15 if older else 0.04):
        flags.add("chronic_illness")
    if rng.random() < 0.04:
        flags.add("disability")
    return counts, flags


def _personal(rng: random.Random, counts: dict[str, int]) -> Personal:
    female = counts.get("female_18_59") or counts.get("female_60") or not counts.get("male_18_59")
    first = rng.choice(FEMALE if female else MALE)
    phone = f"+374 9{rng.choice('13456789')} {rng.randrange(1000):03d} {rng.randrange(1000):03d}"
    document = f"A{rng.choice('NTRK')}{rng.randrange(10**7):07d}" if rng.random() < 0.5 else ""
    return Personal(
        collector_name=f"{first} {rng.choice(SURNAMES)}",
        phone=phone,
        document=document,
        basis="consent",
        notice_language=rng.choice(["hy", "hy", "hy", "ru"]),
        consent=True,
    )


def _registrars() -> dict[int, tuple[object, list[Point], list[Point]]]:
    """Per organisation: a member who may register, its registering points and its shelters."""
    found = {}
    for member in Member.objects.select_related("user").order_by("role", "pk"):
        org = member.organisation_id
        if org in found or not may(member.user, org, Action.REGISTER_HOUSEHOLD):
            continue
        points = list(Point.objects.filter(organisation_id=org, active=True))
        desks = [p for p in points if p.kind != Point.Kind.SHELTER] or points
        shelters = [p for p in points if p.kind == Point.Kind.SHELTER]
        if desks:
            found[org] = (member.user, desks, shelters)
    return found


def build_households(count: int = 500, rng: random.Random | None = None) -> list[Household]:
    """About `count` households across the organisations that have a member who may register;
    already existing demo households count towards it (so a refresh adds none)."""
    rng = rng or random.Random(1923)
    registrars = _registrars()
    if not registrars:
        return []
    existing = Household.objects.count()
    # The bigger organisations register more: weight by how many points they run.
    weights = dict(
        Organisation.objects.filter(pk__in=registrars)
        .annotate(n=Count("points"))
        .values_list("pk", "n")
    )
    org_ids = list(registrars)
    now = timezone.now()
    created = []
    for _ in range(max(0, count - existing)):
        org = rng.choices(org_ids, weights=[weights.get(o, 1) for o in org_ids])[0]
        user, desks, shelters = registrars[org]
        counts, flags = composition_and_flags(rng)
        shelter = rng.choice(shelters) if shelters and rng.random() < 0.35 else None
        languages = ["hy"] + (["ru"] if rng.random() < 0.4 else [])
        profile = Profile(
            composition=counts,
            flags=flags,
            shelter=shelter,
            area="" if shelter else rng.choice(AREAS),
            languages=languages,
        )
        personal = _personal(rng, counts) if rng.random() < 0.35 else None
        household = register_household(
            organisation=Organisation(pk=org),
            point=rng.choice(desks),
            profile=profile,
            personal=personal,
            by=user,
        )
        when = now - dt.timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 600))
        Household.objects.filter(pk=household.pk).update(registered_at=when, last_activity_at=when)
        created.append(household)
    return created
