"""Who may see which submission or import: the lookup, the organisation check and the 404."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kamavor.exchange.models import Import, Submission
from kamavor.network.access import Action, may, organisations_for, role_at


def reviewing_organisations(user) -> list[int]:
    """Organisations whose field data the user may review."""
    return [o for o in organisations_for(user) if may(user, o, Action.REVIEW_FIELD_DATA)]


def importing_organisations(user) -> list[int]:
    return [o for o in organisations_for(user) if may(user, o, Action.IMPORT_DATA)]


def get_submission_for(user, submission_id) -> Submission:
    """The submission, if the user's organisation holds it (else 404) and they may review
    field data there (else 403)."""
    try:
        found = Submission.objects.select_related("organisation", "submitted_by").get(
            pk=int(submission_id)
        )
    except (Submission.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    if role_at(user, found.organisation_id) is None:
        raise Http404
    if not may(user, found.organisation_id, Action.REVIEW_FIELD_DATA):
        raise PermissionDenied
    return found


def get_import_for(user, import_id) -> Import:
    try:
        found = Import.objects.select_related("organisation").get(pk=int(import_id))
    except (Import.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    if role_at(user, found.organisation_id) is None:
        raise Http404
    if not may(user, found.organisation_id, Action.IMPORT_DATA):
        raise PermissionDenied
    return found
