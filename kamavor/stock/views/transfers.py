"""The transfer desk: prepare a pick list for another point, send it, receive what arrives."""

from __future__ import annotations

from collections import defaultdict
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kamavor.catalogue.models import Item
from kamavor.core.errors import KamavorError
from kamavor.core.feedback import attempt
from kamavor.network.access import Action, may, role_at
from kamavor.network.decorators import point_view
from kamavor.stock import services
from kamavor.stock.access import get_document_for
from kamavor.stock.carts import Cart
from kamavor.stock.forms import CreateTransferForm, ReceiveTransferForm, TransferLineForm
from kamavor.stock.models import Balance, Document, IdempotencyRecord
from kamavor.stock.services import LotLine
from kamavor.stock.views._find import cart_views, choose_first, chosen_item, find_and_choose

RECENT = 10
OPEN = 100  # drafts and transfers in transit are few; the cap keeps a neglected desk fast

Status = Document.Status


# ---------------------------------------------------------------- the list


@point_view(Action.VIEW_STOCK)
def transfers(request: HttpRequest, point) -> HttpResponse:
    """Drafts and transfers in transit from here, transfers on their way here, recent arrivals."""
    documents = (
        Document.objects.filter(kind=Document.Kind.TRANSFER)
        .select_related("point__organisation", "destination__organisation", "created_by")
        .annotate(
            line_count=Count("lines"),
            units=Sum("lines__quantity"),
            received_units=Sum("lines__received_quantity"),
        )
    )
    outgoing = list(
        documents.filter(point=point, status__in=[Status.DRAFT, Status.SENT]).order_by(
            "-created_at", "-pk"
        )[:OPEN]
    )
    incoming = documents.filter(destination=point, status=Status.SENT).order_by("created_at", "pk")
    received = documents.filter(
        Q(point=point) | Q(destination=point), status=Status.RECEIVED
    ).order_by("-received_at", "-pk")
    return render(
        request,
        "stock/transfers.html",
        {
            "point": point,
            "tab": "transfers",
            "drafts": [d for d in outgoing if d.status == Status.DRAFT],
            "in_transit": [d for d in outgoing if d.status == Status.SENT],
            "incoming": list(incoming[:OPEN]),
            "received": list(received[:RECENT]),
            "may_send": may(request.user, point.organisation_id, Action.SEND_TRANSFER),
        },
    )


# ---------------------------------------------------------------- preparing a transfer


def _cart(request: HttpRequest, point) -> Cart:
    return Cart.for_desk(request, "transfer", point.pk)


