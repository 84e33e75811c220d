"""Packing lists: upload a CSV or XLSX file, see the dry run row by row, then post it once.

The checked lines wait in the member's session (with the idempotency key of the document they
will become) between the dry run and the posting; nothing is written before.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kamavor.core.errors import KamavorError
from kamavor.network.access import Action
from kamavor.network.decorators import point_view
from kamavor.network.models import Point
from kamavor.sorting import services
from kamavor.sorting.packing_lists import MAX_BYTES, check_for_transfer, check_packing_list


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Packing list (CSV or XLSX)"))
    destination = forms.TypedChoiceField(
        label=gettext_lazy("Post as"), coerce=int, required=False, empty_value=None
    )
    donor = forms.CharField(label=gettext_lazy("Donor (optional)"), required=False, max_length=200)

    def __init__(self, *args, point: Point, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        others = Point.objects.active().exclude(pk=point.pk).order_by("name")
        self.points = {p.pk: p for p in others}
        self.fields["destination"].choices = [("", _("a donation received here"))] + [
            (p.pk, _("a transfer to %(point)s") % {"point": p.name}) for p in others
        ]


def _session_name(point) -> str:
    return f"packing-list:{point.pk}"


@point_view(Action.INTAKE)
def upload(request: HttpRequest, point) -> HttpResponse:
    return render(request, "sorting/upload.html", {"point": point, "form": UploadForm(point=point)})


@require_POST
@point_view(Action.INTAKE)
def check(request: HttpRequest, point) -> HttpResponse:
    """The dry run: every row with its matched item and its errors; nothing is written."""
    form = UploadForm(request.POST, request.FILES, point=point)
    context = {"point": point, "form": form}
    if not form.is_valid():
        return render(request, "sorting/upload.html", context)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_BYTES:
        form.add_error(
            "file", _("The file is too large (at most %(mb)d MB).") % {"mb": MAX_BYTES // 2**20}
        )
        return render(request, "sorting/upload.html", context)
    checked = check_packing_list(upload.read(), filename=upload.name)
    destination = form.points.get(form.cleaned_data["destination"])
    if destination is not None and checked.valid:
        check_for_transfer(checked, point)
    request.session.pop(_session_name(point), None)
    if checked.valid:
        request.session[_session_name(point)] = {
            "key": uuid.uuid4().hex,
            "lines": checked.as_lines(),
            "destination": destination.pk if destination else None,
            "donor": form.cleaned_data["donor"],
        }
    context.update(checked=checked, destination=destination)
    return render(request, "sorting/upload.html", context)


@require_POST
@point_view(Action.INTAKE)
def post(request: HttpRequest, point) -> HttpResponse:
    pending = request.session.get(_session_name(point))
    if not pending:
        messages.error(request, _("Upload the packing list again: nothing was posted."))
        return redirect("sorting:upload", point_id=point.pk)
    destination = None
    if pending["destination"]:
        destination = Point.objects.active().filter(pk=pending["destination"]).first()
    try:
        document = services.post_packing_list(
            point=point,
            lines=pending["lines"],
            destination=destination,
            donor=pending["donor"],
            by=request.user,
            idempotency_key=pending["key"],
        )
    except KamavorError as error:
        messages.error(request, error.message)
        return redirect("sorting:upload", point_id=point.pk)
    request.session.pop(_session_name(point), None)
    messages.success(
        request,
        _("%(number)s posted: %(lines)d lines.")
        % {"number": document.number, "lines": len(pending["lines"])},
    )
    if destination is not None:
        return redirect("stock:transfer", document_id=document.pk)
    return redirect("stock:document", document_id=document.pk)
