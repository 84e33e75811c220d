"""The intake desk: find an item (any script, or a barcode scan), add lines, post, reverse."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kamavor.catalogue.models import Item
from kamavor.catalogue.services import attach_barcode
from kamavor.core.errors import KamavorError
from kamavor.lib.gtin import looks_like_barcode
from kamavor.network.access import Action, may
from kamavor.network.decorators import point_view
from kamavor.stock import services
from kamavor.stock.carts import Cart, intake_line_to_dict, intake_lines
from kamavor.stock.forms import IntakeLineForm, PostIntakeForm
from kamavor.stock.models import Document
from kamavor.stock.views._find import cart_views, choose_first, chosen_item, find_and_choose

RECENT = 10


def _cart(request: HttpRequest, point) -> Cart:
    cart = Cart.for_desk(request, "intake", point.pk)
    if cart.mode == "purchase" and not may(request.user, point.organisation_id, Action.PURCHASE):
        cart.set_mode("donation")
    return cart


def _recent(point) -> list[Document]:
    return list(
        Document.objects.filter(
            point=point, kind__in=[Document.Kind.DONATION, Document.Kind.PURCHASE]
        )
        .select_related("created_by")
        .prefetch_related("lines__item")
        .order_by("-created_at", "-pk")[:RECENT]
    )


def _render(request: HttpRequest, point, cart: Cart, **context) -> HttpResponse:
    purchase = cart.mode == "purchase"
    lines = intake_lines(cart)
    context.setdefault("post_form", PostIntakeForm(purchase=purchase))
    recent = _recent(point)
    for document in recent:
        document.reversible = services.can_reverse(request.user, document)
    return render(
        request,
        "stock/intake.html",
        {
            "point": point,
            "tab": "intake",
            "cart": cart,
            "purchase": purchase,
            "may_purchase": may(request.user, point.organisation_id, Action.PURCHASE),
            "lines": list(enumerate(lines)),
            "total": sum(line.quantity for line in lines),
            "recent": recent,
            **context,
        },
    )


@point_view(Action.INTAKE)
def intake(request: HttpRequest, point) -> HttpResponse:
    cart = _cart(request, point)
    mode = request.GET.get("mode")
    allowed = mode == "donation" or (
        mode == "purchase" and may(request.user, point.organisation_id, Action.PURCHASE)
    )
    if allowed and mode != cart.mode:
        cart.set_mode(mode)
    return find_and_choose(
        request,
        partial(_render, request, point, cart, barcode=_pending_barcode(request)),
        lambda item: IntakeLineForm(item=item, purchase=cart.mode == "purchase"),
        not_found=partial(_unknown_barcode, request, point, cart),
    )


def _pending_barcode(request: HttpRequest) -> str:
    """An unknown barcode scanned earlier, carried along until the item is found by name."""
    code = (request.GET.get("barcode") or request.POST.get("barcode") or "").strip()
    return code if looks_like_barcode(code) else ""


def _unknown_barcode(request: HttpRequest, point, cart: Cart, query: str) -> HttpResponse | None:
    """A scanned barcode the catalogue does not know yet: find the item by name, then keep it."""
    if not looks_like_barcode(query):
        return None
    return _render(request, point, cart, barcode=query, unknown_barcode=True)


@require_POST
@point_view(Action.INTAKE)
def intake_add(request: HttpRequest, point) -> HttpResponse:
    cart = _cart(request, point)
    item = chosen_item(request)
    if item is None:
        return choose_first(request, "stock:intake", point)
    form = IntakeLineForm(request.POST, item=item, purchase=cart.mode == "purchase")
    barcode = _pending_barcode(request)
    if not form.is_valid():
        return _render(request, point, cart, item=item, line_form=form, barcode=barcode)
    cart.add(intake_line_to_dict(form.line))
    if barcode and request.POST.get("remember_barcode"):
        _remember_barcode(request, item, barcode)
    return redirect("stock:intake", point_id=point.pk)


def _remember_barcode(request: HttpRequest, item: Item, code: str) -> None:
    try:
        attach_barcode(item=item, code=code, by=request.user)
    except KamavorError as error:
        messages.warning(request, error.message)
    else:
        messages.success(
            request,
            _("Barcode %(code)s now finds %(item)s.") % {"code": code, "item": item.name},
        )


intake_remove, intake_clear = cart_views(Action.INTAKE, _cart, "stock:intake")


@require_POST
@point_view(Action.INTAKE)
def intake_post(request: HttpRequest, point) -> HttpResponse:
    cart = _cart(request, point)
    purchase = cart.mode == "purchase"
    form = PostIntakeForm(request.POST, purchase=purchase)
    if not form.is_valid():
        return _render(request, point, cart, post_form=form)
    data = form.cleaned_data
    try:
        document = _post(point, cart, request.user, data, purchase=purchase)
    except KamavorError as error:
        messages.error(request, error.message)
        return _render(request, point, cart, post_form=form)
    cart.clear()
    units = sum(line.quantity for line in document.lines.all())
    messages.success(
        request,
        _("%(number)s posted: %(units)d units in %(lines)d lines.")
        % {"number": document.number, "units": units, "lines": document.lines.count()},
    )
    return redirect(reverse("stock:intake", args=[point.pk]))


def _post(point, cart: Cart, user, data: dict, *, purchase: bool) -> Document:
    common = {
        "point": point,
        "lines": intake_lines(cart),
        "by": user,
        "note": data["note"],
        "idempotency_key": cart.key,
    }
    if purchase:
        return services.post_purchase(
            **common, supplier=data["supplier"], currency=data["currency"]
        )
    return services.post_donation(**common, donor=data["donor"])
