"""Who may see and run plans: coordinators and admins of the plan's organisation.

Anything of another organisation is a 404, as if it did not exist; a member whose role may not
plan gets a 403.
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from kamavor.allocation.models import Plan, PointLink, SizeSubstitute, SubstituteGroup
from kamavor.network.access import ROLE_ACTIONS, Action, organisations_for, role_at
from kamavor.network.models import Organisation

T = TypeVar("T")


def _planners_own(queryset: QuerySet[T], pk, user) -> T:
    """The object, if its organisation is the user's (else 404) and their role plans (else 403)."""
    try:
        found = queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    role = role_at(user, found.organisation_id)
    if role is None:
        raise Http404
    if Action.PLAN not in ROLE_ACTIONS.get(role, frozenset()):
        raise PermissionDenied
    return found


def get_plan_for(user, plan_id) -> Plan:
    """The plan, if the user's organisation made it (else 404) and their role plans (else 403)."""
    return _planners_own(Plan.objects.select_related("organisation", "point"), plan_id, user)


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
    return _planners_own(SubstituteGroup.objects.all(), group_id, user)


def get_link_for(user, link_id) -> PointLink:
    """A transfer link of an organisation where the user plans (else 404 or 403)."""
    return _planners_own(PointLink.objects.all(), link_id, user)


def get_size_rule_for(user, rule_id) -> SizeSubstitute:
    """A size substitute rule of an organisation where the user plans (else 404 or 403)."""
    return _planners_own(SizeSubstitute.objects.all(), rule_id, user)
