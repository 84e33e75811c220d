"""Coordinators' pages: a point's shifts, each shift's roster (check-in, check-out, no-shows,
CSV, writing to its volunteers), and hours per volunteer. Contact data is opened only here,
for coordinators of the point's organisation, and every opening is audited."""

from __future__ import annotations

import csv
import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kamavor.core.errors import KamavorError
from kamavor.network.access import Action
from kamavor.network.decorators import point_view
from kamavor.volunteers import services
from kamavor.volunteers.access import get_shift_at, get_signup_at
from kamavor.volunteers.forms import ShiftForm, TemplateForm, WriteForm
from kamavor.volunteers.models import Shift, ShiftTemplate, SignUp

HOURS_DAYS = 90


def _form_errors(request: HttpRequest, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@point_view(Action.MANAGE_SHIFTS)
def shifts(request: HttpRequest, point) -> HttpResponse:
    """Coming shifts with their places taken; forms for a shift and a repeating shift."""
    for template in ShiftTemplate.objects.filter(point=point, active=True):
        services.plan_shifts(template=template)
    if request.method == "POST":
        form = ShiftForm(request.POST)
        if form.is_valid():
            starts_at, ends_at = form.times()
            try:
                services.create_shift(
                    point=point,
                    task=form.cleaned_data["task"],
                    starts_at=starts_at,
                    ends_at=ends_at,
                    hands_needed=form.cleaned_data["hands_needed"],
                    notes=form.cleaned_data["notes"],
                    notes_translations=form.notes_translations(),
                    by=request.user,
                )
            except KamavorError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Shift added."))
                return redirect("volunteers:shifts", point_id=point.pk)
        else:
            _form_errors(request, form)
    coming = list(Shift.objects.upcoming().filter(point=point).with_taken()[:100])
    return render(
        request,
        "volunteers/shifts.html",
        {
            "point": point,
            "tab": "shifts",
            "shifts": coming,
            "form": ShiftForm(initial={"day": timezone.localdate()}),
            "template_form": TemplateForm(initial={"starts_on": timezone.localdate()}),
            "templates": ShiftTemplate.objects.filter(point=point, active=True),
        },
    )


@require_POST
@point_view(Action.MANAGE_SHIFTS)
def repeat(request: HttpRequest, point) -> HttpResponse:
    form = TemplateForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("volunteers:shifts", point_id=point.pk)
    data = form.cleaned_data
    try:
        services.create_template(
            point=point,
            task=data["task"],
            weekdays=data["weekdays"],
            start_time=data["start"],
            end_time=data["end"],
            hands_needed=data["hands_needed"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            notes=data["notes"],
            notes_translations=form.notes_translations(),
            by=request.user,
        )
    except KamavorError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Repeating shift added."))
    return redirect("volunteers:shifts", point_id=point.pk)


def _roster(shift: Shift) -> list[SignUp]:
    return list(shift.signups.active().select_related("volunteer").order_by("created_at", "pk"))


@point_view(Action.MANAGE_SHIFTS)
def roster(request: HttpRequest, point, shift_id: int) -> HttpResponse:
    """Who signed up, with their contact data (an audited view), and the desk's buttons."""
    shift = get_shift_at(point, shift_id)
    signups = _roster(shift)
    contacts = services.contacts_for(by=request.user, shift=shift, signups=signups)
    new = services.first_timers(shift=shift, signups=signups)
    rows = [(s, contacts[s.volunteer_id], s.volunteer_id in new) for s in signups]
    return render(
        request,
        "volunteers/roster.html",
        {
            "point": point,
            "tab": "shifts",
            "shift": shift,
            "rows": rows,
            "write_form": WriteForm(),
        },
    )


@point_view(Action.MANAGE_SHIFTS)
def roster_csv(request: HttpRequest, point, shift_id: int) -> HttpResponse:
    """The roster as CSV (an audited export)."""
    shift = get_shift_at(point, shift_id)
    signups = _roster(shift)
    contacts = services.contacts_for(by=request.user, shift=shift, signups=signups, export=True)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    start = timezone.localtime(shift.starts_at).strftime("%Y-%m-%d-%H%M")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="roster-{point.slug}-{start}.csv"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.write("\ufeff")  # spreadsheets read UTF-8 (Armenian, Cyrillic) with a BOM
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Name"),
            _("Phone"),
            _("E-mail"),
            _("Languages"),
            _("Checked in"),
            _("Checked out"),
            _("No-show"),
        ]
    )
    for signup in signups:
        contact = contacts[signup.volunteer_id]
        writer.writerow(
            [
                _safe_cell(contact.name),
                _safe_cell(contact.phone),
                _safe_cell(contact.email),
                " ".join(signup.volunteer.languages),
                _moment(signup.checked_in_at),
                _moment(signup.checked_out_at),
                _("yes") if signup.no_show else "",
            ]
        )
    return response


