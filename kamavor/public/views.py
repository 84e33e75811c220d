"""The public pages: the network, each point with its "needed now", a poster and a plain text
version of the list. No login, the language in the URL, no script, small and cacheable."""

from __future__ import annotations

import segno
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from kamavor.core.localised import local_text
from kamavor.network.models import Point
from kamavor.public.accounts import accounts_slug
from kamavor.public.cache import cache_page
from kamavor.public.http import public_page
from kamavor.public.models import Level, listed_points
from kamavor.public.needs import Line, accepted_categories, needed_now, needed_now_at
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


def _summary(lines: list[Line]) -> list[tuple[str, str, list[str]]]:
    """The first few urgent and needed names of a point, for the network's page."""
    return [
        (level.value, level.label, names[:NETWORK_LINES])
        for level in (Level.URGENT, Level.NEEDED)
        if (names := [line.name for line in lines if line.level == level])
    ]


def _network_name() -> str:
    return getattr(settings, "KAMAVOR_NETWORK_NAME", "Kamavor")


@require_safe
def network(request: HttpRequest, lang: str) -> HttpResponse:
    points = list(listed_points())
    lists = needed_now_at(points, levels=(Level.URGENT, Level.NEEDED), per_level=NETWORK_LINES)
    # The points' texts are read here, once, in the page's language: the template only
    # places them (a template's lookups cost more than the reads).
    with translation.override(lang):
        entries = [
            {
                "slug": point.slug,
                "name": local_text(point, "name"),
                "address": local_text(point, "address"),
                "city": point.city,
                "hours": local_text(point, "opening_hours"),
                "lines": _summary(lists[point.pk]),
            }
            for point in points
        ]
    page = public_page(
        request,
        "public/network.html",
        {
            "network_name": _network_name(),
            "entries": entries,
            "shifts": open_shifts(limit=5, among=points),
            "free_beds": public_free_beds(),
            "beds_step": PUBLIC_STEP,
            "now": timezone.localtime(),
        },
        lang=lang,
    )
    return cache_page(page)


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
