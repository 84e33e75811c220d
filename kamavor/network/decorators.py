"""View decorators that resolve and authorise the point in the URL in one place."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from kamavor.network.access import Action, get_point_for


def point_view(action: Action) -> Callable:
    """Pass the URL's point to the view, if the member may do `action` there (else 404/403)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @functools.wraps(view)
        def wrapped(request: HttpRequest, point_id: int, *args, **kwargs) -> HttpResponse:
            point = get_point_for(request.user, point_id, action)
            return view(request, point, *args, **kwargs)

        return wrapped

    return decorate
