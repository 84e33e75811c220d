"""Who may send which offline write, and who decides on a held one: one helper per object."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kamavor.network.access import Action, may, organisations_for
from kamavor.network.models import Point
from kamavor.offline.models import HeldWrite

# The action each kind of write needs at its point, as on the online desk.
KIND_ACTIONS: dict[str, Action] = {
    HeldWrite.Kind.DONATION: Action.INTAKE,
    HeldWrite.Kind.DISTRIBUTION: Action.DISTRIBUTE,
    HeldWrite.Kind.HOUSEHOLD: Action.REGISTER_HOUSEHOLD,
    HeldWrite.Kind.DROP_OFF: Action.INTAKE,
    HeldWrite.Kind.SORTING_LINE: Action.INTAKE,
    # Deciding on a refused write is a coordinator's call, like a plan.
    "decide": Action.PLAN,
}


def require(user, point: Point, action: Action) -> None:
    if not may(user, point.organisation_id, action):
        raise PermissionDenied


def get_held_write_for(user, held_id, *, decide: bool = False) -> HeldWrite:
    """The held write, if the member sees its point's organisation (else 404) and, to decide,
    is a coordinator there (else 403)."""
    try:
        held = (
            HeldWrite.objects.select_related("point__organisation", "by", "document", "household")
            .filter(point__organisation_id__in=organisations_for(user))
            .get(pk=int(held_id))
        )
    except (HeldWrite.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    if decide and not may(user, held.point.organisation_id, KIND_ACTIONS["decide"]):
        raise PermissionDenied
    return held
