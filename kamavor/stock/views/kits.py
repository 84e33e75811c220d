"""The kit desk: what each kit needs, how many the stock here can make, build and take apart."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kamavor.catalogue.models import Item, KitComponent
from kamavor.core.errors import KamavorError
from kamavor.network.access import Action, may
from kamavor.network.decorators import point_view
from kamavor.stock import services
from kamavor.stock.access import get_lot_for
from kamavor.stock.forms import BuildKitForm, UnbuildKitForm
from kamavor.stock.models import Balance, Lot


def _kits(point) -> list[Item]:
    """Every active kit with its components, what is on hand of each (not expired), and how
    many kits that makes now: the least, over the components, of on hand // per kit."""
    kits = list(
        Item.objects.active()
        .filter(is_kit=True)
        .select_related("category")
        .prefetch_related(
            Prefetch(
                "components",
                queryset=KitComponent.objects.select_related("item").order_by("pk"),
            )
        )
        .order_by("category__position", "name_en")
    )
    component_ids = {c.item_id for kit in kits for c in kit.components.all()}
    on_hand = dict(
        Balance.objects.filter(point=point, item_id__in=component_ids, quantity__gt=0)
        .exclude(lot__expiry__lt=timezone.localdate())
        .values_list("item_id")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    for kit in kits:
        kit.parts = [(c, on_hand.get(c.item_id, 0)) for c in kit.components.all()]
        kit.buildable = min((have // c.quantity for c, have in kit.parts), default=0)
        kit.short = [c for c, have in kit.parts if have < c.quantity]
    return kits


def _render(request: HttpRequest, point, *, build_form=None, unbuild=None) -> HttpResponse:
    """`unbuild` is a (lot id, bound form) pair to show with its errors."""
    kits = _kits(point)
    chosen = next((k for k in kits if str(k.pk) == request.GET.get("kit")), None)
    if build_form is None:
        build_form = BuildKitForm(kits=[k for k in kits if k.parts], chosen=chosen)
    may_unbuild = may(request.user, point.organisation_id, Action.COUNT)
    lots = list(Lot.objects.at(point).filter(item__is_kit=True).in_stock().with_details().fefo())
    for lot in lots:
        if unbuild and unbuild[0] == lot.pk:
            lot.unbuild_form = unbuild[1]
            # The cursor goes back to the box in error, not to the build form.
            for field in build_form.fields.values():
                field.widget.attrs.pop("autofocus", None)
            lot.unbuild_form.fields["quantity"].widget.attrs["autofocus"] = True
        elif may_unbuild:
            lot.unbuild_form = UnbuildKitForm(auto_id=f"unbuild-{lot.pk}-%s")
    return render(
        request,
        "stock/kits.html",
        {
            "point": point,
            "tab": "kits",
            "kits": kits,
            "lots": lots,
            "build_form": build_form,
            "may_build": may(request.user, point.organisation_id, Action.BUILD_KIT),
            "may_unbuild": may_unbuild,
            "today": timezone.localdate(),
        },
    )


@point_view(Action.VIEW_STOCK)
def kits(request: HttpRequest, point) -> HttpResponse:
    return _render(request, point)


@require_POST
@point_view(Action.BUILD_KIT)
def kit_build(request: HttpRequest, point) -> HttpResponse:
    """Assemble kits from the components on hand, first expiry first out."""
    choices = list(Item.objects.active().filter(is_kit=True, components__isnull=False).distinct())
    form = BuildKitForm(request.POST, kits=choices)
    if not form.is_valid():
        return _render(request, point, build_form=form)
    data = form.cleaned_data
    try:
        document = services.build_kit(
            point=point,
            kit=data["kit"],
            quantity=data["quantity"],
            by=request.user,
            idempotency_key=data["key"],
        )
    except KamavorError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _render(request, point, build_form=form)
    messages.success(
        request,
        _("%(number)s: %(n)d × %(kit)s built.")
        % {"number": document.number, "n": data["quantity"], "kit": data["kit"].name},
    )
    return redirect("stock:kits", point_id=point.pk)


@require_POST
@point_view(Action.COUNT)
def kit_unbuild(request: HttpRequest, point, lot_id: int) -> HttpResponse:
    """Take kits apart. A coordinator's call, like other stock corrections (Action.COUNT):
    volunteers build kits but do not undo them."""
    lot = get_lot_for(request.user, lot_id, point=point)
    if not lot.item.is_kit:
        raise Http404
    form = UnbuildKitForm(request.POST, auto_id=f"unbuild-{lot.pk}-%s")
    if not form.is_valid():
        return _render(request, point, unbuild=(lot.pk, form))
    quantity = form.cleaned_data["quantity"]
    try:
        document = services.unbuild_kit(
            point=point,
            lot=lot,
            quantity=quantity,
            by=request.user,
            idempotency_key=form.cleaned_data["key"],
        )
    except KamavorError as error:
        form.add_error("quantity", error.message)
        return _render(request, point, unbuild=(lot.pk, form))
    messages.success(
        request,
        _("%(number)s: %(n)d × %(kit)s taken apart; the components are back in stock.")
        % {"number": document.number, "n": quantity, "kit": lot.item.name},
    )
    return redirect("stock:kits", point_id=point.pk)
