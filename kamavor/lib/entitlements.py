"""Entitlements: how much of an item a household's composition gives it under one rule.

Plain Python (no Django), so the arithmetic can be tested exhaustively. A composition is a
mapping of the twelve household fields (`female_0_2` … `male_60`) to head counts; a rule says who
is eligible, whether the quantity is per eligible person or per household, a cap, and (for
size-banded rules such as food parcels) the household sizes it applies to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

SEXES = ("female", "male")
BANDS = ("0_2", "3_5", "6_11", "12_17", "18_59", "60")
FIELDS = tuple(f"{sex}_{band}" for sex in SEXES for band in BANDS)


def _both(*bands: str) -> tuple[str, ...]:
    return tuple(f"{sex}_{band}" for sex in SEXES for band in bands)


# Who a rule counts. Every composition field is also a group of its own ("female_18_59").
GROUPS: dict[str, tuple[str, ...]] = {
    "all": FIELDS,
    "infants": _both("0_2"),
    "children_under_5": _both("0_2", "3_5"),
    "children_3_11": _both("3_5", "6_11"),
    "children": _both("0_2", "3_5", "6_11", "12_17"),
    "people_12_and_over": _both("12_17", "18_59", "60"),
    "adults": _both("18_59", "60"),
    "older": _both("60"),
    # Menstruating age is roughly 12 to 49; the bands stop at 59, so 50-59 are counted too.
    "women_12_49": ("female_12_17", "female_18_59"),
    "women": tuple(f"female_{band}" for band in BANDS),
    "men": tuple(f"male_{band}" for band in BANDS),
    **{f"age_{band}": _both(band) for band in BANDS},
    **{name: (name,) for name in FIELDS},
}

PER_PERSON = "person"
PER_HOUSEHOLD = "household"
PER = (PER_PERSON, PER_HOUSEHOLD)


@dataclass(frozen=True)
class Rule:
    """One standard's arithmetic.

    per person: `quantity` for each eligible member. Per household: `quantity` once, if the
    household has at least one eligible member. Either way at most `cap` (None: no cap), and
    nothing when the household's size is outside [size_min, size_max].
    """

    eligibility: str = "all"
    per: str = PER_PERSON
    quantity: int = 1
    cap: int | None = None
    size_min: int | None = None
    size_max: int | None = None

    def __post_init__(self) -> None:
        if self.eligibility not in GROUPS:
            raise ValueError(f"unknown eligibility {self.eligibility!r}")
        if self.per not in PER:
            raise ValueError(f"per must be one of {PER}")
        if self.quantity < 0 or (self.cap is not None and self.cap < 0):
            raise ValueError("quantity and cap cannot be negative")
        low, high = self.size_min, self.size_max
        if (low is not None and low < 0) or (high is not None and high < 0):
            raise ValueError("household sizes cannot be negative")
        if low is not None and high is not None and low > high:
            raise ValueError("size_min is more than size_max")


def household_size(composition: Mapping[str, int]) -> int:
    return sum(max(0, int(composition.get(name, 0) or 0)) for name in FIELDS)


def eligible_people(composition: Mapping[str, int], eligibility: str) -> int:
    """How many members of the household the group counts (negative counts count as none)."""
    return sum(max(0, int(composition.get(name, 0) or 0)) for name in GROUPS[eligibility])


def in_size_band(rule: Rule, size: int) -> bool:
    if rule.size_min is not None and size < rule.size_min:
        return False
    return rule.size_max is None or size <= rule.size_max


def entitled(composition: Mapping[str, int], rule: Rule) -> int:
    """The quantity the household is entitled to per period under the rule (never negative)."""
    if not in_size_band(rule, household_size(composition)):
        return 0
    people = eligible_people(composition, rule.eligibility)
    if people == 0:
        return 0
    amount = rule.quantity * people if rule.per == PER_PERSON else rule.quantity
    return amount if rule.cap is None else min(amount, rule.cap)


def due_now(entitled: int, received_in_period: int) -> int:
    """What is still due in the period: the entitlement less what was received, never below 0."""
    return max(0, entitled - max(0, received_in_period))


def entitled_by_age_band(composition: Mapping[str, int], rule: Rule) -> dict[str, int]:
    """`entitled`, split by the age bands of the members it counts ("6_11": 4), for items whose
    size depends on age; a per-household rule is not split (its one entry is under "all"). A
    cap is taken off the oldest bands first. The parts add up to `entitled`."""
    total = entitled(composition, rule)
    if total == 0:
        return {}
    if rule.per != PER_PERSON:
        return {"all": total}
    counted = set(GROUPS[rule.eligibility])
    parts: dict[str, int] = {}
    for band in BANDS:
        people = sum(
            max(0, int(composition.get(f"{sex}_{band}", 0) or 0))
            for sex in SEXES
            if f"{sex}_{band}" in counted
        )
        if people:
            parts[band] = rule.quantity * people
    over = sum(parts.values()) - total
    for band in reversed(BANDS):
        if over <= 0:
            break
        cut = min(over, parts.get(band, 0))
        if cut:
            parts[band] -= cut
            over -= cut
    return {band: n for band, n in parts.items() if n > 0}
