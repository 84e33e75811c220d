"""What the intake and transfer desks share: find an item, choose it, gather lines in a cart.

A name typed in any script (or a scanned barcode) lists the matches, numbered for the digit keys;
the only match is chosen at once, and a chosen item gets the desk's line form.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kamavor.catalogue.models import Item
from kamavor.network.access import Action
from kamavor.network.decorators import point_view
from kamavor.network.models import Point
from kamavor.stock.carts import Cart

MAX_MATCHES = 9  # one per digit key

Show = Callable[..., HttpResponse]


def chosen_item(request: HttpRequest) -> Item | None:
    """The active item chosen from the matches (and posted back with its line), if any."""
    raw = request.GET.get("item") or request.POST.get("item")
    if not raw or not str(raw).isdigit():
        return None
    return Item.objects.active().select_related("category").filter(pk=int(raw)).first()


def find_and_choose(
    request: HttpRequest,
    show: Show,
    line_form: Callable[[Item], forms.Form],
    *,
    not_found: Callable[[str], HttpResponse | None] | None = None,
) -> HttpResponse:
    """The desk as the find box leaves it: `show` the chosen item (or the only match) with its
    line form, else what was typed and up to MAX_MATCHES matches. `not_found` may answer a
    query that matched nothing."""
    item = chosen_item(request)
    if item is not None:
        return show(item=item, line_form=line_form(item))
    query = request.GET.get("q", "").strip()
    if not query:
        return show()
    found = list(Item.objects.active().search(query).select_related("category")[: MAX_MATCHES + 1])
    if not found and not_found is not None and (response := not_found(query)) is not None:
        return response
    if len(found) == 1:
        return show(item=found[0], line_form=line_form(found[0]), query=query)
    return show(query=query, matches=found[:MAX_MATCHES], more=len(found) > MAX_MATCHES)


def choose_first(request: HttpRequest, desk: str, point: Point) -> HttpResponse:
    """Back to the desk (a URL name), for a line posted without an item."""
    messages.error(request, _("Choose an item first."))
    return redirect(desk, point_id=point.pk)


def cart_views(
    action: Action, cart: Callable[[HttpRequest, Point], Cart], desk: str
) -> tuple[Callable[..., HttpResponse], Callable[..., HttpResponse]]:
    """The views that drop one line of a desk's cart, and all of them; both go back to `desk`."""

    @require_POST
    @point_view(action)
    def remove(request: HttpRequest, point: Point, index: int) -> HttpResponse:
        cart(request, point).remove(index)
        return redirect(desk, point_id=point.pk)

    @require_POST
    @point_view(action)
    def clear(request: HttpRequest, point: Point) -> HttpResponse:
        cart(request, point).clear()
        return redirect(desk, point_id=point.pk)

    return remove, clear
