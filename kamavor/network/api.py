"""API endpoints of the network app: the points a member works at.

Also the error shape every endpoint answers with, for the OpenAPI description: the network app
owns access (tokens, roles), where most refusals come from.
"""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema

from kamavor.network.access import get_point_for, points_for
from kamavor.network.models import Point

router = Router(tags=["network"])


class Error(Schema):
    """Every refusal: a stable `code` for programs and a `message` in the request's language."""

    code: str
    message: str
    field: str | None = None
    errors: list[dict] | None = None


# Declared on every endpoint so that clients see the error shape in the OpenAPI description.
ERRORS: dict[int, type[Schema]] = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: Error,
    422: Error,
}


class PointOut(Schema):
    id: int
    name: str
    slug: str
    kind: Point.Kind
    organisation: int
    organisation_name: str
    address: str
    city: str
    latitude: Decimal | None
    longitude: Decimal | None
    opening_hours: str
    contact: str
    active: bool

    @staticmethod
    def resolve_organisation(point: Point) -> int:
        return point.organisation_id

    @staticmethod
    def resolve_organisation_name(point: Point) -> str:
        return point.organisation.name


@router.get("/points", response={200: list[PointOut], **ERRORS})
def list_points(request: HttpRequest) -> list[Point]:
    """The active points whose stock you may see (those of your organisations)."""
    return points_for(request.user)


@router.get("/points/{point_id}", response={200: PointOut, **ERRORS})
def get_point(request: HttpRequest, point_id: int) -> Point:
    """One point of your organisations; any other is 404."""
    return get_point_for(request.user, point_id)
