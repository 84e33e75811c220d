"""The desk pages of field data: the review queue, one submission (fix, accept or reject), and
spreadsheet imports (a dry run first, then the post)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kamavor.core.errors import KamavorError
from kamavor.core.paging import page_of
from kamavor.exchange import imports as imports_
from kamavor.exchange import services
from kamavor.exchange.access import (
    get_import_for,
    get_submission_for,
    importing_organisations,
    reviewing_organisations,
)
from kamavor.exchange.models import Import, Submission
from kamavor.network.models import Organisation

PAGE_SIZE = 50


def flatten(values: dict) -> list[tuple[str, str]]:
    """A submission's values as (field, text) pairs for a form: a repeat's answers as
    line-1-item, line-1-quantity…"""
    pairs = []
    for name, value in values.items():
        if isinstance(value, list):
            for n, line in enumerate(value, 1):
                pairs.extend((f"{name}-{n}-{k}", str(v)) for k, v in line.items())
        else:
            pairs.append((name, str(value)))
    return pairs


def unflatten(pairs) -> dict:
    values: dict = {}
    repeats: dict[str, dict[int, dict]] = {}
    for name, value in pairs:
        parts = name.split("-")
        if len(parts) == 3 and parts[1].isdigit():
            repeats.setdefault(parts[0], {}).setdefault(int(parts[1]), {})[parts[2]] = value
        else:
            values[name] = value
    for name, lines in repeats.items():
        values[name] = [lines[n] for n in sorted(lines)]
    return values


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    organisation_ids = reviewing_organisations(request.user)
    if not organisation_ids:
        raise PermissionDenied
    waiting = (
        Submission.objects.of_organisations(organisation_ids)
        .waiting()
        .select_related("submitted_by")
        .order_by("submitted_at")
    )
    page, page_query = page_of(request, waiting, PAGE_SIZE)
    recent = (
        Submission.objects.of_organisations(organisation_ids)
        .exclude(status=Submission.Status.REVIEW)
        .select_related("submitted_by", "decided_by")
        .order_by("-submitted_at")[:20]
    )
    organisations = Organisation.objects.filter(pk__in=organisation_ids)
    servers = [(o, request.build_absolute_uri(f"/openrosa/{o.slug}")) for o in organisations]
    return render(
        request,
        "exchange/queue.html",
        {"page": page, "page_query": page_query, "waiting": page.object_list, "recent": recent,
         "servers": servers, "may_import": bool(importing_organisations(request.user))},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def submission(request: HttpRequest, submission_id: int) -> HttpResponse:
    found = get_submission_for(request.user, submission_id)
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "reject":
                services.reject_submission(submission=found, by=request.user)
                messages.success(request, _("The submission was rejected."))
            else:
                pairs = [(k[2:], v.strip()) for k, v in request.POST.items() if k.startswith("v:")]
                services.accept_submission(
                    submission=found, values=unflatten(pairs), by=request.user
                )
                messages.success(request, _("The submission was accepted."))
            return redirect("exchange:queue")
        except KamavorError as error:
            messages.error(request, error.message)
            found.refresh_from_db()
            pairs = [(k[2:], v) for k, v in request.POST.items() if k.startswith("v:")]
    else:
        pairs = flatten(services.open_submission(submission=found, by=request.user))
    return render(request, "exchange/submission.html", {"submission": found, "pairs": pairs})


@login_required
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    organisation_ids = importing_organisations(request.user)
    if not organisation_ids:
        raise PermissionDenied
    organisations = list(Organisation.objects.filter(pk__in=organisation_ids))
    report = checked = None
    if request.method == "POST":
        try:
            if "import" in request.POST:
                checked = get_import_for(request.user, request.POST["import"])
                checked, report = imports_.post_import(record=checked, by=request.user)
                messages.success(request, _("The file was imported."))
            else:
                organisation = next(
                    (o for o in organisations if str(o.pk) == request.POST.get("organisation")),
                    organisations[0],
                )
                upload = request.FILES.get("file")
                if upload is None:
                    raise imports_.ImportRefused(_("Choose a file."), code="no_file")
                if upload.size > imports_.MAX_BYTES:
                    raise imports_.ImportRefused(_("This file is too large."), code="too_large")
                checked, report = imports_.check_import(
                    organisation=organisation,
                    kind=request.POST.get("kind", ""),
                    data=upload.read(),
                    filename=upload.name or "",
                    by=request.user,
                )
        except KamavorError as error:
            messages.error(request, error.message)
    recent = Import.objects.filter(organisation_id__in=organisation_ids).select_related(
        "imported_by"
    )[:20]
    return render(
        request,
        "exchange/imports.html",
        {"organisations": organisations, "kinds": Import.Kind.choices, "report": report,
         "checked": checked, "recent": recent, "columns": imports_.column_help()},
    )  # fmt: skip
