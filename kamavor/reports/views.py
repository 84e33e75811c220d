"""Downloads of the desks' lists, the audited personal export, and the offer the frame shows."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kamavor.network.access import get_point_for
from kamavor.reports.exports import FORMATS, download
from kamavor.reports.lists import LISTS, SCREENS
from kamavor.reports.personal import export_personal_households, personal_organisations


def _list(key: str, fmt: str, *, at_point: bool):
    export = LISTS.get(key)
    if export is None or fmt not in FORMATS or export.at_point != at_point:
        raise Http404
    return export


@login_required
def export_at_point(request: HttpRequest, point_id: int, key: str, fmt: str) -> HttpResponse:
    """A point's list as CSV or XLSX, filtered by the screen's query parameters."""
    export = _list(key, fmt, at_point=True)
    point = get_point_for(request.user, point_id, export.action)
    return download(export.build(request, point), fmt)


@login_required
def export_list(request: HttpRequest, key: str, fmt: str) -> HttpResponse:
    """A list of no single point (households, requests, plans, stock at all my points)."""
    export = _list(key, fmt, at_point=False)
    return download(export.build(request, None), fmt)


@login_required
def personal(request: HttpRequest) -> HttpResponse:
    """The page that explains the personal export and asks for a confirmation."""
    if not personal_organisations(request.user):
        raise Http404
    return render(request, "reports/personal.html", {"formats": FORMATS})


@require_POST
@login_required
def personal_download(request: HttpRequest) -> HttpResponse:
    """The audited export of households' personal fields (a posted form, never a link)."""
    fmt = request.POST.get("format", "csv")
    if fmt not in FORMATS or not personal_organisations(request.user):
        raise Http404
    return download(export_personal_households(by=request.user), fmt)


EXPORT_LABELS = {"csv": _("Export CSV"), "xlsx": _("Export XLSX")}


def _print_links(request: HttpRequest, match) -> dict:
    """The print reports a page offers: a donation's receipt, a partner's delivery history."""
    if match.view_name == "stock:document":
        from kamavor.stock.models import Document

        document_id = match.kwargs.get("document_id")
        if Document.objects.filter(pk=document_id, kind=Document.Kind.DONATION).exists():
            url = reverse("reports:receipt", args=[document_id])
            return {"export_links": [{"url": url, "label": _("Receipt for the donor (print)"),
                                      "format": "print"}]}  # fmt: skip
    if match.view_name == "distribution:shelter_deliveries":
        url = reverse("reports:delivery_history")
        return {"export_links": [{"url": url, "label": _("Delivery history (print)"),
                                  "format": "print"}]}  # fmt: skip
    return {}


def export_links(request: HttpRequest) -> dict:
    """Context: the export links of the page being drawn, when it is a list that has one."""
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    if match is None or user is None or not user.is_authenticated:
        return {}
    if match.view_name not in SCREENS:
        return _print_links(request, match)
    export, screen = SCREENS[match.view_name]
    query = {name: request.GET[name] for name in export.params if request.GET.get(name)}
    query.update({target: match.kwargs[source] for source, target in screen.kwargs.items()})
    query.update(screen.fixed)
    links = []
    for fmt in FORMATS:
        try:
            if export.at_point:
                url = reverse(
                    "reports:export_at_point",
                    kwargs={"point_id": match.kwargs["point_id"], "key": export.key, "fmt": fmt},
                )
            else:
                url = reverse("reports:export_list", kwargs={"key": export.key, "fmt": fmt})
        except (NoReverseMatch, KeyError):
            return {}
        links.append({"url": f"{url}?{urlencode(query)}" if query else url,
                      "label": EXPORT_LABELS[fmt], "format": fmt})  # fmt: skip
    context = {"export_links": links}
    if export.key == "households" and personal_organisations(user):
        context["export_personal"] = reverse("reports:personal")
    return context