def _units(point, per: str, **filters) -> dict:
    """Units on hand at the point that have not expired, per value of the field `per`."""
    rows = (
        Balance.objects.filter(point=point, quantity__gt=0, **filters)
        .exclude(lot__expiry__lt=timezone.localdate())
        .values_list(per)
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    return dict(rows)


def _available(point, item: Item) -> dict[str, int]:
    """Units of the item on hand that have not expired, per size ("" for an item without)."""
    units = _units(point, "lot__size", item=item)
    if item.tracks_size:
        return units
    return {"": sum(units.values())}


def _line_form(point, cart: Cart, item: Item, data=None) -> TransferLineForm:
    in_cart: dict[str, int] = defaultdict(int)
    for line in cart.lines:
        if line["item"] == item.pk:
            in_cart[line["size"]] += line["quantity"]
    return TransferLineForm(data, item=item, available=_available(point, item), in_cart=in_cart)


def _cart_lines(cart: Cart) -> list[dict]:
    items = Item.objects.select_related("category").in_bulk([x["item"] for x in cart.lines])
    return [
        {**line, "index": index, "item": items.get(line["item"])}
        for index, line in enumerate(cart.lines)
    ]


def _mark_on_hand(point, items: list[Item]) -> None:
    """Tell each item found how many units of it are here and have not expired."""
    if not items:
        return
    units = _units(point, "item_id", item_id__in=[item.pk for item in items])
    for item in items:
        item.on_hand = units.get(item.pk, 0)


def _render_new(request: HttpRequest, point, cart: Cart, **context) -> HttpResponse:
    lines = _cart_lines(cart)
    context.setdefault("create_form", CreateTransferForm(source=point, initial={"key": cart.key}))
    _mark_on_hand(point, context.get("matches", []))
    return render(
        request,
        "stock/transfer_new.html",
        {
            "point": point,
            "tab": "transfers",
            "lines": lines,
            "total": sum(line["quantity"] for line in lines),
            **context,
        },
    )


@point_view(Action.SEND_TRANSFER)
def transfer_new(request: HttpRequest, point) -> HttpResponse:
    """Find an item, choose it, type how many: the same flow as the intake desk."""
    cart = _cart(request, point)
    return find_and_choose(
        request, partial(_render_new, request, point, cart), partial(_line_form, point, cart)
    )


@require_POST
@point_view(Action.SEND_TRANSFER)
def transfer_add(request: HttpRequest, point) -> HttpResponse:
    cart = _cart(request, point)
    item = chosen_item(request)
    if item is None:
        return choose_first(request, "stock:transfer_new", point)
    form = _line_form(point, cart, item, data=request.POST)
    if not form.is_valid():
        return _render_new(request, point, cart, item=item, line_form=form)
    cart.add(form.line)
    return redirect("stock:transfer_new", point_id=point.pk)


transfer_remove, transfer_clear = cart_views(Action.SEND_TRANSFER, _cart, "stock:transfer_new")


def _picks(point, cart: Cart) -> tuple[list[LotLine], list[str]]:
    """The cart's lines as lots to pick, first expiry first out (never expired), and a
    sentence for every item the point has too little of."""
    wanted: dict[tuple[int, str], int] = defaultdict(int)
    for line in cart.lines:
        wanted[(line["item"], line["size"])] += line["quantity"]
    items = Item.objects.in_bulk([item_id for item_id, _size in wanted])
    lines, shortages = [], []
    for (item_id, size), quantity in wanted.items():
        item = items[item_id]
        picks = services.suggest_picks(
            point=point, item=item, quantity=quantity, size=size if item.tracks_size else None
        )
        have = sum(take for _lot, take in picks)
        if have < quantity:
            shortages.append(
                _("%(item)s%(size)s: %(want)d asked, %(have)d on hand that have not expired.")
                % {
                    "item": item.name,
                    "size": f" ({size})" if size else "",
                    "want": quantity,
                    "have": have,
                }
            )
        lines.extend(LotLine(lot, take) for lot, take in picks)
    return lines, shortages


def _created_with(user, key: str) -> Document | None:
    """The transfer an earlier post of this form created (a retry after a weak connection)."""
    record = (
        IdempotencyRecord.objects.filter(user=user, key=key, document__kind="transfer")
        .select_related("document")
        .first()
    )
    return record.document if record else None


@require_POST
@point_view(Action.SEND_TRANSFER)
def transfer_create(request: HttpRequest, point) -> HttpResponse:
    """Turn the cart into a draft transfer: lots picked first expiry first out, or nothing."""
    cart = _cart(request, point)
    posted_key = request.POST.get("key", "")
    if posted_key and posted_key != cart.key:
        earlier = _created_with(request.user, posted_key)
        if earlier is not None:
            messages.info(
                request, _("%(number)s was already prepared.") % {"number": earlier.number}
            )
            return redirect("stock:transfer", document_id=earlier.pk)
    form = CreateTransferForm(request.POST, source=point)
    if not form.is_valid():
        return _render_new(request, point, cart, create_form=form)
    if not cart.lines:
        messages.error(request, _("Add at least one line."))
        return _render_new(request, point, cart, create_form=form)
    lines, shortages = _picks(point, cart)
    if shortages:
        messages.error(request, _("Not enough stock here: nothing was prepared."))
        for shortage in shortages:
            messages.error(request, shortage)
        return _render_new(request, point, cart, create_form=form)
    data = form.cleaned_data
    try:
        transfer = services.create_transfer(
            source=point,
            destination=data["destination"],
            lines=lines,
            by=request.user,
            note=data["note"],
            idempotency_key=cart.key,
        )
    except KamavorError as error:
        messages.error(request, error.message)
        return _render_new(request, point, cart, create_form=form)
    cart.clear()
    messages.success(
        request,
        _("%(number)s prepared for %(destination)s: pick the lots below, then send it.")
        % {"number": transfer.number, "destination": transfer.destination.name},
    )
    return redirect("stock:transfer", document_id=transfer.pk)


# ---------------------------------------------------------------- one transfer


def _get_transfer(user, document_id) -> Document:
    document = get_document_for(user, document_id)
    if document.kind != Document.Kind.TRANSFER:
        raise Http404
    return document


def _render_transfer(
    request: HttpRequest, transfer: Document, receive_form: ReceiveTransferForm | None = None
) -> HttpResponse:
    user = request.user
    lines = list(transfer.lines.select_related("item", "lot").order_by("pk"))
    may_send = transfer.status == Status.DRAFT and may(
        user, transfer.organisation_id, Action.SEND_TRANSFER
    )
    may_receive = transfer.status == Status.SENT and may(
        user, transfer.destination.organisation_id, Action.RECEIVE_TRANSFER
    )
    if may_receive and receive_form is None:
        receive_form = ReceiveTransferForm(lines=lines)
    received = any(line.received_quantity is not None for line in lines)
    for line in lines:
        if line.received_quantity is not None:
            line.difference = line.received_quantity - line.quantity
    # The desk tabs belong to the member's own point: the source, or else the destination.
    here = transfer.point if role_at(user, transfer.organisation_id) else transfer.destination
    return render(
        request,
        "stock/transfer.html",
        {
            "point": here,
            "tab": "transfers",
            "transfer": transfer,
            "lines": lines,
            "units": sum(line.quantity for line in lines),
            "received": received,
            "received_units": sum(line.received_quantity or 0 for line in lines),
            "differences": sum(1 for line in lines if getattr(line, "difference", 0)),
            "may_send": may_send,
            "receive_form": receive_form if may_receive else None,
            "at_source": here == transfer.point,
        },
    )


@login_required
def transfer_detail(request: HttpRequest, document_id: int) -> HttpResponse:
    return _render_transfer(request, _get_transfer(request.user, document_id))


@require_POST
@login_required
def transfer_send(request: HttpRequest, document_id: int) -> HttpResponse:
    transfer = _get_transfer(request.user, document_id)
    attempt(
        request,
        partial(
            services.send_transfer,
            transfer=transfer,
            by=request.user,
            idempotency_key=f"transfer-send-{transfer.pk}",
        ),
        _("%(number)s sent: the goods left stock here and are on their way to %(point)s.")
        % {"number": transfer.number, "point": transfer.destination.name},
    )
    return redirect("stock:transfer", document_id=transfer.pk)


@require_POST
@login_required
def transfer_cancel(request: HttpRequest, document_id: int) -> HttpResponse:
    transfer = _get_transfer(request.user, document_id)
    cancelled = attempt(
        request,
        partial(services.cancel_transfer, transfer=transfer, by=request.user),
        _("%(number)s cancelled.") % {"number": transfer.number},
    )
    if cancelled is None:
        return redirect("stock:transfer", document_id=transfer.pk)
    return redirect("stock:transfers", point_id=transfer.point_id)


@require_POST
@login_required
def transfer_receive(request: HttpRequest, document_id: int) -> HttpResponse:
    transfer = _get_transfer(request.user, document_id)
    if not may(request.user, transfer.destination.organisation_id, Action.RECEIVE_TRANSFER):
        raise PermissionDenied
    lines = list(transfer.lines.order_by("pk"))
    form = ReceiveTransferForm(request.POST, lines=lines)
    if not form.is_valid():
        if transfer.status != Status.SENT:
            messages.error(request, _("This transfer is not in transit any more."))
            return redirect("stock:transfer", document_id=transfer.pk)
        return _render_transfer(request, transfer, form)
    # A repeat of the same form (same key) returns the first receipt; any other is refused.
    try:
        services.receive_transfer(
            transfer=transfer,
            received=form.received(),
            by=request.user,
            note=form.cleaned_data["note"],
            idempotency_key=form.cleaned_data["key"],
        )
    except KamavorError as error:
        messages.error(request, error.message)
        return redirect("stock:transfer", document_id=transfer.pk)
    sent, got = sum(x.quantity for x in lines), sum(form.received().values())
    if got == sent:
        text = _("%(number)s received: all %(sent)d units arrived.")
    else:
        text = _("%(number)s received: %(got)d of %(sent)d units; the differences are recorded.")
    messages.success(request, text % {"number": transfer.number, "sent": sent, "got": got})
    return redirect("stock:transfer", document_id=transfer.pk)
