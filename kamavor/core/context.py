"""Template context shared by the desks."""

from __future__ import annotations

from django.http import HttpRequest


def desk(request: HttpRequest) -> dict:
    """The points the signed-in member works at, for the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from kamavor.network.access import points_for

    return {"my_points": points_for(user)}
