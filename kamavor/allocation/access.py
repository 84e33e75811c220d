"""Who may see and run plans: coordinators and admins of the plan's organisation.

Anything of another organisation is a 404, as if it did not exist; a member whose role may not
plan gets a 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kamavor.allocation.models import Plan, PointLink, SubstituteGroup
from kamavor.network.access import ROLE_ACTIONS, Action, organisations_for, role_at
from kamavor.network.models import Organisation


def get_plan_for(user, plan_id) -> Plan:
    """The plan, if the user's organisation made it (else 404) and their role plans (else 403)."""
    try:
        plan = Plan.objects.select_related("organisation", "point").get(pk=int(plan_id))
    except (Plan.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    role = role_at(user, plan.organisation_id)
    if role is None:
        raise Http404
    if Action.PLAN not in ROLE_ACTIONS.get(role, frozenset()):
        raise PermissionDenied
    return plan


def planning_organisations(user) -> list[Organisation]:
    """The organisations where the user may run plans."""
    ids = [
        org
        for org in organisations_for(user)
        if Action.PLAN in ROLE_ACTIONS.get(role_at(user, org), frozenset())
    ]
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


def get_group_for(user, group_id) -> SubstituteGroup:
    """A substitute group of an organisation where the user plans (else 404 or 403)."""
    try:
        group = SubstituteGroup.objects.get(pk=int(group_id))
    except (SubstituteGroup.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    role = role_at(user, group.organisation_id)
    if role is None:
        raise Http404
    if Action.PLAN not in ROLE_ACTIONS.get(role, frozenset()):
        raise PermissionDenied
    return group


def get_link_for(user, link_id) -> PointLink:
    """A transfer link of an organisation where the user plans (else 404 or 403)."""
    try:
        link = PointLink.objects.get(pk=int(link_id))
    except (PointLink.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    role = role_at(user, link.organisation_id)
    if role is None:
        raise Http404
    if Action.PLAN not in ROLE_ACTIONS.get(role, frozenset()):
        raise PermissionDenied
    return link
