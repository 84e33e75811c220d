"""Who may see and decide which pairs of the review queue: coordinators of the organisation."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kamavor.matching.models import Pair
from kamavor.network.access import Action, may, organisations_for

QUEUE_ACTION = Action.MERGE_HOUSEHOLDS


def queue_organisations(user) -> list[int]:
    """The organisations whose review queue the user may read and decide (may be empty)."""
    return [org for org in organisations_for(user) if may(user, org, QUEUE_ACTION)]


def get_pair_for(user, pair_id: int) -> Pair:
    """The pair, if the user's organisation holds it (else 404) and their role decides the
    queue (else 403)."""
    pair = Pair.objects.select_related("first", "second").filter(pk=pair_id).first()
    if pair is None or pair.organisation_id not in organisations_for(user):
        raise Http404
    if not may(user, pair.organisation_id, QUEUE_ACTION):
        raise PermissionDenied
    return pair
