"""Who may see which households' dues and which requests.

Volunteers and coordinators see the requests of their organisation's households and shelters; a
partner sees only its organisation's shelters' requests. Anything else is a 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from kamavor.core.numbers import MAX_ID
from kamavor.households import access as households_access
from kamavor.households.models import Household
from kamavor.needs.models import Request, RequestQuerySet
from kamavor.network.access import ROLE_ACTIONS, Action, role_at
from kamavor.network.models import Member, Organisation, Point


def _allowed(user, organisation_id: int, action: Action) -> bool:
    role = role_at(user, organisation_id)
    if role is None:
        raise Http404
    return action in ROLE_ACTIONS.get(role, frozenset())


def get_household_for(
    user,
    code: str,
    action: Action = Action.VIEW_HOUSEHOLD,
    *,
    related: tuple[str, ...] = households_access.HOUSEHOLD_PAGE,
) -> Household:
    """The household with this code as the households app resolves it (400 mistyped, 404 not
    ours, 403 role); a household merged into another is served as the one it was merged into.
    `related` names what is read along, as in the households app."""
    household = households_access.get_household_for(user, code, action, related=related)
    for _hop in range(10):  # merges rarely chain; a cycle would be a bug, not a reason to loop
        if household.merged_into_id is None:
            break
        household = households_access.get_household_for(
            user, household.merged_into_id, action, related=related
        )
    return household


def get_shelter_for(user, point_id, action: Action = Action.REQUEST_FOR_SHELTER) -> Point:
    """A shelter of one of the user's organisations, where the user may do `action`."""
    try:
        point = Point.objects.select_related("organisation").get(
            pk=int(point_id), kind=Point.Kind.SHELTER
        )
    except (Point.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None
    if not _allowed(user, point.organisation_id, action):
        raise PermissionDenied
    return point


def shelters_for(user, action: Action = Action.REQUEST_FOR_SHELTER) -> list[Point]:
    points = Point.objects.for_user(user).active().filter(kind=Point.Kind.SHELTER)
    return [
        p
        for p in points.select_related("organisation")
        if action in ROLE_ACTIONS.get(role_at(user, p.organisation_id), frozenset())
    ]


def requests_for(user) -> RequestQuerySet:
    """Requests the user may see: all of their organisations' for the desks, only shelters' for
    a partner."""
    requests = Request.objects.all()
    if not user.is_authenticated:
        return requests.none()
    if user.is_superuser:
        return requests
    seen = Q(pk__in=[])
    for organisation_id, role in Member.objects.filter(user=user).values_list(
        "organisation_id", "role"
    ):
        if Action.VIEW_REQUESTS not in ROLE_ACTIONS.get(role, frozenset()):
            continue
        if role == Member.Role.PARTNER:
            seen |= Q(shelter__organisation_id=organisation_id)
        else:
            seen |= Q(organisation_id=organisation_id)
    return requests.filter(seen)


def get_request_for(user, request_id) -> Request:
    """The request, if the user may see it (else 404)."""
    try:
        if not 0 < int(request_id) <= MAX_ID:
            raise Http404
        return requests_for(user).with_details().get(pk=int(request_id))
    except (Request.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None


def may_request(user, organisation: Organisation | int, *, for_shelter: bool) -> bool:
    organisation_id = getattr(organisation, "pk", organisation)
    role = role_at(user, organisation_id)
    action = Action.REQUEST_FOR_SHELTER if for_shelter else Action.REQUEST_FOR_HOUSEHOLD
    return role is not None and action in ROLE_ACTIONS.get(role, frozenset())
