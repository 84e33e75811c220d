"""The coordinator's side of a point's public page: what it accepts, whether it is listed, and
pins or overrides of "needed now" lines, each with a note."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kamavor.catalogue.models import Category, Item
from kamavor.core.errors import KamavorError
from kamavor.core.localised import language_codes
from kamavor.core.numbers import object_id, object_ids
from kamavor.network.access import Action
from kamavor.network.decorators import point_view
from kamavor.network.services import POINT_TEXTS, update_point_texts
from kamavor.public import services
from kamavor.public.models import Level, NeedOverride, PublicPage
from kamavor.public.needs import needed_now

MAX_MATCHES = 9  # one per digit key, as at the intake desk


def _find_item(request: HttpRequest) -> tuple[Item | None, str, list[Item], bool]:
    """The item a line is about, found the way the intake desk finds one: chosen from the
    matches (?item=), or the only match of what was typed (?q=); else the matches to choose."""
    raw = request.GET.get("item", "")
    if raw.isdigit():
        item = Item.objects.active().select_related("category").filter(pk=int(raw)).first()
        if item is not None:
            return item, "", [], False
    query = request.GET.get("q", "").strip()[:100]
    if not query:
        return None, "", [], False
    found = list(Item.objects.active().search(query).select_related("category")[: MAX_MATCHES + 1])
    if len(found) == 1:
        return found[0], query, [], False
    return None, query, found[:MAX_MATCHES], len(found) > MAX_MATCHES


@point_view(Action.PUBLISH_NEEDS)
def page(request: HttpRequest, point) -> HttpResponse:
    public = PublicPage.objects.filter(point=point).first()
    chosen, query, matches, more = _find_item(request)
    return render(
        request,
        "public/desk.html",
        {
            "point": point,
            "tab": "public",
            "lines": needed_now(point),
            "overrides": NeedOverride.objects.filter(point=point).select_related(
                "item", "category"
            ),
            "levels": Level.choices,
            "chosen": chosen,
            "query": query,
            "matches": matches,
            "more": more,
            "desk_url": reverse("public_desk:page", args=[point.pk]),
            "categories": Category.objects.all(),
            "public": public,
            "accepted": set(public.accepts.values_list("pk", flat=True)) if public else set(),
            "texts": _texts(point),
            "note_translations": [
                (code, name, getattr(public, f"note_{code}", "") if public else "")
                for code, name in _languages()
            ],
        },
    )


def _pick(model, value):
    number = object_id(value) if value else None
    return model.objects.filter(pk=number).first() if number is not None else None


@require_POST
@point_view(Action.PUBLISH_NEEDS)
def override(request: HttpRequest, point) -> HttpResponse:
    """Pin, override or clear one line (item or category) with a note."""
    try:
        services.set_override(
            point=point,
            item=_pick(Item, request.POST.get("item")),
            category=_pick(Category, request.POST.get("category")),
            level=request.POST.get("level", ""),
            pinned=request.POST.get("pinned") == "on",
            note=request.POST.get("note", ""),
            by=request.user,
        )
    except KamavorError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The public list is updated."))
    return redirect("public_desk:page", point_id=point.pk)


@require_POST
@point_view(Action.PUBLISH_NEEDS)
def settings(request: HttpRequest, point) -> HttpResponse:
    try:
        ids = object_ids(request.POST.getlist("accepts"), field="accepts")
        services.update_page(
            point=point,
            listed=request.POST.get("listed") == "on",
            accepts=Category.objects.filter(pk__in=ids),
            note=request.POST.get("note", ""),
            note_translations={
                code: request.POST[f"note_{code}"]
                for code in language_codes()
                if f"note_{code}" in request.POST
            },
            by=request.user,
        )
    except KamavorError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The public page is updated."))
    return redirect("public_desk:page", point_id=point.pk)


def _languages() -> list[tuple[str, str]]:
    from django.conf import settings as django_settings

    return list(django_settings.LANGUAGES)


def _texts(point) -> list[dict]:
    """The point's texts for the form: the default and one box per language."""
    labels = {"name": _("Name"), "address": _("Address"), "opening_hours": _("Opening hours")}
    return [
        {
            "field": field,
            "label": labels[field],
            "limit": limit,
            "default": getattr(point, field),
            "languages": [
                (code, name, getattr(point, f"{field}_{code}")) for code, name in _languages()
            ],
        }
        for field, limit in POINT_TEXTS.items()
    ]


@require_POST
@point_view(Action.PUBLISH_NEEDS)
def texts(request: HttpRequest, point) -> HttpResponse:
    """The point's name, address and opening hours, by default and per language."""
    wanted = {
        f"{field}{suffix}"
        for field in POINT_TEXTS
        for suffix in ["", *(f"_{code}" for code in language_codes())]
    }
    try:
        update_point_texts(
            point=point,
            texts={key: value for key, value in request.POST.items() if key in wanted},
            by=request.user,
        )
    except KamavorError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The point's details are saved."))
    return redirect("public_desk:page", point_id=point.pk)