def _safe_cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") and not value[1:2].isdigit() else value


def _moment(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


MARKS = {
    "check_in": services.check_in,
    "check_out": services.check_out,
    "no_show": services.mark_no_show,
}


@require_POST
@point_view(Action.MANAGE_SHIFTS)
def mark(request: HttpRequest, point, shift_id: int, signup_id: int, what: str) -> HttpResponse:
    """Check a volunteer in or out, or mark them as not come."""
    shift = get_shift_at(point, shift_id)
    signup = get_signup_at(shift, signup_id)
    action = MARKS.get(what)
    if action is None:
        return HttpResponse(status=404)
    try:
        action(signup=signup, by=request.user)
    except KamavorError as error:
        messages.error(request, error.message)
    return redirect("volunteers:roster", point_id=point.pk, shift_id=shift.pk)


@require_POST
@point_view(Action.MANAGE_SHIFTS)
def write(request: HttpRequest, point, shift_id: int) -> HttpResponse:
    """E-mail the shift's volunteers (those who gave an address)."""
    shift = get_shift_at(point, shift_id)
    form = WriteForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            sent = services.write_to_shift(shift=shift, by=request.user, **form.cleaned_data)
        except KamavorError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Message sent to %(n)d volunteers.") % {"n": sent})
    return redirect("volunteers:roster", point_id=point.pk, shift_id=shift.pk)


@require_POST
@point_view(Action.MANAGE_SHIFTS)
def cancel(request: HttpRequest, point, shift_id: int) -> HttpResponse:
    told = services.cancel_shift(shift=get_shift_at(point, shift_id), by=request.user)
    messages.success(
        request, _("Shift cancelled; %(n)d volunteers were told by e-mail.") % {"n": told}
    )
    return redirect("volunteers:shifts", point_id=point.pk)


@require_POST
@point_view(Action.MANAGE_SHIFTS)
def stop(request: HttpRequest, point, template_id: int) -> HttpResponse:
    """Stop a repeating shift."""
    template = ShiftTemplate.objects.filter(point=point, pk=template_id, active=True).first()
    if template is None:
        return HttpResponse(status=404)
    cancelled = services.stop_template(template=template, by=request.user)
    messages.success(
        request,
        _("Repeating shift stopped; %(n)d coming shifts without volunteers were cancelled.")
        % {"n": cancelled},
    )
    return redirect("volunteers:shifts", point_id=point.pk)


@point_view(Action.MANAGE_SHIFTS)
def hours(request: HttpRequest, point) -> HttpResponse:
    """Hours per volunteer at this point over the last 90 days; recurring volunteers marked."""
    since = timezone.now() - dt.timedelta(days=HOURS_DAYS)
    people = services.hours_by_person(points=[point], since=since)
    names = services.open_names(by=request.user, point=point, people=people)
    return render(
        request,
        "volunteers/hours.html",
        {
            "point": point,
            "tab": "shifts",
            "people": [(p, names[p.key]) for p in people],
            "days": HOURS_DAYS,
        },
    )
