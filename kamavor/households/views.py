"""The household desks: find, register (with the duplicate check), see, edit, erase, merge,
print cards, and the audit log of personal data."""

from __future__ import annotations

import functools
from collections.abc import Callable

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kamavor.core.errors import KamavorError
from kamavor.core.paging import page_of
from kamavor.households import services
from kamavor.households.access import check_code, get_household_for, households_for
from kamavor.households.forms import (
    CodeForm,
    HouseholdForm,
    LookupForm,
    PersonalForm,
    RegisterForm,
)
from kamavor.households.models import Household
from kamavor.matching import reads as matching_reads
from kamavor.matching.access import queue_organisations
from kamavor.network.access import Action, may, organisations_for, points_for
from kamavor.network.models import Point
from kamavor.privacy.audit import AuditEntry, household_log, record_households

RECENT = 20
SHEET_LIMIT = 60
AUDIT_PAGE_SIZE = 100


def household_view(action: Action) -> Callable:
    """Pass the URL's household to the view, if the member may do `action` (else 404/403)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @functools.wraps(view)
        def wrapped(request: HttpRequest, code: str, *args, **kwargs) -> HttpResponse:
            try:
                household = get_household_for(request.user, code, action)
            except KamavorError:
                raise Http404 from None
            return view(request, household, *args, **kwargs)

        return wrapped

    return decorate


def _shelters_for(user):
    organisation_ids = organisations_for(user)
    return Point.objects.filter(
        organisation_id__in=organisation_ids, kind=Point.Kind.SHELTER, active=True
    )


def _may(user, household: Household, action: Action) -> bool:
    return may(user, household.organisation_id, action)


# ---------------------------------------------------------------- find


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Type or scan a code; the recent registrations of the member's organisations."""
    if not any(
        may(request.user, org, Action.VIEW_HOUSEHOLD) for org in organisations_for(request.user)
    ):
        raise PermissionDenied
    visible = households_for(request.user)
    form = CodeForm(request.GET or None)
    error = None
    if form.is_valid():
        try:
            code = check_code(form.cleaned_data["code"])
        except KamavorError as exc:
            error = exc.message
        else:
            household = visible.filter(code=code).first()
            if household is not None:
                return redirect("households:detail", code=household.code)
            error = _("No household has the code %(code)s here.") % {"code": form.data["code"]}
    return _render_index(request, form=form, error=error)


def _may_look_up(user) -> bool:
    return any(may(user, org, Action.VIEW_PERSONAL_DATA) for org in organisations_for(user))


def _render_index(
    request: HttpRequest,
    *,
    form: CodeForm,
    error: str | None = None,
    lookup_form: LookupForm | None = None,
    found: list[Household] | None = None,
) -> HttpResponse:
    visible = households_for(request.user)
    recent = visible.select_related("shelter").order_by("-registered_at")[:RECENT]
    if lookup_form is None and _may_look_up(request.user):
        lookup_form = LookupForm()
    return render(
        request,
        "households/index.html",
        {
            "form": form,
            "error": error,
            "recent": recent,
            "lookup_form": lookup_form,
            "found": found,
            "may_register": bool(points_for(request.user, Action.REGISTER_HOUSEHOLD)),
            "may_read_audit": _may_read_audit(request.user),
            "may_review": bool(queue_organisations(request.user)),
        },
    )


@never_cache
@require_POST
@login_required
def lookup(request: HttpRequest) -> HttpResponse:
    """Find the households with an exact phone or document number (by POST: the value stays
    out of URLs and logs); each lookup is written to the audit log."""
    if not _may_look_up(request.user):
        raise PermissionDenied
    form = LookupForm(request.POST)
    found = None
    if form.is_valid():
        try:
            found = services.look_up(by=request.user, **form.lookup)
        except KamavorError as error:
            form.add_error("value", error.message)
        else:
            # Not shown again: the next person at the desk need not see what was typed.
            form = LookupForm(initial={"by": form.cleaned_data["by"]})
    return _render_index(request, form=CodeForm(), lookup_form=form, found=found)


# ---------------------------------------------------------------- register


