"""The catalogue page: coordinators list, search, add and change items (kits included) in
their language; volunteers read it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kamavor.catalogue.access import check_catalogue, get_item_for, may_manage_catalogue
from kamavor.catalogue.forms import ItemForm
from kamavor.catalogue.models import Category, Item, KitComponent
from kamavor.catalogue.services import save_item
from kamavor.core.errors import KamavorError

PAGE_SIZE = 50


@login_required
def items(request: HttpRequest) -> HttpResponse:
    """Items by category, searched in any script or by barcode."""
    check_catalogue(request.user)
    query = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "")
    found = Item.objects.select_related("category").annotate(barcode_count=Count("barcodes"))
    if query:
        found = found.filter(pk__in=Item.objects.search(query).values("pk"))
    if category.isdigit():
        found = found.filter(category_id=int(category))
    page = Paginator(found.order_by("category__position", "name_en"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "catalogue/items.html",
        {
            "page": page,
            "query": query,
            "category": category,
            "categories": Category.objects.all(),
            "may_manage": may_manage_catalogue(request.user),
        },
    )


@login_required
def item(request: HttpRequest, item_id: int) -> HttpResponse:
    """One item: read it, or (coordinators) change it."""
    if request.method == "POST":
        found = get_item_for(request.user, item_id, write=True)
        return _save(request, found)
    found = get_item_for(request.user, item_id)
    found = (
        Item.objects.filter(pk=found.pk)
        .select_related("category")
        .prefetch_related(
            "barcodes", Prefetch("components", KitComponent.objects.select_related("item"))
        )
        .get()
    )
    manage = may_manage_catalogue(request.user)
    form = ItemForm(initial=ItemForm.initial_for(found)) if manage else None
    return render(
        request, "catalogue/item.html", {"item": found, "form": form, "may_manage": manage}
    )


@login_required
def item_new(request: HttpRequest) -> HttpResponse:
    check_catalogue(request.user, write=True)
    if request.method == "POST":
        return _save(request, None)
    form = ItemForm(initial={"active": True, "unit": Item.Unit.PIECE})
    return render(request, "catalogue/item.html", {"item": None, "form": form, "may_manage": True})


def _save(request: HttpRequest, found: Item | None) -> HttpResponse:
    form = ItemForm(request.POST)
    if form.is_valid():
        try:
            saved = save_item(item=found, data=form.data_for_service(), by=request.user)
        except KamavorError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("%(item)s is saved.") % {"item": saved.name})
            return redirect("catalogue:item", item_id=saved.pk)
    return render(
        request,
        "catalogue/item.html",
        {"item": found, "form": form, "may_manage": True},
        status=400,
    )
