"""Whose figures a member may see: a point's, an organisation's, or every point they coordinate.

Dashboards are a coordinator's (the PLAN action: coordinators and admins). A point or an
organisation the member does not belong to is a 404; one where their role does not plan, 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kamavor.network.access import Action, get_point_for, may, points_for, role_at
from kamavor.network.models import Organisation, Point

DASHBOARD = Action.PLAN


@dataclass
class Scope:
    """What a dashboard covers: its kind ("point", "organisation", "network"), a name, the
    points (active ones the member may see) and their organisations."""

    kind: str
    name: str
    points: list[Point]
    point: Point | None = None
    organisation: Organisation | None = None

    @property
    def point_ids(self) -> list[int]:
        return [p.pk for p in self.points]

    @property
    def organisation_ids(self) -> list[int]:
        return sorted({p.organisation_id for p in self.points})

    @property
    def slug(self) -> str:
        if self.point is not None:
            return f"point-{self.point.slug}"
        if self.organisation is not None:
            return f"organisation-{self.organisation.slug}"
        return "network"


def point_scope(user, point_id) -> Scope:
    point = get_point_for(user, point_id, DASHBOARD)
    return Scope("point", point.tr.name, [point], point=point, organisation=point.organisation)


def organisation_scope(user, organisation_id) -> Scope:
    try:
        organisation = Organisation.objects.get(pk=int(organisation_id))
    except (Organisation.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    if role_at(user, organisation.pk) is None:
        raise Http404
    if not may(user, organisation.pk, DASHBOARD):
        raise PermissionDenied
    points = [p for p in points_for(user, DASHBOARD) if p.organisation_id == organisation.pk]
    return Scope("organisation", organisation.name, points, organisation=organisation)


def network_scope(user) -> Scope:
    """Every point of every organisation where the member coordinates (all, for a superuser)."""
    points = points_for(user, DASHBOARD)
    if not points and not user.is_superuser:
        raise PermissionDenied
    return Scope("network", "", points)


def dashboard_organisations(user) -> list[Organisation]:
    """The organisations whose dashboard the member may open (for the links between them)."""
    ids = sorted({p.organisation_id for p in points_for(user, DASHBOARD)})
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))
