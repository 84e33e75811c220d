"""Expiry dates as volunteers type them from packaging: 2027-05-31, 31.05.2027, 05.2027, 05/27."""

from __future__ import annotations

import calendar
import datetime as dt
import re

_FULL = [
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{2})$"), ("d", "m", "yy")),
    (re.compile(r"^(\d{2})(\d{2})(\d{4})$"), ("d", "m", "y")),
]
_MONTH = [
    (re.compile(r"^(\d{4})-(\d{1,2})$"), ("y", "m")),
    (re.compile(r"^(\d{1,2})[./-](\d{4})$"), ("m", "y")),
    (re.compile(r"^(\d{1,2})[./-](\d{2})$"), ("m", "yy")),
]


def _year(parts: dict[str, str]) -> int:
    return int(parts["y"]) if "y" in parts else 2000 + int(parts["yy"])


def parse_expiry(text: str) -> dt.date | None:
    """The date a packaging label means, or None when it cannot be read.

    A month without a day ("05.2027", "05/27") means the end of that month, as on labels.
    """
    text = (text or "").strip().replace(" ", "")
    for pattern, names in _FULL:
        match = pattern.match(text)
        if match:
            parts = dict(zip(names, match.groups(), strict=True))
            try:
                return dt.date(_year(parts), int(parts["m"]), int(parts["d"]))
            except ValueError:
                return None
    for pattern, names in _MONTH:
        match = pattern.match(text)
        if match:
            parts = dict(zip(names, match.groups(), strict=True))
            year, month = _year(parts), int(parts["m"])
            if not 1 <= month <= 12 or not 1 <= year <= 9999:
                return None
            return dt.date(year, month, calendar.monthrange(year, month)[1])
    return None
