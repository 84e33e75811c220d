"""The drop-off desk, the tags, and the sorting station.

The door records a drop-off in a couple of keys and prints its tags; the station opens a
drop-off by a bag's code and adds lines with the intake desk's search and line form; closing
posts the donation. Every write goes through one service in kamavor.sorting.services.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kamavor.core.errors import KamavorError
from kamavor.core.feedback import attempt
from kamavor.lib.dates import parse_expiry
from kamavor.network.access import Action, may
from kamavor.network.decorators import point_view
from kamavor.sorting import services
from kamavor.sorting.access import find_bag_for, get_drop_off_for
from kamavor.sorting.forms import DropOffForm, FindBagForm, NoticeForm, SortingLineForm
from kamavor.sorting.models import DropOff, SortingLine
from kamavor.sorting.reads import (
    pace_at,
    public_notice,
    quarantine_at,
    queue_at,
    sorted_per_hour,
)
from kamavor.sorting.views_common import open_by_code
from kamavor.stock.views._find import chosen_item, find_and_choose


def _desk(request: HttpRequest, point, form: DropOffForm | None = None, **context) -> HttpResponse:
    may_publish = may(request.user, point.organisation_id, Action.PUBLISH_NEEDS)
    notice = public_notice(point) if may_publish else None
    if may_publish and "notice_form" not in context:
        initial = {"kind": notice.kind, "until": notice.until} if notice else {}
        context["notice_form"] = NoticeForm(initial=initial)
    return render(
        request,
        "sorting/desk.html",
        {
            "point": point,
            "form": form or DropOffForm(),
            "find_form": FindBagForm(),
            "queue": queue_at(point),
            "notice": notice,
            "quarantine": quarantine_at(point)
            if may(request.user, point.organisation_id, Action.DISPOSE)
            else [],
            "may_pace": may(request.user, point.organisation_id, Action.MANAGE_SHIFTS),
            **context,
        },
    )


@point_view(Action.INTAKE)
def desk(request: HttpRequest, point) -> HttpResponse:
    """The door and the queue: record a drop-off, open a bag by its code, see what waits."""
    return _desk(request, point)


@require_POST
@point_view(Action.INTAKE)
def record(request: HttpRequest, point) -> HttpResponse:
    form = DropOffForm(request.POST)
    if not form.is_valid():
        return _desk(request, point, form)
    data = form.cleaned_data
    try:
        drop_off = services.record_drop_off(
            point=point,
            bags=data["bags"],
            kind=data["kind"],
            weight_kg=data["weight_kg"],
            donor=data["donor"],
            by=request.user,
            idempotency_key=data["key"],
        )
    except KamavorError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _desk(request, point, form)
    messages.success(
        request,
        _("Drop-off recorded: print its %(n)d tags.") % {"n": drop_off.bags},
    )
    return redirect("sorting:tags", drop_off_id=drop_off.pk)


@point_view(Action.INTAKE)
def find_bag(request: HttpRequest, point) -> HttpResponse:
    """A scanned or typed bag code opens its drop-off at the sorting station."""
    bag, back = open_by_code(
        request,
        lambda code: find_bag_for(request.user, code),
        missing=_("No bag has the code “%(code)s”."),
        back=redirect("sorting:desk", point_id=point.pk),
    )
    return back if bag is None else redirect("sorting:station", drop_off_id=bag.drop_off_id)


@login_required
def tags(request: HttpRequest, drop_off_id: int) -> HttpResponse:
    """A drop-off's tags, one per bag: the QR and the code, for a 62 mm label printer (one
    tag per label) or an A4 sheet of labels (?sheet=a4)."""
    drop_off = get_drop_off_for(request.user, drop_off_id)
    bags = [
        {
            "bag": bag,
            "qr": segno.make(bag.code, error="m").svg_inline(scale=4, border=1, omitsize=True),
        }
        for bag in drop_off.bag_set.all()
    ]
    return render(
        request,
        "sorting/tags.html",
        {"drop_off": drop_off, "bags": bags, "sheet": request.GET.get("sheet") == "a4"},
    )


def _station(request: HttpRequest, drop_off: DropOff, **context) -> HttpResponse:
    lines = list(drop_off.lines.select_related("item", "by").order_by("pk"))
    return render(
        request,
        "sorting/station.html",
        {
            "point": drop_off.point,
            "drop_off": drop_off,
            "bags": list(drop_off.bag_set.all()),
            "lines": lines,
            "sorted_units": sum(x.quantity for x in lines if not x.set_aside),
            "set_aside_units": sum(x.quantity for x in lines if x.set_aside),
            "sorters": sorted({x.by.get_username() for x in lines}),
            "desk_url": reverse("sorting:station", args=[drop_off.pk]),
            "add_url": reverse("sorting:add", args=[drop_off.pk]),
            **context,
        },
    )


@login_required
def station(request: HttpRequest, drop_off_id: int) -> HttpResponse:
    """The sorting station: find an item as at the intake desk, add it, or set it aside."""
    drop_off = get_drop_off_for(request.user, drop_off_id)
    if drop_off.is_closed:
        return _station(request, drop_off)
    return find_and_choose(
        request,
        partial(_station, request, drop_off),
        lambda item: SortingLineForm(item=item),
    )


@require_POST
@login_required
def add(request: HttpRequest, drop_off_id: int) -> HttpResponse:
    drop_off = get_drop_off_for(request.user, drop_off_id)
    item = chosen_item(request)
    if item is None:
        messages.error(request, _("Choose an item first."))
        return redirect("sorting:station", drop_off_id=drop_off.pk)
    form = SortingLineForm(request.POST, item=item)
    if not form.is_valid():
        return _station(request, drop_off, item=item, line_form=form)
    add = partial(
        services.add_sorting_line,
        drop_off=drop_off,
        line=form.line,
        set_aside=form.cleaned_data.get("set_aside") or "",
        by=request.user,
    )
    attempt(request, add, None)
    return redirect("sorting:station", drop_off_id=drop_off.pk)


@require_POST
@login_required
def remove(request: HttpRequest, drop_off_id: int, line_id: int) -> HttpResponse:
    drop_off = get_drop_off_for(request.user, drop_off_id)
    line = SortingLine.objects.filter(drop_off=drop_off, pk=line_id).select_related("drop_off")
    line = line.first()
    if line is None:
        raise Http404
    attempt(request, partial(services.remove_sorting_line, line=line, by=request.user), None)
    return redirect("sorting:station", drop_off_id=drop_off.pk)


@require_POST
@login_required
def close(request: HttpRequest, drop_off_id: int) -> HttpResponse:
    drop_off = get_drop_off_for(request.user, drop_off_id)
    closed = attempt(
        request,
        partial(services.close_drop_off, drop_off=drop_off, by=request.user),
        lambda closed: (
            _("Drop-off closed: %(number)s is in stock.") % {"number": closed.donation.number}
            if closed.donation_id
            else _("Drop-off closed.")
        ),
    )
    if closed is None:
        return redirect("sorting:station", drop_off_id=drop_off.pk)
    return redirect("sorting:desk", point_id=drop_off.point_id)


@require_POST
@point_view(Action.PUBLISH_NEEDS)
def notice(request: HttpRequest, point) -> HttpResponse:
    """Put the "we are sorting" note on the point's public page, or take it off."""
    if request.POST.get("remove"):
        services.clear_sorting_notice(point=point, by=request.user)
        messages.success(request, _("The note is off the public page."))
        return redirect("sorting:desk", point_id=point.pk)
    form = NoticeForm(request.POST)
    if not form.is_valid():
        return _desk(request, point, notice_form=form)
    try:
        services.set_sorting_notice(point=point, by=request.user, **form.cleaned_data)
    except KamavorError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _desk(request, point, notice_form=form)
    messages.success(request, _("The note is on the public page."))
    return redirect("sorting:desk", point_id=point.pk)


@point_view(Action.MANAGE_SHIFTS)
def pace(request: HttpRequest, point) -> HttpResponse:
    """For coordinators: bags sorted per hour, shift by shift, and hour by hour today."""
    since = timezone.now() - dt.timedelta(hours=24)
    return render(
        request,
        "sorting/pace.html",
        {"point": point, "shifts": pace_at(point), "hours": sorted_per_hour(point, since=since)},
    )


@require_POST
@login_required
def check_line(request: HttpRequest, line_id: int) -> HttpResponse:
    """A pharmacist's verdict on a line set aside for a check: into stock, or refused."""
    line = SortingLine.objects.filter(pk=line_id).select_related("drop_off").first()
    if line is None:
        raise Http404
    drop_off = get_drop_off_for(request.user, line.drop_off_id, Action.DISPOSE)
    line.drop_off = drop_off
    expiry = parse_expiry(request.POST.get("expiry", "")) if request.POST.get("expiry") else None
    check = partial(
        services.check_quarantined,
        line=line,
        by=request.user,
        accept=request.POST.get("accept") == "1",
        expiry=expiry,
    )
    attempt(request, check, _("Checked."))
    return redirect("sorting:desk", point_id=drop_off.point_id)