@never_cache  # a re-shown form holds the personal fields typed: not for a shared laptop's cache
@login_required
def register(request: HttpRequest) -> HttpResponse:
    """The registration form; before creating, show probable duplicates and ask to confirm."""
    points = points_for(request.user, Action.REGISTER_HOUSEHOLD)
    if not points:
        raise PermissionDenied
    point_qs = Point.objects.filter(pk__in=[p.pk for p in points])
    shelters = _shelters_for(request.user)
    if request.method != "POST":
        return _render_register(
            request,
            HouseholdForm(points=point_qs, shelters=shelters, initial={"point": points[0].pk}),
            PersonalForm(initial={"notice_language": request.LANGUAGE_CODE}),
            RegisterForm(initial={"key": RegisterForm.new_key()}),
        )
    form = HouseholdForm(request.POST, points=point_qs, shelters=shelters)
    personal_form = PersonalForm(request.POST)
    meta = RegisterForm(request.POST)
    if not (form.is_valid() and personal_form.is_valid() and meta.is_valid()):
        return _render_register(request, form, personal_form, meta)
    point = form.cleaned_data["point"]
    personal = personal_form.personal
    retry = services.registered_with(by=request.user, key=meta.cleaned_data["key"])
    if not meta.cleaned_data["confirmed"] and retry is None:
        candidates = services.duplicates_at_registration(
            by=request.user,
            organisation=point.organisation,
            composition=form.profile.composition,
            phone=personal.phone,
            document=personal.document,
            collector_name=personal.collector_name,
            identity=personal.identity,
            point=point,
        )
        if candidates:
            meta = RegisterForm(initial={"key": meta.cleaned_data["key"], "confirmed": True})
            return _render_register(request, form, personal_form, meta, candidates=candidates)
    try:
        household = services.register_household(
            organisation=point.organisation,
            point=point,
            profile=form.profile,
            personal=None if personal.empty else personal,
            by=request.user,
            idempotency_key=meta.cleaned_data["key"],
        )
    except KamavorError as error:
        messages.error(request, error.message)
        return _render_register(request, form, personal_form, meta)
    messages.success(
        request,
        _("Household %(code)s registered. Print its card.") % {"code": household.display_code},
    )
    return redirect("households:detail", code=household.code)


def _render_register(request, form, personal_form, meta, candidates=()) -> HttpResponse:
    point = form.cleaned_data.get("point") if form.is_bound and form.is_valid() else None
    coordinator = point is not None and may(
        request.user, point.organisation_id, Action.VIEW_PERSONAL_DATA
    )
    return render(
        request,
        "households/register.html",
        {
            "form": form,
            "personal_form": personal_form,
            "meta": meta,
            "candidates": candidates,
            "show_candidates": coordinator,
        },
    )


# ---------------------------------------------------------------- one household


def _probable(user, household: Household) -> list:
    """Open review-queue pairs of this household, for those who decide them; showing them
    says something about the personal data of both, so it is audited."""
    if household.status != Household.Status.ACTIVE or not _may(
        user, household, Action.MERGE_HOUSEHOLDS
    ):
        return []
    rows = matching_reads.probable_for(household.pk)
    if rows:
        with transaction.atomic():
            record_households(
                by=user,
                action=AuditEntry.Action.VIEW,
                targets=[(household.organisation_id, h.pk, ["identity"])
                         for h in (household, *(row.other for row in rows))],
                note="probable duplicates on the household page",
            )  # fmt: skip
    return rows


def _render_detail(request, household: Household, **context) -> HttpResponse:
    user = request.user
    return render(
        request,
        "households/detail.html",
        {
            "household": household,
            "flag_labels": [label for name, label in _flags() if getattr(household, name)],
            "composition_rows": _composition_rows(household),
            "has_personal": services.has_personal_data(household),
            "may_see_personal": _may(user, household, Action.VIEW_PERSONAL_DATA),
            "may_edit": _may(user, household, Action.EDIT_HOUSEHOLD),
            "may_merge": _may(user, household, Action.MERGE_HOUSEHOLDS),
            "merged_from": household.merged_from.all(),
            "probable": _probable(user, household),
            **context,
        },
    )


def _flags():
    from kamavor.households.models import VULNERABILITIES

    return VULNERABILITIES


def _composition_rows(household: Household) -> list[dict]:
    from kamavor.households.models import AGE_BANDS, SEXES

    return [
        {
            "label": label,
            "counts": [getattr(household, f"{sex}_{band}") for band, *_rest in AGE_BANDS],
        }
        for sex, label in SEXES
    ]


@household_view(Action.VIEW_HOUSEHOLD)
def detail(request: HttpRequest, household: Household) -> HttpResponse:
    return _render_detail(request, household)


@never_cache
@require_POST
@household_view(Action.VIEW_PERSONAL_DATA)
def show_personal(request: HttpRequest, household: Household) -> HttpResponse:
    """Personal fields, on a coordinator's click; the view is written to the audit log."""
    personal = services.personal_data_for(request.user, household)
    return _render_detail(request, household, personal=personal)


@household_view(Action.EDIT_HOUSEHOLD)
def edit(request: HttpRequest, household: Household) -> HttpResponse:
    shelters = _shelters_for(request.user).filter(organisation=household.organisation_id)
    if request.method == "POST":
        form = HouseholdForm(request.POST, shelters=shelters)
        if form.is_valid():
            try:
                services.update_household(
                    household=household, profile=form.profile, by=request.user
                )
            except KamavorError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Household changed."))
                return redirect("households:detail", code=household.code)
    else:
        form = HouseholdForm(initial=HouseholdForm.initial_for(household), shelters=shelters)
    return render(request, "households/edit.html", {"household": household, "form": form})


