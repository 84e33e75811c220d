"""The coordinators' review queue of probable duplicates, across the organisation's points:
merge (keeping either household), or say they are not the same; and undoing a merge."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kamavor.core.errors import KamavorError
from kamavor.core.paging import page_of
from kamavor.households import merging
from kamavor.households.access import get_household_for
from kamavor.matching import reads
from kamavor.matching.access import get_pair_for, queue_organisations
from kamavor.matching.models import Pair
from kamavor.matching.services import decide_pair
from kamavor.network.access import Action
from kamavor.privacy.audit import AuditEntry, record_households

PAGE_SIZE = 25


@never_cache
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Open pairs, best first, with the evidence in words and no personal value. Showing that
    two households share, say, a phone tells something about both: each showing is audited."""
    organisation_ids = queue_organisations(request.user)
    if not organisation_ids:
        raise PermissionDenied
    page, page_query = page_of(
        request, reads.open_pairs(organisation_ids=organisation_ids), PAGE_SIZE
    )
    rows = reads.rows(page.object_list)
    with transaction.atomic():
        record_households(
            by=request.user,
            action=AuditEntry.Action.VIEW,
            targets=[
                (h.organisation_id, h.pk, ["identity"])
                for row in rows
                for h in (row.pair.first, row.pair.second)
            ],
            note="review queue",
        )
    return render(
        request,
        "households/review.html",
        {"rows": rows, "page": page, "page_query": page_query},
    )


@require_POST
@login_required
def decide(request: HttpRequest, pair_id: int) -> HttpResponse:
    """keep_first / keep_second merges the other into the one kept; dismiss: not the same."""
    pair = get_pair_for(request.user, pair_id)
    decision = request.POST.get("decision", "")
    try:
        if decision == "dismiss":
            decide_pair(pair=pair, status=Pair.Status.DISMISSED, by=request.user)
            messages.success(request, _("Marked as not the same household."))
        else:
            keep_id = pair.first_id if decision == "keep_first" else pair.second_id
            if decision not in ("keep_first", "keep_second"):
                keep_id = -1
            kept = merging.merge_pair(pair=pair, keep_id=keep_id, by=request.user)
            other = pair.second if kept.pk == pair.first_id else pair.first
            messages.success(
                request,
                _("%(merged)s was merged into %(kept)s.")
                % {"merged": other.display_code, "kept": kept.display_code},
            )
    except KamavorError as error:
        messages.error(request, error.message)
    return redirect("households:review")


@require_POST
@login_required
def unmerge(request: HttpRequest, code: str) -> HttpResponse:
    """Undo the merge of this household: it is active again, with its own history."""
    household = get_household_for(request.user, code, Action.MERGE_HOUSEHOLDS)
    try:
        merging.unmerge_household(household=household, by=request.user)
    except KamavorError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The merge was undone."))
    return redirect("households:detail", code=household.code)
