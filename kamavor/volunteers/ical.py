"""iCalendar (RFC 5545) feeds of shifts, written by hand: a few lines need no dependency.

Texts are in the active language (the feed's URL sets it): the task's label, the point's name,
address and the shift's notes as given in that language, falling back like every page does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from django.utils.text import capfirst

from kamavor.volunteers.models import Shift, Task


def _escape(text: str) -> str:
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(shifts: Iterable[Shift], *, name: str, host: str = "kamavor") -> str:
    """A calendar of the shifts; cancelled ones stay in it marked CANCELLED, so a calendar
    that already holds them learns of the change."""
    now = _stamp(timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Kamavor//Shifts//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for shift in shifts:
        point = shift.point
        point_name = point.tr.name
        place = ", ".join(p for p in (point_name, point.tr.address, point.city) if p)
        notes = shift.tr.notes
        lines += [
            "BEGIN:VEVENT",
            f"UID:shift-{shift.pk}@{host}",
            f"DTSTAMP:{now}",
            f"DTSTART:{_stamp(shift.starts_at)}",
            f"DTEND:{_stamp(shift.ends_at)}",
            f"SUMMARY:{_escape(f'{capfirst(Task(shift.task).label)}: {point_name}')}",
            f"LOCATION:{_escape(place)}",
        ]
        if notes:
            lines.append(f"DESCRIPTION:{_escape(notes)}")
        lines.append(f"STATUS:{'CANCELLED' if shift.cancelled else 'CONFIRMED'}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
