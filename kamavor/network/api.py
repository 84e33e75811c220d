"""API endpoints of the network app: the points a member works at.

Also what every app's endpoints share in the OpenAPI description: the error shape (the network
app owns access, where most refusals come from) and inline enums.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django.db.models import TextChoices
from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import WithJsonSchema

from kamavor.core.numbers import PathId
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


# For free text in queries and headers: PostgreSQL text cannot hold NUL, so refuse it as invalid.
NO_NUL = r"^[^\x00]*$"


def one_of(choices: type[TextChoices]) -> Any:
    """A field holding one of Django's choices, described inline: choices classes share names
    (Point.Kind, Document.Kind) and would overwrite one another as OpenAPI components."""
    return Annotated[choices, WithJsonSchema({"type": "string", "enum": list(choices.values)})]


PointKind = one_of(Point.Kind)


class PointOut(Schema):
    id: int
    name: str
    slug: str
    kind: PointKind
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
def get_point(request: HttpRequest, point_id: PathId) -> Point:
    """One point of your organisations; any other is 404."""
    return get_point_for(request.user, point_id)
