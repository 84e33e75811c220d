"""Weights of needs: from a household's vulnerability flags and a request's urgency.

Plain Python. A need's weight is ``(1 + sum of its household's flag weights) * urgency weight``;
a weight twice as large gets twice the coverage while stock is short (see engine.py). Flag weights
are never negative, so a household with more flags never weighs less than one with fewer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

FLAGS = (
    "pregnant_or_breastfeeding",
    "disability",
    "chronic_illness",
    "single_caregiver",
    "unaccompanied_minor",
    "older_person_alone",
)
URGENCIES = ("low", "normal", "high", "critical")

DEFAULT_FLAG_WEIGHTS: dict[str, float] = {
    "pregnant_or_breastfeeding": 1.0,
    "disability": 1.0,
    "chronic_illness": 0.5,
    "single_caregiver": 0.5,
    "unaccompanied_minor": 1.0,
    "older_person_alone": 1.0,
}
DEFAULT_URGENCY_WEIGHTS: dict[str, float] = {
    "low": 0.75,
    "normal": 1.0,
    "high": 1.5,
    "critical": 2.0,
}
MAX_WEIGHT = 10.0


def defaults() -> dict[str, dict[str, float]]:
    return {"flags": dict(DEFAULT_FLAG_WEIGHTS), "urgency": dict(DEFAULT_URGENCY_WEIGHTS)}


def check(weights: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """Complete weights with the defaults; raise ValueError for unknown names or bad values.

    Flag weights lie in [0, MAX_WEIGHT], urgency weights in (0, MAX_WEIGHT].
    """
    out = defaults()
    for part, names, low_ok in (("flags", FLAGS, True), ("urgency", URGENCIES, False)):
        for name, value in (weights.get(part) or {}).items():
            if name not in names:
                raise ValueError(f"unknown {part} weight {name!r}")
            value = float(value)
            if not (0 <= value <= MAX_WEIGHT) or (value == 0 and not low_ok):
                raise ValueError(f"weight of {name!r} out of range")
            out[part][name] = value
    return out


def weight_for(
    flags: Iterable[str], urgency: str, weights: Mapping[str, Mapping[str, float]]
) -> float:
    """The weight of a need of a household with these flags, at this urgency."""
    base = 1.0 + sum(weights["flags"].get(flag, 0.0) for flag in set(flags))
    return base * weights["urgency"].get(urgency, 1.0)
