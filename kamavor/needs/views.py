"""The needs pages: the standards (read-only) and the requests desk.

Each view resolves what the member may see through `kamavor.needs.access`, calls one service,
and redirects back with a message; a refused request writes nothing.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kamavor.catalogue.models import Item
from kamavor.core.errors import KamavorError
from kamavor.core.paging import page_of
from kamavor.needs import services
from kamavor.needs.access import (
    get_household_for,
    get_request_for,
    get_shelter_for,
    may_request,
    requests_for,
    shelters_for,
)
from kamavor.needs.models import Request, Standard
from kamavor.network.access import Action, organisations_for

SHELTER_LINES = 5
LIST_PAGE_SIZE = 100


def _member(request: HttpRequest) -> None:
    if not organisations_for(request.user):
        raise Http404


@login_required
def standards(request: HttpRequest) -> HttpResponse:
    _member(request)
    return render(
        request, "needs/standards.html", {"standards": Standard.objects.with_item(), "tab": ""}
    )


@login_required
def requests_desk(request: HttpRequest) -> HttpResponse:
    _member(request)
    organisations = organisations_for(request.user)
    page, page_query = page_of(
        request, requests_for(request.user).open().with_details().by_urgency(), LIST_PAGE_SIZE
    )
    shown = page.object_list
    may_household = any(may_request(request.user, o, for_shelter=False) for o in organisations)
    shelters = shelters_for(request.user)
    if not shown and not may_household and not shelters:
        raise PermissionDenied
    return render(
        request,
        "needs/requests.html",
        {
            "requests": [(r, services.may_change(request.user, r)) for r in shown],
            "may_household": may_household,
            "shelters": shelters,
            "items": Item.objects.active().select_related("category"),
            "urgencies": Request.Urgency.choices,
            "shelter_lines": range(1, SHELTER_LINES + 1),
            "key": uuid.uuid4().hex,
            "tab": "requests",
            "page": page,
            "page_query": page_query,
        },
    )


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _item(value) -> Item | None:
    number = _int(value)
    return Item.objects.active().filter(pk=number).first() if number else None


@login_required
@require_POST
def create_household_request(request: HttpRequest) -> HttpResponse:
    data = request.POST
    try:
        household = get_household_for(
            request.user, data.get("code", ""), Action.REQUEST_FOR_HOUSEHOLD
        )
        item = _item(data.get("item"))
        if item is None:
            raise KamavorError(_("Choose an item."))
        created = services.create_request(
            by=request.user,
            household=household,
            lines=[services.LineIn(quantity=_int(data.get("quantity"), 0), item=item,
                                   size=data.get("size", ""))],
            urgency=data.get("urgency", Request.Urgency.NORMAL),
            reason=data.get("reason", ""),
            idempotency_key=data.get("key") or None,
        )  # fmt: skip
    except Http404:
        messages.error(request, _("No household with this code."))
    except KamavorError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Request #%(n)d recorded for %(code)s.")
            % {"n": created.pk, "code": household.display_code},
        )
    return redirect("needs:requests")


@login_required
@require_POST
def create_shelter_request(request: HttpRequest) -> HttpResponse:
    data = request.POST
    shelter = get_shelter_for(request.user, data.get("shelter"))
    lines = []
    for n in range(1, SHELTER_LINES + 1):
        item, quantity = _item(data.get(f"item_{n}")), _int(data.get(f"quantity_{n}"), 0)
        if item is not None or quantity:
            lines.append(services.LineIn(quantity=quantity, item=item))
    try:
        created = services.create_request(
            by=request.user,
            shelter=shelter,
            lines=lines,
            number_of_people=_int(data.get("number_of_people")),
            urgency=data.get("urgency", Request.Urgency.NORMAL),
            reason=data.get("reason", ""),
            idempotency_key=data.get("key") or None,
        )
    except KamavorError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Request #%(n)d recorded for %(shelter)s.")
            % {"n": created.pk, "shelter": shelter.name},
        )
    return redirect("needs:requests")


@login_required
@require_POST
def cancel(request: HttpRequest, request_id: int) -> HttpResponse:
    found = get_request_for(request.user, request_id)
    try:
        services.cancel_request(request=found, by=request.user)
    except KamavorError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Request #%(n)d cancelled.") % {"n": found.pk})
    return redirect("needs:requests")
