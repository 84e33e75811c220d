"""The public pages: the network, each point with its "needed now", a poster and a plain text
version of the list. No login, the language in the URL, no script, small and cacheable."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape as escape_text

import segno
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.views.decorators.http import require_safe

from kamavor.core.localised import local_text
from kamavor.network.models import Point
from kamavor.public.accounts import accounts_slug
from kamavor.public.cache import cache_page, parts
from kamavor.public.http import public_page
from kamavor.public.models import Level, listed_points, read_listed_points
from kamavor.public.needs import (
    Asks,
    Line,
    accepted_categories,
    needed_names_at,
    needed_now,
    read_asks,
)
from kamavor.shelters.reads import PUBLIC_STEP, public_free_beds
from kamavor.sorting.reads import public_notice
from kamavor.volunteers.board import open_shifts

NETWORK_LINES = 4
POINT_SHIFTS = 8


def get_listed_point(slug: str) -> Point:
    """A point shown on the public pages, by its short name (else 404)."""
    point = listed_points().filter(slug=slug).first()
    if point is None:
        raise Http404
    return point


def osm_link(point: Point) -> str:
    """A plain link to the place on OpenStreetMap (a link: nothing is embedded or fetched)."""
    if point.latitude is not None and point.longitude is not None:
        lat, lon = point.latitude, point.longitude
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"
    from urllib.parse import quote

    place = ", ".join(part for part in (point.address, point.city) if part)
    return f"https://www.openstreetmap.org/search?query={quote(place)}" if place else ""


def grouped(lines: list[Line]) -> list[tuple[str, str, list[Line]]]:
    """The lines by level, in the order a donor reads them; empty levels left out."""
    return [
        (level.value, level.label, [line for line in lines if line.level == level])
        for level in Level
        if any(line.level == level for line in lines)
    ]


def _network_name() -> str:
    return getattr(settings, "KAMAVOR_NETWORK_NAME", "Kamavor")


@dataclass(frozen=True)
class NetworkPoints:
    """The network page's listed points, each as the start of its entry (its name, address and
    hours in the page's language, as HTML), and what their lists rest on besides stock."""

    points: list[Point]
    heads: list[str]
    asks: Asks


def _read_network_points(lang: str) -> NetworkPoints:
    points = read_listed_points()
    with translation.override(lang):
        heads = [_head(point, lang) for point in points]
        return NetworkPoints(points, heads, read_asks(points, names=True))


def _head(point: Point, lang: str) -> str:
    """The start of a point's entry: its name as a link, its address and opening hours."""
    head = f'<li><a href="/{lang}/{escape_text(point.slug)}/"><strong>'
    head += f"{escape_text(local_text(point, 'name'))}</strong></a>"
    if address := local_text(point, "address"):
        head += f" · {escape_text(address)}"
    if point.city:
        head += f", {escape_text(point.city)}"
    if hours := local_text(point, "opening_hours"):
        head += f' · <span class="muted">{escape_text(hours)}</span>'
    return head


def _read_shifts(lang: str, points: list[Point]) -> str:
    with translation.override(lang):
        return render_to_string(
            "public/_shifts.html",
            {"shifts": open_shifts(limit=5, among=points), "show_point": True, "lang": lang},
        )


def _read_free_beds(lang: str) -> str:
    with translation.override(lang):
        return render_to_string(
            "public/_free_beds.html", {"free_beds": public_free_beds(), "beds_step": PUBLIC_STEP}
        )


def _entries(kept: NetworkPoints) -> str:
    """The points' entries with their first urgent and needed names, from stock read now: put
    together here, which costs a fraction of a template's loop (escaped as the template would,
    by the standard library's escape, without Django's lazy-text wrapper around it)."""
    lists = needed_names_at(
        kept.points, kept.asks, levels=(Level.URGENT, Level.NEEDED), per_level=NETWORK_LINES
    )
    shown = (Level.URGENT, Level.NEEDED)
    starts = {
        level: f'<br><span class="{level.value}"><span class="level">'
        f"{escape_text(capfirst(str(level.label)))}:</span> "
        for level in shown
    }
    out = []
    for point, head in zip(kept.points, kept.heads, strict=True):
        out.append(head)
        lines = lists[point.pk]
        for level in shown:
            if names := [name for line_level, name in lines if line_level == level]:
                out.append(f"{starts[level]}{escape_text(', '.join(names))}</span>")
        out.append("</li>")
    return "\n".join(out)


@require_safe
def network(request: HttpRequest, lang: str) -> HttpResponse:
    """The network's page. Only stock is read again after a posting; the points, pins, open
    requests, shifts and free beds are kept parts (kamavor.public.cache.Parts), and the page's
    age counts from the oldest of them."""
    kept, read_at = parts.get(("network-points", lang), lambda: _read_network_points(lang))
    shifts, shifts_read = parts.get(
        ("network-shifts", lang), lambda: _read_shifts(lang, kept.points)
    )
    beds, beds_read = parts.get(("network-free-beds", lang), lambda: _read_free_beds(lang))
    with translation.override(lang):
        entries = _entries(kept)
    page = public_page(
        request,
        "public/network.html",
        {
            "network_name": _network_name(),
            "entries": mark_safe(entries),
            "shifts": mark_safe(shifts),
            "free_beds": mark_safe(beds),
            "now": timezone.localtime(),
        },
        lang=lang,
    )
    return cache_page(page, read_at=min(read_at, shifts_read, beds_read))


def _point_context(point: Point) -> dict:
    lines = needed_now(point)
    return {
        "network_name": _network_name(),
        "point": point,
        "groups": grouped(lines),
        "accepts": accepted_categories(point),
        "page": getattr(point, "public_page", None),
        "osm": osm_link(point),
        "now": timezone.localtime(),
        "sorting_notice": public_notice(point),
    }


@require_safe
def point(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    point = get_listed_point(slug)
    context = _point_context(point)
    context["shifts"] = open_shifts(point=point, limit=POINT_SHIFTS)
    context["accounts_slug"] = accounts_slug(point.organisation_id)
    return cache_page(public_page(request, "public/point.html", context, lang=lang))


@require_safe
def poster(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    """One A4 page for the point's door: what to bring, what not to."""
    point = get_listed_point(slug)
    context = _point_context(point)
    context["url"] = request.build_absolute_uri(f"/{lang}/{point.slug}/")
    context["qr"] = mark_safe(
        segno.make(context["url"], error="m").svg_inline(scale=3, border=2, omitsize=True)
    )
    return cache_page(public_page(request, "public/poster.html", context, lang=lang))


@require_safe
def plain_text(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    """The list as plain text, to paste into a chat channel."""
    point = get_listed_point(slug)
    context = _point_context(point)
    context["url"] = request.build_absolute_uri(f"/{lang}/{point.slug}/")
    page = public_page(
        request, "public/needs.txt", context, lang=lang, content_type="text/plain; charset=utf-8"
    )
    return cache_page(page)
