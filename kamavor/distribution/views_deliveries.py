"""Shelter deliveries at the desk: open shelter requests, a printable pick list, send; and the
partner's page to confirm what arrived."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kamavor.core.errors import KamavorError
from kamavor.core.feedback import attempt
from kamavor.distribution import deliveries as services
from kamavor.distribution.access import deliveries_for, get_delivery_for, with_details
from kamavor.distribution.forms import PackForm
from kamavor.needs.access import get_request_for, requests_for
from kamavor.network.access import Action, may
from kamavor.network.decorators import point_view
from kamavor.stock.forms import ReceiveTransferForm

OPEN = 100
RECENT = 20
Status = services.Status


@point_view(Action.SEND_TRANSFER)
def deliveries(request: HttpRequest, point) -> HttpResponse:
    """Open shelter requests of the organisation, and deliveries from here."""
    requests = (
        requests_for(request.user)
        .open()
        .filter(shelter__isnull=False, organisation_id=point.organisation_id)
        .with_details()
        .by_urgency()[:OPEN]
    )
    outgoing = with_details(deliveries_for(request.user).filter(point=point))
    return render(
        request,
        "distribution/deliveries.html",
        {
            "point": point,
            "tab": "distribution",
            "requests": list(requests),
            "open_deliveries": list(
                outgoing.filter(status__in=services.IN_FLIGHT).order_by("-created_at")[:OPEN]
            ),
            "received": list(
                outgoing.filter(status=Status.RECEIVED).order_by("-received_at")[:RECENT]
            ),
        },
    )


def _shelter_request(user, point, request_id):
    shelter_request = get_request_for(user, request_id)
    if shelter_request.shelter_id is None or shelter_request.organisation_id != (
        point.organisation_id
    ):
        raise Http404
    return shelter_request


@point_view(Action.SEND_TRANSFER)
def prepare(request: HttpRequest, point, request_id: int) -> HttpResponse:
    """The pick list for a shelter's request (printable); Pack turns it into a draft delivery."""
    shelter_request = _shelter_request(request.user, point, request_id)
    form = PackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            delivery = services.prepare_delivery(
                request=shelter_request,
                point=point,
                by=request.user,
                note=form.cleaned_data["note"],
                idempotency_key=form.cleaned_data["key"],
            )
        except KamavorError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(number)s packed for %(shelter)s: send it when it leaves.")
                % {"number": delivery.number, "shelter": delivery.destination.name},
            )
            return redirect("distribution:delivery", delivery_id=delivery.pk)
    picks = services.pick_list(request=shelter_request, point=point)
    lines = {line.pk: line for line in shelter_request.lines.all()}
    return render(
        request,
        "distribution/delivery_prepare.html",
        {
            "point": point,
            "tab": "distribution",
            "shelter_request": shelter_request,
            "picks": picks,
            "short": [(lines[pk], units) for pk, units in picks.short.items()],
            "form": form,
        },
    )


def _render(request: HttpRequest, delivery, confirm_form=None) -> HttpResponse:
    user = request.user
    lines = list(delivery.lines.select_related("item", "lot").order_by("pk"))
    for line in lines:
        if line.received_quantity is not None:
            line.difference = line.received_quantity - line.quantity
    may_send = delivery.status == Status.DRAFT and may(
        user, delivery.organisation_id, Action.SEND_TRANSFER
    )
    may_confirm = delivery.status == Status.SENT and may(
        user, delivery.destination.organisation_id, Action.CONFIRM_DELIVERY
    )
    if may_confirm and confirm_form is None:
        confirm_form = ReceiveTransferForm(lines=lines)
    at_desk = may(user, delivery.organisation_id, Action.VIEW_STOCK)
    return render(
        request,
        "distribution/delivery.html",
        {
            "point": delivery.point if at_desk else None,
            "tab": "distribution",
            "delivery": delivery,
            "lines": lines,
            "units": sum(line.quantity for line in lines),
            "received_units": sum(line.received_quantity or 0 for line in lines),
            "may_send": may_send,
            "confirm_form": confirm_form if may_confirm else None,
        },
    )


@login_required
def delivery(request: HttpRequest, delivery_id: int) -> HttpResponse:
    return _render(request, get_delivery_for(request.user, delivery_id))


@require_POST
@login_required
def send(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = get_delivery_for(request.user, delivery_id)
    attempt(
        request,
        partial(
            services.send_delivery,
            delivery=delivery,
            by=request.user,
            idempotency_key=f"delivery-send-{delivery.pk}",
        ),
        _("%(number)s sent: the goods left stock here for %(shelter)s.")
        % {"number": delivery.number, "shelter": delivery.destination.name},
    )
    return redirect("distribution:delivery", delivery_id=delivery.pk)


@require_POST
@login_required
def cancel(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = get_delivery_for(request.user, delivery_id)
    cancelled = attempt(
        request,
        partial(services.cancel_delivery, delivery=delivery, by=request.user),
        _("%(number)s cancelled.") % {"number": delivery.number},
    )
    if cancelled is None:
        return redirect("distribution:delivery", delivery_id=delivery.pk)
    return redirect("distribution:deliveries", point_id=delivery.point_id)


@require_POST
@login_required
def confirm(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = get_delivery_for(request.user, delivery_id)
    if not may(request.user, delivery.destination.organisation_id, Action.CONFIRM_DELIVERY):
        raise PermissionDenied
    lines = list(delivery.lines.order_by("pk"))
    form = ReceiveTransferForm(request.POST, lines=lines)
    if not form.is_valid():
        return _render(request, delivery, form)
    try:
        services.confirm_delivery(
            delivery=delivery,
            received=form.received(),
            by=request.user,
            note=form.cleaned_data["note"],
            idempotency_key=form.cleaned_data["key"],
        )
    except KamavorError as error:
        messages.error(request, error.message)
        return redirect("distribution:delivery", delivery_id=delivery.pk)
    sent, got = sum(x.quantity for x in lines), sum(form.received().values())
    if got == sent:
        text = _("%(number)s confirmed: all %(sent)d units arrived.")
    else:
        text = _("%(number)s confirmed: %(got)d of %(sent)d units; the differences are recorded.")
    messages.success(request, text % {"number": delivery.number, "sent": sent, "got": got})
    return redirect("distribution:delivery", delivery_id=delivery.pk)


@login_required
def shelter_deliveries(request: HttpRequest) -> HttpResponse:
    """Deliveries on their way to the shelters you may see, and those that arrived lately."""
    seen = with_details(deliveries_for(request.user))
    return render(
        request,
        "distribution/shelter_deliveries.html",
        {
            "in_transit": list(seen.filter(status=Status.SENT).order_by("created_at")[:OPEN]),
            "received": list(seen.filter(status=Status.RECEIVED).order_by("-received_at")[:RECENT]),
        },
    )
