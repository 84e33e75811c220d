"""Sizes of clothing and shoes: their order, and which age band a size fits.

Plain Python (no Django). Sizes are text ("98", "XL", "39-41", "3XL"), so sorting them as text
puts "164" before "98"; `size_key` sorts numeric sizes by number, letter sizes from XS to 3XL, and
anything else as text after them. A household records ages, not sizes: `age_band_of_size` says
which age band a child's size fits (heights in cm from 50, EU shoe sizes from 16), so that what a
household is due of a sized item can be planned from the sizes that fit its children.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

LETTERS = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL", "5XL")
_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)")

# Child heights (cm) and EU shoe sizes by age band: the largest size that still fits the band.
# A 2-year-old wears 92 and shoe 23, a 5-year-old 110 and 29, an 11-year-old 146 and 35.
HEIGHT_UP_TO = (("0_2", 92), ("3_5", 110), ("6_11", 146), ("12_17", 200))
SHOE_UP_TO = (("0_2", 23), ("3_5", 29), ("6_11", 35), ("12_17", 60))
CHILD_BANDS = ("0_2", "3_5", "6_11", "12_17")
ANY = "any"  # sizes that say nothing of age (S, M, L; nappies 1-6): one band for everyone


def _number(size: str) -> float | None:
    match = _NUMBER.match(size or "")
    return float(match.group(1).replace(",", ".")) if match else None


def size_key(size: str) -> tuple:
    """A sort key: numbers by value ("98" before "164", "39-41" by 39), then letter sizes from
    XXS to 5XL, then any other text."""
    text = (size or "").strip()
    number = _number(text)
    if number is not None and not text.upper().endswith("XL"):
        return (0, number, text)
    upper = text.upper()
    if upper in LETTERS:
        return (1, LETTERS.index(upper), text)
    return (2, 0, text.casefold())


def sort_sizes(sizes: Iterable[str]) -> list[str]:
    """Sizes in the order a person reads them (see `size_key`)."""
    return sorted(sizes, key=size_key)


def age_band_of_size(size: str) -> str:
    """The child age band a size fits ("0_2", "3_5", "6_11", "12_17"), or ANY for a size that
    says nothing of age (letters, nappy sizes 1-15)."""
    number = _number(size)
    if number is None or size.strip().upper().endswith("XL"):
        return ANY
    if number >= 50:
        table = HEIGHT_UP_TO
    elif number >= 16:
        table = SHOE_UP_TO
    else:
        return ANY
    for band, up_to in table:
        if number <= up_to:
            return band
    return ANY


def sizes_by_age(sizes: Iterable[str]) -> bool:
    """Whether a size list tells ages apart (child heights or shoe sizes), not only S, M, L."""
    return any(age_band_of_size(size) != ANY for size in sizes)


def age_band_for(sizes: Iterable[str], age_band: str) -> str:
    """The band a due for someone of this age band is planned in, for an item with these sizes:
    the age band itself for a child's band where the sizes tell ages apart, else ANY."""
    if age_band in CHILD_BANDS and sizes_by_age(sizes):
        return age_band
    return ANY
