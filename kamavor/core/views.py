"""Pages that belong to no domain: the start page and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kamavor.network.access import points_for
from kamavor.network.models import Member


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Up when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any database failure means "down"
        return JsonResponse({"status": "error", "database": str(error)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def start(request: HttpRequest) -> HttpResponse:
    """Members go to their desks; everyone else to the public pages in their language."""
    if request.user.is_authenticated:
        return redirect("home")
    return redirect(f"/{translation.get_language_from_request(request)}/")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The member's points; with only one, go straight to its intake desk."""
    points = points_for(request.user)
    if len(points) == 1 and "all" not in request.GET:
        return redirect("stock:intake", point_id=points[0].pk)
    if not points and Member.objects.filter(user=request.user).exists():
        return redirect("needs:requests")  # a shelter partner works with requests only
    return render(request, "core/home.html", {"points": points})