@never_cache  # the page holds the personal values in clear
@household_view(Action.VIEW_PERSONAL_DATA)
def edit_personal(request: HttpRequest, household: Household) -> HttpResponse:
    """Change the personal fields and their basis. Opening the page is an audited view of the
    values it shows; saving is an audited change."""
    if request.method == "POST":
        form = PersonalForm(request.POST)
        if form.is_valid():
            personal = form.personal
            if personal.empty:
                form.add_error(
                    None,
                    _("To erase the personal data, use “Erase personal data” on the household."),
                )
            else:
                try:
                    services.set_personal_data(
                        household=household, personal=personal, by=request.user
                    )
                except KamavorError as error:
                    field = error.field if error.field in form.fields else None
                    form.add_error(field, error.message)
                else:
                    messages.success(request, _("Personal data changed."))
                    return redirect("households:detail", code=household.code)
    else:
        current = services.personal_data_for(request.user, household)
        form = PersonalForm(
            initial=PersonalForm.initial_for(current, language=request.LANGUAGE_CODE)
        )
    return render(request, "households/personal_edit.html", {"household": household, "form": form})


@household_view(Action.EDIT_HOUSEHOLD)
def erase(request: HttpRequest, household: Household) -> HttpResponse:
    """Erase the personal fields on the person's request, after a confirmation."""
    if request.method == "POST":
        services.erase_personal_data(household=household, by=request.user, note="on request")
        messages.success(request, _("The personal data of this household was erased."))
        return redirect("households:detail", code=household.code)
    return render(request, "households/erase.html", {"household": household})


@household_view(Action.MERGE_HOUSEHOLDS)
def merge(request: HttpRequest, household: Household) -> HttpResponse:
    """Merge another household (a duplicate) into this one."""
    form = CodeForm(request.POST or None)
    other = None
    if request.method == "POST" and form.is_valid():
        try:
            other = get_household_for(
                request.user, form.cleaned_data["code"], Action.MERGE_HOUSEHOLDS
            )
            if request.POST.get("confirmed"):
                services.merge_households(keep=household, merge=other, by=request.user)
                messages.success(
                    request,
                    _("%(merged)s was merged into %(kept)s.")
                    % {"merged": other.display_code, "kept": household.display_code},
                )
                return redirect("households:detail", code=household.code)
        except Http404:
            form.add_error("code", _("No household has this code here."))
            other = None
        except KamavorError as error:
            form.add_error("code", error.message)
            other = None
    return render(
        request, "households/merge.html", {"household": household, "form": form, "other": other}
    )


# ---------------------------------------------------------------- cards


def qr_svg(code: str) -> str:
    """The card's QR code as inline SVG (the code only; nothing personal)."""
    return segno.make(code, error="m", micro=False).svg_inline(scale=4, border=2, omitsize=True)


@household_view(Action.VIEW_HOUSEHOLD)
def card(request: HttpRequest, household: Household) -> HttpResponse:
    return render(request, "households/cards.html", {"cards": [_card(household)], "single": True})


@login_required
def cards(request: HttpRequest) -> HttpResponse:
    """An A4 sheet of cards: the codes asked for (?code=…), else the latest registrations."""
    visible = households_for(request.user).active()
    codes = [c for c in request.GET.getlist("code") if c][:SHEET_LIMIT]
    if codes:
        wanted = []
        for text in codes:
            try:
                wanted.append(check_code(text))
            except KamavorError:
                continue
        households = list(
            visible.filter(code__in=wanted).select_related("organisation").order_by("code")
        )
    else:
        households = list(
            visible.select_related("organisation").order_by("-registered_at")[:SHEET_LIMIT]
        )
    return render(request, "households/cards.html", {"cards": [_card(h) for h in households]})


def _card(household: Household) -> dict:
    """What a card shows: the code (and its QR), and who to ask: the organisation and contact."""
    organisation = household.organisation
    return {
        "code": household.display_code,
        "qr": qr_svg(household.code),
        "organisation": organisation.name,
        "contact": organisation.contact,
    }


# ---------------------------------------------------------------- audit


def _may_read_audit(user) -> bool:
    return any(may(user, org, Action.READ_AUDIT) for org in organisations_for(user))


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    """Who saw, exported, changed or erased personal fields: for administrators."""
    organisation_ids = [
        org for org in organisations_for(request.user) if may(request.user, org, Action.READ_AUDIT)
    ]
    if not organisation_ids:
        raise PermissionDenied
    entries = household_log(
        organisation_ids=organisation_ids, household_code=request.GET.get("household", "")
    )
    page, page_query = page_of(request, entries, AUDIT_PAGE_SIZE)
    return render(
        request,
        "households/audit.html",
        {"entries": page.object_list, "page": page, "page_query": page_query},
    )
