"""The fund purchase desk: goods bought for a point with a fund's money.

It is the intake desk's purchase mode with a fund: the same item search, line form and cart
(kamavor.stock.views._find, the stock templates), and one post through
`kamavor.money.purchases.buy_with_fund`, which writes the stock purchase and the fund's entry in
one transaction under the cart's idempotency key. Only members who both buy goods at the point
and handle the organisation's money reach it.
"""

from __future__ import annotations

from functools import partial

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kamavor.core.errors import KamavorError
from kamavor.money.access import require_money
from kamavor.money.models import Fund, FundBalance, Record
from kamavor.money.purchases import buy_with_fund
from kamavor.network.access import Action
from kamavor.network.decorators import point_view
from kamavor.stock.carts import Cart, intake_line_to_dict, intake_lines
from kamavor.stock.forms import IntakeLineForm
from kamavor.stock.views._find import cart_views, choose_first, chosen_item, find_and_choose

DESK = "money:purchase"


class FundPurchaseForm(forms.Form):
    # A number from a list: any number is taken, and the view says why another one is refused.
    fund = forms.IntegerField(
        label=gettext_lazy("Paid from fund"), min_value=1, max_value=2**63 - 1, widget=forms.Select
    )
    supplier = forms.CharField(label=gettext_lazy("Supplier"), max_length=200)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000)

    def __init__(self, *args, funds=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fund"].widget.choices = [("", "—")] + [
            (fund.pk, f"{fund.name} · {fund.currency_id} · {fund.shown_held}") for fund in funds
        ]


def _funds(point) -> list[Fund]:
    funds = list(
        Fund.objects.filter(organisation_id=point.organisation_id, active=True)
        .select_related("currency")
        .order_by("name", "pk")
    )
    held = dict(FundBalance.objects.filter(fund__in=funds).values_list("fund_id", "amount"))
    for fund in funds:
        fund.shown_held = fund.currency.show(held.get(fund.pk, 0))
    return funds


def _cart(request: HttpRequest, point) -> Cart:
    return Cart.for_desk(request, "fund-purchase", point.pk)


def _money_point(view):
    """The point (PURCHASE there, else 404/403), and the organisation's money (else 403)."""

    @point_view(Action.PURCHASE)
    def wrapped(request: HttpRequest, point, *args, **kwargs) -> HttpResponse:
        require_money(request.user, point.organisation_id)
        return view(request, point, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _render(request: HttpRequest, point, cart: Cart, status: int = 200, **context) -> HttpResponse:
    """The desk page. A refused post answers 400; its form is not boosted, so the browser
    shows the reason (htmx would not swap a 400 in)."""
    funds = _funds(point)
    lines = intake_lines(cart)
    context.setdefault("post_form", FundPurchaseForm(funds=funds))
    recent = (
        Record.objects.filter(kind=Record.Kind.PURCHASE, point=point)
        .select_related("created_by", "purchase")
        .order_by("-created_at", "-pk")[:10]
    )
    return render(
        request,
        "money/purchase.html",
        {
            "point": point,
            "cart": cart,
            "funds": funds,
            "lines": list(enumerate(lines)),
            "total": sum(line.quantity for line in lines),
            "recent": recent,
            **context,
        },
        status=status,
    )


@_money_point
def purchase(request: HttpRequest, point) -> HttpResponse:
    """The desk: find an item, add lines with their cost, choose the fund, post."""
    cart = _cart(request, point)
    return find_and_choose(
        request,
        partial(_render, request, point, cart),
        lambda item: IntakeLineForm(item=item, purchase=True),
    )


@require_POST
@_money_point
def purchase_add(request: HttpRequest, point) -> HttpResponse:
    cart = _cart(request, point)
    item = chosen_item(request)
    if item is None:
        return choose_first(request, DESK, point)
    form = IntakeLineForm(request.POST, item=item, purchase=True)
    if not form.is_valid():
        return _render(request, point, cart, item=item, line_form=form)  # as the intake desk
    cart.add(intake_line_to_dict(form.line))
    return redirect(DESK, point_id=point.pk)


purchase_remove, purchase_clear = cart_views(Action.PURCHASE, _cart, DESK)


@require_POST
@_money_point
def purchase_post(request: HttpRequest, point) -> HttpResponse:
    """Post the cart as one purchase paid from the fund chosen; a retried post counts once."""
    cart = _cart(request, point)
    form = FundPurchaseForm(request.POST, funds=_funds(point))
    if form.is_valid():
        data = form.cleaned_data
        fund = Fund.objects.select_related("currency").filter(pk=data["fund"]).first()
        try:
            if fund is None:
                raise KamavorError(_("Choose a fund."), code="unknown_fund", field="fund")
            record = buy_with_fund(
                fund=fund,
                point=point,
                lines=intake_lines(cart),
                supplier=data["supplier"],
                note=data["note"],
                by=request.user,
                idempotency_key=f"fund-purchase:{cart.key}",
            )
        except KamavorError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            cart.clear()
            messages.success(
                request,
                _("%(number)s posted: %(document)s, paid from %(fund)s.")
                % {
                    "number": record.number,
                    "document": record.purchase.number,
                    "fund": fund.name,
                },
            )
            return redirect(DESK, point_id=point.pk)
    return _render(request, point, cart, status=400, post_form=form)
