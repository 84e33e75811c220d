"""The count desk: a printable stocktake sheet per category; what was counted is posted."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kamavor.catalogue.models import Category
from kamavor.core.errors import KamavorError
from kamavor.lib.sizes import size_key
from kamavor.network.access import Action, may
from kamavor.network.decorators import point_view
from kamavor.stock import services
from kamavor.stock.forms import CountSheetForm
from kamavor.stock.models import Document, Lot
from kamavor.stock.services import CountLine

RECENT = 20


@point_view(Action.VIEW_STOCK)
def counts(request: HttpRequest, point) -> HttpResponse:
    """Recent counts here, and the categories a new sheet can cover."""
    recent = (
        Document.objects.filter(point=point, kind=Document.Kind.COUNT)
        .select_related("created_by")
        .annotate(
            lots=Count("lines"),
            differences=Count("lines", filter=~Q(lines__quantity=F("lines__expected_quantity"))),
        )
        .order_by("-created_at", "-pk")[:RECENT]
    )
    in_stock = Q(items__lots__point=point, items__lots__balance__quantity__gt=0)
    categories = Category.objects.annotate(lots=Count("items__lots", filter=in_stock))
    return render(
        request,
        "stock/counts.html",
        {
            "point": point,
            "tab": "counts",
            "recent": list(recent),
            "categories": [c for c in categories if c.lots],
            "may_count": may(request.user, point.organisation_id, Action.COUNT),
        },
    )


def _sheet_lots(point, category: Category) -> list[Lot]:
    """Every lot of the category with stock here, by item, then size, then expiry (the sheet
    gives the lots of one item, size and expiry one row)."""
    lots = list(
        Lot.objects.at(point)
        .in_stock()
        .filter(item__category=category)
        .select_related("item", "balance")
        .fefo()
    )

    def order(lot: Lot) -> tuple:
        return (lot.item.name.lower(), lot.item_id, size_key(lot.size), lot.expiry or dt.date.max)

    return sorted(lots, key=order)


def _posted_lots(request: HttpRequest, point, known: list[Lot]) -> list[Lot]:
    """Lots on a posted sheet that are no longer in stock (counted anyway: the shelf decides)."""
    ids = {int(k[4:]) for k in request.POST if k.startswith("lot_") and k[4:].isdigit()}
    missing = ids - {lot.pk for lot in known}
    if not missing:
        return []
    lots = Lot.objects.at(point).filter(pk__in=missing).select_related("item", "balance")
    return list(lots.fefo())


def _render_sheet(request: HttpRequest, point, category, form: CountSheetForm, **context):
    return render(
        request,
        "stock/count_sheet.html",
        {
            "point": point,
            "tab": "counts",
            "category": category,
            "form": form,
            "rows": form.rows(),
            "today": timezone.localdate(),
            "may_count": may(request.user, point.organisation_id, Action.COUNT),
            **context,
        },
    )


def _category(request: HttpRequest, code: str) -> Category | None:
    """The category the sheet covers; without one, the member is asked to choose it."""
    category = Category.objects.filter(code=code).first()
    if category is None:
        messages.error(request, _("Choose a category to count."))
    return category


@point_view(Action.VIEW_STOCK)
def count_new(request: HttpRequest, point) -> HttpResponse:
    """The sheet for one category: volunteers may print it; a coordinator posts it."""
    category = _category(request, request.GET.get("category", ""))
    if category is None:
        return redirect("stock:counts", point_id=point.pk)
    form = CountSheetForm(lots=_sheet_lots(point, category))
    form.focus_next_blank()
    return _render_sheet(request, point, category, form)


@require_POST
@point_view(Action.COUNT)
def count_post(request: HttpRequest, point) -> HttpResponse:
    """Post the lines with a number typed; Enter ("check") only checks and moves on."""
    category = _category(request, request.POST.get("category", ""))
    if category is None:
        return redirect("stock:counts", point_id=point.pk)
    lots = _sheet_lots(point, category)
    lots += _posted_lots(request, point, lots)
    form = CountSheetForm(request.POST, lots=lots)
    checking = request.POST.get("action") == "check"
    if not form.is_valid() or checking:
        form.focus_next_blank()
        typed = len(form.counted()) if form.is_valid() else None
        return _render_sheet(request, point, category, form, checked=checking, typed=typed)
    counted = form.counted()
    if not counted:
        form.add_error(None, _("Type at least one counted quantity. A blank box is not counted."))
        form.focus_next_blank()
        return _render_sheet(request, point, category, form)
    try:
        document = services.post_count(
            point=point,
            lines=[CountLine(counted=quantity, lot=lot) for lot, quantity in counted],
            by=request.user,
            reason=form.cleaned_data["reason"],
            idempotency_key=form.cleaned_data["key"],
        )
    except KamavorError as error:
        if error.field == "reason":
            form.add_error("reason", error.message)
            form.fields["reason"].widget.attrs["autofocus"] = True
        else:
            form.add_error(None, error.message)
        return _render_sheet(request, point, category, form)
    differences = sum(1 for line in document.lines.all() if line.quantity != line.expected_quantity)
    messages.success(
        request,
        _("%(number)s posted: %(lots)d lots counted, %(differences)d with a difference.")
        % {"number": document.number, "lots": len(counted), "differences": differences},
    )
    return redirect("stock:document", document_id=document.pk)
