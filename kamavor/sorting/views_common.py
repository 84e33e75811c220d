"""What the sorting pages share: a code scanned or typed to open a bag or a box, and a box's
label scanned at another desk (distribution, kits, deliveries) to take its whole contents."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from kamavor.core.feedback import attempt
from kamavor.network.access import Action
from kamavor.sorting.access import find_container_for
from kamavor.stock.models import Container, Document


def open_by_code(
    request: HttpRequest, find: Callable[[str], object], *, missing: str, back: HttpResponse
) -> tuple[object | None, HttpResponse]:
    """What the code in `?code=` finds (`find` raises Http404 for what the member may not
    see), or None with `back` and the `missing` message (its `%(code)s` the code as typed)."""
    code = request.GET.get("code", "")
    try:
        return find(code), back
    except Http404:
        messages.error(request, missing % {"code": code[:20]})
        return None, back


def scanned_box(request: HttpRequest, point, action: Action) -> Container | None:
    """The container whose code the form carries (field `box`), if the member may do `action`
    with it and it is at this point; None (and a message saying why) otherwise."""
    box_code = request.POST.get("box", "")
    try:
        container = find_container_for(request.user, box_code, action)
    except Http404:
        messages.error(
            request, _("No container has the code “%(code)s”.") % {"code": box_code[:20]}
        )
        return None
    if container.point_id != point.pk:
        messages.error(request, _("This container is not at %(point)s.") % {"point": point.name})
        return None
    return container


def take_box(
    request: HttpRequest,
    point,
    *,
    action: Action,
    back: HttpResponse,
    take: Callable[[Container, str | None], Document],
    said: Callable[[Container, Document], str],
    then: Callable[[Document], HttpResponse] | None = None,
) -> HttpResponse:
    """A box's label scanned at a desk: `take(container, key)` is the one service call that
    takes its whole contents (the form's key makes a second press, or a retry, answer the
    first); `said` tells the member what it did; then to `then(document)`, or `back`. A box
    not found, not here, or refused goes `back` with the reason."""
    container = scanned_box(request, point, action)
    if container is None:
        return back
    document = attempt(
        request,
        lambda: take(container, request.POST.get("key") or None),
        lambda document: said(container, document),
    )
    if document is None:
        return back
    return then(document) if then is not None else back
