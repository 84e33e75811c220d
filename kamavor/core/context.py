"""Template context shared by the desks."""

from __future__ import annotations

from django.http import HttpRequest


def desk(request: HttpRequest) -> dict:
    """The points the signed-in member works at, for the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from kamavor.network.access import ROLE_ACTIONS, Action, points_for

    points = points_for(user)
    # points_for has read the member's roles into the user's cache: no further query.
    roles = getattr(user, "_kamavor_roles", None) or {}
    may_plan = user.is_superuser or any(
        Action.PLAN in ROLE_ACTIONS.get(role, frozenset()) for role in roles.values()
    )
    from django.utils.functional import SimpleLazyObject

    from kamavor.network.frame import frame_for

    # Built only when a page's frame is drawn (htmx fragments never ask for it).
    frame = SimpleLazyObject(lambda: frame_for(request, points))
    return {"my_points": points, "may_plan": may_plan, "frame": frame}
