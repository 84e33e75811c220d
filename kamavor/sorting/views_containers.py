"""Containers at a point: make one, pack it, print its label, open it, send it whole.

Contents are always read from the ledger (kamavor.stock.services.contents); every change is a
stock service: pack, unpack, and create_transfer for a container sent to another point.
"""

from __future__ import annotations

from functools import partial

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kamavor.catalogue.models import Item
from kamavor.core.errors import KamavorError
from kamavor.core.feedback import attempt
from kamavor.core.numbers import object_id
from kamavor.distribution.adapters import find_household
from kamavor.needs.access import get_request_for
from kamavor.network.access import Action, may
from kamavor.network.decorators import point_view
from kamavor.sorting import services as sorting
from kamavor.sorting.access import find_container_for, get_container_for, get_drop_off_for
from kamavor.sorting.forms import ContainerForm, FindContainerForm, PackForm
from kamavor.sorting.views_common import open_by_code, take_box
from kamavor.stock import services
from kamavor.stock.forms import CountSheetForm, CreateTransferForm
from kamavor.stock.models import Balance, Container, Lot
from kamavor.stock.services import CountLine
from kamavor.stock.views._find import chosen_item, find_and_choose

LIST_LIMIT = 50


def _list(request: HttpRequest, point, form: ContainerForm | None = None) -> HttpResponse:
    containers = list(
        Container.objects.filter(point=point).order_by("-created_at", "-pk")[:LIST_LIMIT]
    )
    units = dict(
        Balance.objects.filter(lot__container__in=containers, point=point, quantity__gt=0)
        .values_list("lot__container_id")
        .annotate(n=Sum("quantity"))
    )
    for container in containers:
        container.units = units.get(container.pk, 0)
    return render(
        request,
        "sorting/containers.html",
        {
            "point": point,
            "containers": containers,
            "form": form or ContainerForm(),
            "find_form": FindContainerForm(),
        },
    )


@point_view(Action.VIEW_STOCK)
def containers(request: HttpRequest, point) -> HttpResponse:
    return _list(request, point)


@require_POST
@point_view(Action.INTAKE)
def container_new(request: HttpRequest, point) -> HttpResponse:
    form = ContainerForm(request.POST)
    if not form.is_valid():
        return _list(request, point, form)
    try:
        container = services.create_container(point=point, by=request.user, **form.cleaned_data)
    except KamavorError as error:
        form.add_error(None, error.message)
        return _list(request, point, form)
    return redirect("sorting:container", container_id=container.pk)


@point_view(Action.VIEW_STOCK)
def find_container(request: HttpRequest, point) -> HttpResponse:
    container, back = open_by_code(
        request,
        lambda code: find_container_for(request.user, code),
        missing=_("No container has the code “%(code)s”."),
        back=redirect("sorting:containers", point_id=point.pk),
    )
    return back if container is None else redirect("sorting:container", container_id=container.pk)


def _loose_lots(point, item) -> list[Lot]:
    return list(
        Lot.objects.loose()
        .at(point)
        .in_stock()
        .filter(item=item)
        .select_related("balance")
        .fefo()[:20]
    )


def _packed_lots(container: Container) -> list[Lot]:
    return list(
        Lot.objects.filter(container=container, point=container.point, balance__quantity__gt=0)
        .select_related("balance", "item")
        .order_by("item__code", "expiry", "size", "pk")
    )


def _detail(request: HttpRequest, container: Container, **context) -> HttpResponse:
    held = list(services.contents(container))
    if (
        held
        and "count_form" not in context
        and may(request.user, container.point.organisation_id, Action.COUNT)
    ):
        context["count_form"] = CountSheetForm(lots=_packed_lots(container))
    return render(
        request,
        "sorting/container.html",
        {
            "point": container.point,
            "container": container,
            "held": held,
            "units": sum(b.quantity for b in held),
            "send_form": context.pop("send_form", None)
            or CreateTransferForm(source=container.point),
            "desk_url": reverse("sorting:container", args=[container.pk]),
            "add_url": reverse("sorting:pack", args=[container.pk]),
            **context,
        },
    )


@login_required
def container(request: HttpRequest, container_id: int) -> HttpResponse:
    """A container's contents (from the ledger), and packing it: find an item as at the intake
    desk, then say how many of its loose lots go in."""
    found = get_container_for(request.user, container_id)
    return find_and_choose(
        request,
        partial(_detail, request, found),
        lambda item: PackForm(item=item, lots=_loose_lots(found.point, item)),
    )


@require_POST
@login_required
def pack(request: HttpRequest, container_id: int) -> HttpResponse:
    found = get_container_for(request.user, container_id, Action.INTAKE)
    item = chosen_item(request)
    if item is None:
        return redirect("sorting:container", container_id=found.pk)
    form = PackForm(request.POST, item=item, lots=_loose_lots(found.point, item))
    if not form.is_valid():
        return _detail(request, found, item=item, line_form=form)
    attempt(
        request, partial(services.pack, container=found, lines=form.lines, by=request.user), None
    )
    return redirect("sorting:container", container_id=found.pk)


@require_POST
@login_required
def unpack(request: HttpRequest, container_id: int) -> HttpResponse:
    found = get_container_for(request.user, container_id, Action.INTAKE)
    attempt(
        request,
        partial(services.unpack, container=found, by=request.user),
        _("Opened: its goods are loose stock again."),
    )
    return redirect("sorting:container", container_id=found.pk)


