"""The public side of shifts: the "hands needed" board, signing up without an account, and a
volunteer's private page (by an unguessable link) to see, cancel or add sign-ups."""

from __future__ import annotations

import secrets

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kamavor.core.errors import IdempotencyKeyReused, InvalidInput, KamavorError
from kamavor.core.idempotency import MAX_KEY_LENGTH
from kamavor.core.proxy import client_address
from kamavor.public.http import public_page
from kamavor.public.models import listed_points
from kamavor.public.views import get_listed_point
from kamavor.volunteers import services
from kamavor.volunteers.board import open_shifts
from kamavor.volunteers.ical import calendar
from kamavor.volunteers.mail import send_link
from kamavor.volunteers.models import Shift, Volunteer

BOARD_LIMIT = 30  # keeps the board under 30 KB on a weak connection
NOTICES = {
    "cancelled": gettext_lazy("Your sign-up is cancelled. Thank you for telling us."),
    "joined": gettext_lazy("You are signed up. Thank you!"),
}


def _shift(shift_id: int) -> Shift:
    shift = (
        Shift.objects.upcoming()
        .filter(pk=shift_id, point__in=listed_points(), starts_at__gt=timezone.now())
        .with_taken()
        .first()
    )
    if shift is None:
        raise Http404
    shift.left = max(0, shift.hands_needed - shift.taken)
    return shift


def _volunteer(token: str) -> Volunteer:
    volunteer = services.volunteer_for_link(token)
    if volunteer is None:
        raise Http404
    return volunteer


@require_safe
def board(request: HttpRequest, lang: str) -> HttpResponse:
    return public_page(
        request, "volunteers/board.html", {"shifts": open_shifts(limit=BOARD_LIMIT)}, lang=lang
    )


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest, lang: str, shift_id: int) -> HttpResponse:
    """The sign-up form; a refused sign-up comes back with its reason and writes nothing."""
    shift = _shift(shift_id)
    # Each form carries its own idempotency key: the same form sent twice (a double click, a
    # resubmit after a timeout) takes one place and gets the same private link back.
    key = request.POST.get("key", "").strip()[:MAX_KEY_LENGTH] or secrets.token_urlsafe(18)
    context = {"shift": shift, "languages": services.SPOKEN_LANGUAGES, "values": {}, "key": key}
    if request.method == "POST":
        values = {
            "name": request.POST.get("name", ""),
            "phone": request.POST.get("phone", ""),
            "email": request.POST.get("email", ""),
            "languages": request.POST.getlist("languages"),
        }
        try:
            try:
                signup, token = services.sign_up(
                    shift=shift, address=client_address(request), idempotency_key=key, **values
                )
            except IdempotencyKeyReused:
                # The same page sent with other values (back, another name): another sign-up.
                signup, token = services.sign_up(
                    shift=shift,
                    address=client_address(request),
                    idempotency_key=secrets.token_urlsafe(18),
                    **values,
                )
        except KamavorError as error:
            context.update(values=values, error=error.message)
            # The form comes back with its error (200, as every form of the desks does); a
            # full shift or a flood keep their own status (409, 429).
            status = 200 if isinstance(error, InvalidInput) else error.status
            return public_page(
                request, "volunteers/signup.html", context, lang=lang, status=status,
                cacheable=False,
            )  # fmt: skip
        url = f"/{lang}/v/{token}/"
        if not signup.replayed:
            send_link(
                email=services.clean_email(values["email"]),
                url=request.build_absolute_uri(url),
                lang=lang,
            )
        return redirect(url + "?new=1", permanent=False)
    return public_page(request, "volunteers/signup.html", context, lang=lang, cacheable=False)


def _mine(request: HttpRequest, lang: str, volunteer: Volunteer, token: str, **extra):
    status = extra.pop("status", 200)
    signups = list(
        volunteer.signups.select_related("shift", "shift__point").order_by("-shift__starts_at")
    )
    taken = {s.shift_id for s in signups if not s.cancelled_at}
    context = {
        "token": token,
        "link": request.build_absolute_uri(f"/{lang}/v/{token}/"),
        "signups": signups,
        "more": [s for s in open_shifts(limit=20) if s.pk not in taken and s.left],
        "new": request.GET.get("new") == "1",
        "notice": NOTICES.get(next((k for k in NOTICES if k in request.GET), "")),
        **extra,
    }
    return public_page(
        request, "volunteers/mine.html", context, lang=lang, status=status, cacheable=False
    )


@require_safe
def mine(request: HttpRequest, lang: str, token: str) -> HttpResponse:
    return _mine(request, lang, _volunteer(token), token)


@require_POST
def cancel(request: HttpRequest, lang: str, token: str, signup_id: int) -> HttpResponse:
    volunteer = _volunteer(token)
    try:
        services.cancel_sign_up(volunteer=volunteer, signup_id=signup_id)
    except KamavorError as error:
        return _mine(request, lang, volunteer, token, error=error.message, status=error.status)
    return redirect(f"/{lang}/v/{token}/?cancelled=1")


@require_POST
def join(request: HttpRequest, lang: str, token: str, shift_id: int) -> HttpResponse:
    volunteer = _volunteer(token)
    try:
        services.join_shift(
            volunteer=volunteer, shift=_shift(shift_id), address=client_address(request)
        )
    except KamavorError as error:
        return _mine(request, lang, volunteer, token, error=error.message, status=error.status)
    return redirect(f"/{lang}/v/{token}/?joined=1")


def _ics(content: str, filename: str, *, private: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store" if private else "public, max-age=300"
    return response


@require_safe
def volunteer_calendar(request: HttpRequest, lang: str, token: str) -> HttpResponse:
    """The volunteer's own shifts, behind their private link."""
    volunteer = _volunteer(token)
    shifts = [s.shift for s in volunteer.signups.active().select_related("shift", "shift__point")]
    with translation.override(lang):
        content = calendar(shifts, name="Kamavor", host=request.get_host())
    return _ics(content, "my-shifts.ics", private=True)


@require_safe
def point_calendar(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    """Every coming shift of a listed point."""
    point = get_listed_point(slug)
    shifts = Shift.objects.upcoming().filter(point=point).select_related("point")[:200]
    with translation.override(lang):
        content = calendar(shifts, name=point.tr.name, host=request.get_host())
    return _ics(content, f"{point.slug}.ics", private=False)
