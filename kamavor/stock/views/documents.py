"""A posted document, its lines and movements, and its reversal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kamavor.core.errors import KamavorError
from kamavor.stock import services
from kamavor.stock.access import get_document_for
from kamavor.stock.forms import ReverseForm


@login_required
def document_detail(request: HttpRequest, document_id: int) -> HttpResponse:
    document = get_document_for(request.user, document_id)
    return _render(request, document, ReverseForm(lines=_open_lines(document)))


def _open_lines(document) -> list:
    """The lines whose stock movements are not reversed yet: each may be reversed alone."""
    lines = document.lines.filter(movements__document=document, movements__reversed_by__isnull=True)
    return list(lines.select_related("item").distinct().order_by("pk"))


def _render(request: HttpRequest, document, form: ReverseForm) -> HttpResponse:
    lines = document.lines.select_related("item", "lot").order_by("pk")
    movements = document.movements.select_related("lot__item", "point").order_by("pk")
    reversals = list(document.reversals.order_by("pk"))
    return render(
        request,
        "stock/document.html",
        {
            "document": document,
            "point": document.point,
            "lines": lines,
            "movements": movements,
            "reversals": reversals,
            "reversible": services.can_reverse(request.user, document),
            "form": form,
        },
    )


@require_POST
@login_required
def reverse(request: HttpRequest, document_id: int) -> HttpResponse:
    document = get_document_for(request.user, document_id)
    form = ReverseForm(request.POST, lines=_open_lines(document))
    if not form.is_valid():
        return _render(request, document, form)
    line = form.chosen_line()
    try:
        reversal = services.reverse_document(
            document=document,
            by=request.user,
            reason=form.cleaned_data["reason"],
            line=line,
            idempotency_key=f"reverse-{document.pk}" + (f"-line-{line.pk}" if line else ""),
        )
    except KamavorError as error:
        messages.error(request, error.message)
        return _render(request, document, form)
    messages.success(
        request,
        _("%(number)s reversed by %(reversal)s.")
        % {"number": document.number, "reversal": reversal.number},
    )
    if document.kind in ("donation", "purchase"):
        return redirect("stock:intake", point_id=document.point_id)
    return redirect("stock:document", document_id=document.pk)