@require_POST
@login_required
def send(request: HttpRequest, container_id: int) -> HttpResponse:
    """Scan a container into a transfer: a draft transfer of its whole contents, to be sent
    from the transfer's page like any other."""
    found = get_container_for(request.user, container_id, Action.SEND_TRANSFER)
    form = CreateTransferForm(request.POST, source=found.point)
    if not form.is_valid():
        return _detail(request, found, send_form=form)
    try:
        transfer = services.create_transfer(
            source=found.point,
            destination=form.cleaned_data["destination"],
            lines=services.container_lines(found),
            by=request.user,
            note=form.cleaned_data["note"] or str(found),
            idempotency_key=form.cleaned_data["key"] or None,
        )
    except KamavorError as error:
        messages.error(request, error.message)
        return redirect("sorting:container", container_id=found.pk)
    return redirect("stock:transfer", document_id=transfer.pk)


@require_POST
@login_required
def count(request: HttpRequest, container_id: int) -> HttpResponse:
    """Count a container as a whole: each of its lots counted, differences posted with a reason."""
    found = get_container_for(request.user, container_id, Action.COUNT)
    form = CountSheetForm(request.POST, lots=_packed_lots(found))
    if not form.is_valid():
        return _detail(request, found, count_form=form)
    lines = [CountLine(counted, lot=lot) for lot, counted in form.counted()]
    if not lines:
        messages.error(request, _("Type what is in the container."))
        return redirect("sorting:container", container_id=found.pk)
    try:
        document = services.post_count(
            point=found.point,
            lines=lines,
            by=request.user,
            reason=form.cleaned_data["reason"],
            idempotency_key=form.cleaned_data["key"],
        )
    except KamavorError as error:
        form.add_error(None, error.message)
        return _detail(request, found, count_form=form)
    messages.success(request, _("%(number)s posted.") % {"number": document.number})
    return redirect("sorting:container", container_id=found.pk)


@login_required
def label(request: HttpRequest, container_id: int) -> HttpResponse:
    """The container's label: QR, code and contents as the ledger holds them now."""
    found = get_container_for(request.user, container_id)
    return render(
        request,
        "sorting/container_label.html",
        {
            "container": found,
            "held": list(services.contents(found)),
            "qr": segno.make(found.code, error="m").svg_inline(scale=4, border=1, omitsize=True),
            "sheet": request.GET.get("sheet") == "a4",
        },
    )


@require_POST
@login_required
def pack_drop_off(request: HttpRequest, drop_off_id: int) -> HttpResponse:
    """Pack a closed drop-off's sorted goods into a new box."""
    drop_off = get_drop_off_for(request.user, drop_off_id)
    found = attempt(
        request,
        partial(sorting.pack_drop_off, drop_off=drop_off, by=request.user),
        lambda box: _("Packed into %(container)s.") % {"container": box},
    )
    if found is None:
        return redirect("sorting:station", drop_off_id=drop_off.pk)
    return redirect("sorting:container", container_id=found.pk)


@require_POST
@point_view(Action.DISTRIBUTE)
def hand_out(request: HttpRequest, point, code: str) -> HttpResponse:
    """A box's label scanned at the distribution desk: its whole contents are handed to the
    household being served, as one distribution."""
    household = find_household(request.user, code)
    if household is None:
        raise Http404
    return take_box(
        request,
        point,
        action=Action.DISTRIBUTE,
        back=redirect("distribution:visit", point_id=point.pk, code=household.code),
        take=lambda box, key: sorting.hand_out_container(
            container=box, household=household, by=request.user, idempotency_key=key
        ),
        said=lambda box, document: (
            _("%(number)s: the contents of %(box)s were handed to household %(code)s.")
            % {"number": document.number, "box": box, "code": household.display_code}
        ),
        then=lambda document: redirect(
            "distribution:receipt", point_id=point.pk, document_id=document.pk
        ),
    )


@require_POST
@point_view(Action.BUILD_KIT)
def kit_box(request: HttpRequest, point) -> HttpResponse:
    """A box of components scanned at the kit desk: as many kits as its contents make are
    built from its lots; what is left over stays in the box."""
    back = redirect("stock:kits", point_id=point.pk)
    kit = Item.objects.active().filter(is_kit=True, pk=object_id(request.POST.get("kit"))).first()
    if kit is None:
        messages.error(request, _("Choose a kit."))
        return back

    def said(box: Container, document) -> str:
        built = document.lines.filter(item=kit).values_list("quantity", flat=True).first() or 0
        return _("%(number)s: %(n)d × %(kit)s built from %(box)s.") % {
            "number": document.number,
            "n": built,
            "kit": kit.name,
            "box": box,
        }

    return take_box(
        request,
        point,
        action=Action.BUILD_KIT,
        back=back,
        take=lambda box, key: sorting.build_kits_from_container(
            container=box, kit=kit, by=request.user, idempotency_key=key
        ),
        said=said,
    )


@require_POST
@point_view(Action.SEND_TRANSFER)
def deliver_box(request: HttpRequest, point, request_id: int) -> HttpResponse:
    """A box scanned on a shelter request's pick list: its whole contents are packed as the
    delivery (a draft, sent from the delivery's page like any other)."""
    shelter_request = get_request_for(request.user, request_id)
    if shelter_request.shelter_id is None or (
        shelter_request.organisation_id != point.organisation_id
    ):
        raise Http404
    return take_box(
        request,
        point,
        action=Action.SEND_TRANSFER,
        back=redirect(
            "distribution:delivery_prepare", point_id=point.pk, request_id=shelter_request.pk
        ),
        take=lambda box, key: sorting.deliver_container(
            container=box, request=shelter_request, by=request.user, idempotency_key=key
        ),
        said=lambda box, delivery: (
            _(
                "%(number)s packed for %(shelter)s with the contents of %(box)s: "
                "send it when it leaves."
            )
            % {"number": delivery.number, "shelter": delivery.destination.name, "box": box}
        ),
        then=lambda delivery: redirect("distribution:delivery", delivery_id=delivery.pk),
    )
