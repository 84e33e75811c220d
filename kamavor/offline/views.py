"""The offline layer's pages and endpoints: the service worker and manifest, the outbox that a
desk sends its offline writes to, the sync feeds, and the coordinator's review of held writes."""

from __future__ import annotations

import hashlib
import json
from functools import cache

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kamavor.catalogue.models import Item
from kamavor.core.errors import InvalidInput, KamavorError
from kamavor.network.access import Action, get_point_for
from kamavor.network.decorators import point_view
from kamavor.offline import reads, services
from kamavor.offline.access import KIND_ACTIONS, get_held_write_for
from kamavor.offline.forms import DecisionForm
from kamavor.offline.models import HeldWrite

# The desk pages the service worker keeps for offline use (paths below /desk/).
DESK_PAGES = r"^/desk/(\d+/(intake|distribution|sorting)/|households/new/|sorting/\d+/)$"
STATIC_FILES = [
    "kamavor/kamavor.css",
    "kamavor/favicon.svg",
    "kamavor/vendor/htmx.min.js",
    "kamavor/desk.js",
    "offline/offline.js",
]


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from /desk/ so that its scope covers every desk."""
    files = [static(name) for name in STATIC_FILES]
    response = render(
        request,
        "offline/sw.js",
        {
            "files": json.dumps(files),
            "pages": json.dumps(DESK_PAGES),
            "version": _version(tuple(files)),
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/desk/"
    return response


@cache
def _version(files: tuple[str, ...]) -> str:
    """A digest of the static files: a new version of any of them replaces the kept copies."""
    digest = hashlib.sha256()
    for name in STATIC_FILES:
        path = finders.find(name)
        if path:
            with open(path, "rb") as handle:
                digest.update(handle.read())
    digest.update("".join(files).encode())
    return digest.hexdigest()[:12]


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: the desks open as an app, from the desk home."""
    data = {
        "name": "Kamavor",
        "short_name": "Kamavor",
        "start_url": reverse("home"),
        "scope": "/desk/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1f4e79",
        "icons": [{"src": static("kamavor/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    response = JsonResponse(data, content_type="application/manifest+json")
    response["Cache-Control"] = "no-cache"
    return response


# ---------------------------------------------------------------- the outbox


@require_POST
@never_cache
def outbox(request: HttpRequest) -> JsonResponse:
    """One write from a desk's outbox (JSON), with its Idempotency-Key: posted once, or held
    for a coordinator's decision. Answers 200 with `state` either way; the error shape else."""
    if not request.user.is_authenticated:
        return _error(401, "unauthenticated", _("Log in again to send what is waiting."))
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return _error(400, "malformed_json", _("The request body is not valid JSON."))
    if not isinstance(body, dict):
        return _error(400, "malformed_json", _("The request body is not valid JSON."))
    kind = body.get("kind")
    if kind not in services.WRITERS:
        return _error(400, "unknown_kind", _("Unknown kind of write."))
    try:
        point = get_point_for(request.user, body.get("point"), KIND_ACTIONS[kind])
    except Http404:
        return _error(404, "not_found", _("Not found."))
    except PermissionDenied:
        return _error(403, "forbidden", _("Your role does not allow this."))
    try:
        outcome = services.submit_write(
            point=point,
            by=request.user,
            kind=kind,
            key=request.headers.get("Idempotency-Key") or body.get("key"),
            payload=body.get("payload"),
            made_at=body.get("made_at"),
        )
    except KamavorError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    return JsonResponse(services.describe(outcome))


# ---------------------------------------------------------------- the sync feeds


def _int_arg(request: HttpRequest, name: str, default: int) -> int:
    try:
        return int(request.GET.get(name, default))
    except ValueError:
        raise InvalidInput(_("The request is not valid: check the fields."), field=name) from None


def feed_page(point, feed: str, request: HttpRequest) -> reads.Feed:
    """One page of a feed, from the query string."""
    return reads.read_feed(
        request.user,
        point,
        feed,
        since=request.GET.get("since", ""),
        offset=_int_arg(request, "offset", 0),
        limit=_int_arg(request, "limit", reads.PAGE),
    )


@require_GET
@never_cache
@point_view(Action.VIEW_STOCK)
def changes(request: HttpRequest, point, feed: str) -> JsonResponse:
    """A page of a sync feed for the desk (catalogue, households or lots)."""
    if feed not in ("catalogue", "households", "lots"):
        raise Http404
    try:
        page = feed_page(point, feed, request)
    except KamavorError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    return JsonResponse({"rows": page.rows, "next_offset": page.next_offset, "cursor": page.cursor})


# ---------------------------------------------------------------- the review list


@point_view(Action.PLAN)
def review(request: HttpRequest, point) -> HttpResponse:
    """The point's offline writes that need a decision, then the latest decided ones."""
    held = HeldWrite.objects.at(point).select_related("by", "decided_by", "document")
    return render(
        request,
        "offline/review.html",
        {
            "point": point,
            "open": list(held.open().order_by("reported_at", "pk")[:200]),
            "decided": list(held.exclude(state="open").order_by("-decided_at", "-pk")[:20]),
        },
    )


@login_required
def held_write(request: HttpRequest, held_id: int) -> HttpResponse:
    """One held write: what the desk did, why the server refused it, and the decision."""
    held = get_held_write_for(request.user, held_id, decide=True)
    causes = services.causes(held) if held.state == HeldWrite.State.OPEN else []
    form = DecisionForm(request.POST or None, causes=causes)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_held_write(
                held=held,
                by=request.user,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                reverse=form.document,
            )
        except KamavorError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("offline:review", point_id=held.point_id)
    return render(
        request,
        "offline/held.html",
        {"held": held, "point": held.point, "form": form, "lines": _lines_of(held)},
    )


def _lines_of(held: HeldWrite) -> list[dict]:
    """The held write's lines with their items' names (ids the catalogue no longer has stay)."""
    lines = held.payload.get("lines") if isinstance(held.payload, dict) else None
    if not isinstance(lines, list):
        return []
    lines = [line for line in lines if isinstance(line, dict)]
    ids = [line["item"] for line in lines if isinstance(line.get("item"), int)]
    items = Item.objects.in_bulk([i for i in ids if 0 < i < 2**63])
    return [
        {
            **line,
            "name": items[line["item"]].name if line.get("item") in items else line.get("item"),
        }
        for line in lines
    ]
