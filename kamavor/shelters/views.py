"""The shelter pages: my shelters, a shelter's capacity and headcount, its residents (audited),
the network's free-beds board and the placement desk.

Each view resolves what the member may see through `kamavor.shelters.access`, calls one
service, and redirects back with a message; a refused request writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kamavor.core.errors import KamavorError
from kamavor.core.numbers import MAX_ID
from kamavor.households import services as households
from kamavor.households.access import get_household_for
from kamavor.network.access import Action, may, organisations_for
from kamavor.network.models import Member, Organisation
from kamavor.shelters import reads, services
from kamavor.shelters.access import (
    Need,
    check,
    get_placement_for,
    get_shelter_for,
    get_shelter_to_place,
    may_see_board,
    placing_organisations,
    shelters_for,
)
from kamavor.shelters.models import Facility, Shelter, Unit

BUILDING_CATEGORIES = ["bedding", "household", "cleaning", "heating", "hygiene", "shelter"]


def _int(value, default: int | None = None) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if -MAX_ID <= number <= MAX_ID else default


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise KamavorError(_("Give a date as YYYY-MM-DD.")) from None


def _back(request: HttpRequest, shelter: Shelter, name: str = "shelters:shelter") -> HttpResponse:
    return redirect(name, point_id=shelter.pk)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The shelters the member works with, their free beds, and the ways in."""
    if not organisations_for(request.user):
        raise Http404
    shelters = shelters_for(request.user)
    board = may_see_board(request.user)
    if not shelters and not board:
        raise PermissionDenied
    return render(
        request,
        "shelters/index.html",
        {"shelters": shelters, "may_board": board, "tab": "shelters"},
    )


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """Free beds across the network, for coordinators, filtered by region, size and access."""
    if not organisations_for(request.user):
        raise Http404
    if not may_see_board(request.user):
        raise PermissionDenied
    query = request.GET
    size = max(1, min(_int(query.get("size"), 1) or 1, services.MAX_BEDS))
    found = reads.board(
        region=query.get("region", "")[:100],
        size=size,
        wheelchair=bool(query.get("wheelchair")),
        ground_floor=bool(query.get("ground_floor")),
        family_rooms=bool(query.get("family_rooms")),
    )
    return render(
        request,
        "shelters/board.html",
        {"board": found, "size": size, "query": query, "tab": "shelters"},
    )


# Column labels and HXL hashtags of the board's export (aggregated counts only, no residents).
BOARD_COLUMNS = [
    ("Shelter", "#loc+name"),
    ("Organisation", "#org+name"),
    ("City", "#adm2+name"),
    ("Beds", "#capacity+beds"),
    ("Occupied", "#affected+sheltered"),
    ("Free", "#capacity+beds+free"),
    ("wheelchair access", "#indicator+wheelchair"),
    ("ground floor", "#indicator+ground_floor"),
    ("family rooms", "#indicator+family_rooms"),
]


def _cell(value) -> str | int:
    """A cell a spreadsheet never reads as a formula."""
    if isinstance(value, bool):
        return int(value)
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def board_csv(request: HttpRequest) -> HttpResponse:
    """The free-beds board as CSV with an HXL hashtag row: aggregated counts per shelter."""
    if not organisations_for(request.user):
        raise Http404
    if not may_see_board(request.user):
        raise PermissionDenied
    found = reads.board(limit=reads.EXPORT_LIMIT)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="free-beds.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    response.write("\ufeff")  # spreadsheets read UTF-8 (Armenian, Cyrillic) with a BOM
    writer = csv.writer(response)
    writer.writerow([_(label) for label, _tag in BOARD_COLUMNS])
    writer.writerow([tag for _label, tag in BOARD_COLUMNS])
    for row in found.rows:
        writer.writerow(
            [_cell(v) for v in (row.name, row.organisation, row.city, row.beds, row.occupied,
                                row.free, row.wheelchair, row.ground_floor, row.family_rooms)]
        )  # fmt: skip
    return response


@login_required
def shelter(request: HttpRequest, point_id: int) -> HttpResponse:
    found = get_shelter_for(request.user, point_id, Need.VIEW)
    page = reads.shelter_page(found)
    manage = _may(request.user, found, Need.MANAGE)
    partners = []
    if manage:
        partners = get_user_model().objects.filter(
            memberships__organisation_id=found.point.organisation_id,
            memberships__role=Member.Role.PARTNER,
        )
    return render(
        request,
        "shelters/shelter.html",
        {
            "page": page,
            "shelter": found,
            "may_manage": manage,
            "may_place": _may(request.user, found, Need.PLACE),
            "all_partners": partners,
            "unit_kinds": Unit.Kind.choices,
            "facility_kinds": Facility.Kind.choices,
            "facility_states": Facility.State.choices,
            "items": _building_items(),
            "key": uuid.uuid4().hex,
            "may_shifts": may(request.user, found.point.organisation_id, Action.MANAGE_SHIFTS),
            "tab": "shelters",
        },
    )


def _building_items():
    """Items a building asks for: the bedding, household and hygiene categories' (beds,
    mattresses, heaters, cleaning), or every item when the catalogue has none of them."""
    from kamavor.catalogue.models import Item

    items = Item.objects.active().select_related("category")
    wanted = items.filter(category__code__in=BUILDING_CATEGORIES)
    return wanted if wanted.exists() else items


def _may(user, shelter: Shelter, need: Need) -> bool:
    try:
        check(user, shelter, need)
    except (PermissionDenied, Http404):
        return False
    return True


@login_required
@require_POST
def save_unit(request: HttpRequest, point_id: int) -> HttpResponse:
    found = get_shelter_for(request.user, point_id, Need.EDIT)
    data = request.POST
    unit = None
    if data.get("unit"):
        unit = Unit.objects.filter(pk=_int(data.get("unit"), 0)).first()
        if unit is None:
            messages.error(request, _("Unknown unit."))
            return _back(request, found)
    try:
        beds = _int(data.get("beds"))
        if beds is None:
            raise KamavorError(_("Beds must be a whole number."))
        saved = services.save_unit(
            shelter=found,
            by=request.user,
            unit=unit,
            name=data.get("name", ""),
            kind=data.get("kind", Unit.Kind.ROOM),
            beds=beds,
            ground_floor=bool(data.get("ground_floor")),
            wheelchair=bool(data.get("wheelchair")),
            family_room=bool(data.get("family_room")),
            active=bool(data.get("active", "on" if unit is None else "")),
        )
    except KamavorError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(unit)s saved.") % {"unit": saved.name})
    return _back(request, found)


@login_required
@require_POST
def set_facility(request: HttpRequest, point_id: int) -> HttpResponse:
    found = get_shelter_for(request.user, point_id, Need.EDIT)
    data = request.POST
    try:
        services.set_facility(
            shelter=found,
            by=request.user,
            kind=data.get("kind", ""),
            state=data.get("state", ""),
            count=_int(data.get("count"), 0),
            note=data.get("note", ""),
        )
    except KamavorError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Facility saved."))
    return _back(request, found)


@login_required
@require_POST
def settings(request: HttpRequest, point_id: int) -> HttpResponse:
    found = get_shelter_for(request.user, point_id, Need.MANAGE)
    try:
        with transaction.atomic():  # the settings and the partners change together or not at all
            _save_settings(request, found)
    except KamavorError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Shelter saved."))
    return _back(request, found)


def _save_settings(request: HttpRequest, found: Shelter) -> None:
    data = request.POST
    services.set_shelter(
        shelter=found,
        by=request.user,
        day_capacity=_int(data.get("day_capacity"), -1),
        hide_address=bool(data.get("hide_address")),
        accepts_network=bool(data.get("accepts_network")),
    )
    users = get_user_model().objects
    for user in users.filter(pk__in=[_int(v, 0) for v in data.getlist("link")[:50]]):
        services.set_partner(shelter=found, by=request.user, partner=user)
    for user in users.filter(pk__in=[_int(v, 0) for v in data.getlist("unlink")[:50]]):
        services.set_partner(shelter=found, by=request.user, partner=user, linked=False)


@login_required
@require_POST
def headcount(request: HttpRequest, point_id: int) -> HttpResponse:
    found = get_shelter_for(request.user, point_id, Need.HEADCOUNT)
    data = request.POST
    try:
        people = _int(data.get("people"))
        if people is None:
            raise KamavorError(_("People must be a whole number."))
        confirmed = services.confirm_headcount(
            shelter=found, by=request.user, people=people, night=_date(data.get("night"))
        )
    except KamavorError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Headcount of %(n)d people confirmed for the night of %(night)s.")
            % {"n": confirmed.people, "night": confirmed.night.isoformat()},
        )
    return _back(request, found)


@login_required
def residents(request: HttpRequest, point_id: int) -> HttpResponse:
    """Who stays at the shelter now: each household shown is written to the audit log."""
    found = get_shelter_for(request.user, point_id, Need.RESIDENTS)
    placements = reads.residents(shelter=found, by=request.user)
    targets = []
    if _may(request.user, found, Need.PLACE):
        targets = shelters_for(request.user)
    return render(
        request,
        "shelters/residents.html",
        {
            "shelter": found,
            "placements": placements,
            "targets": targets,
            "today": dt.date.today().isoformat(),
            "tab": "shelters",
        },
    )


@login_required
@require_POST
def check_out(request: HttpRequest, placement_id: int) -> HttpResponse:
    placement = get_placement_for(request.user, placement_id, Need.CHECK_OUT)
    try:
        services.check_out(placement=placement, by=request.user, on=_date(request.POST.get("on")))
    except KamavorError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(code)s checked out.") % {"code": placement.household.display_code},
        )
    return redirect("shelters:residents", point_id=placement.shelter_id)


@login_required
@require_POST
def move(request: HttpRequest, placement_id: int) -> HttpResponse:
    placement = get_placement_for(request.user, placement_id, Need.PLACE)
    try:
        target = get_shelter_for(request.user, request.POST.get("shelter"), Need.PLACE)
        services.move_household(placement=placement, shelter=target, by=request.user)
    except Http404:
        messages.error(request, _("Unknown shelter."))
    except KamavorError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(code)s moved to %(shelter)s.")
            % {"code": placement.household.display_code, "shelter": target.point.tr.name},
        )
    return redirect("shelters:residents", point_id=placement.shelter_id)


# ---------------------------------------------------------------- the placement desk

ON_THE_SPOT = [
    ("female_18_59", _("Women")),
    ("male_18_59", _("Men")),
    ("female_6_11", _("Girls")),
    ("male_6_11", _("Boys")),
    ("female_0_2", _("Babies")),
    ("female_60", _("Older people")),
]


def _desk_organisations(request: HttpRequest) -> list[int]:
    if not organisations_for(request.user):
        raise Http404
    organisations = placing_organisations(request.user)
    if not organisations:
        raise PermissionDenied
    return organisations


@login_required
def desk(request: HttpRequest) -> HttpResponse:
    """An arriving household by its code (or registered here): where its family fits."""
    organisations = _desk_organisations(request)
    code = request.GET.get("code", "").strip()
    household = None
    found: list[reads.Suggestion] = []
    placed = None
    if code:
        try:
            household = get_household_for(request.user, code, Action.VIEW_HOUSEHOLD)
        except Http404:
            messages.error(request, _("No household with this code."))
        except KamavorError as error:
            messages.error(request, error.message)
        else:
            placed = household.placements.filter(checked_out_on__isnull=True).first()
            if placed is None:
                found = reads.suggestions(household=household, organisation_ids=organisations)
    return render(
        request,
        "shelters/desk.html",
        {
            "household": household,
            "code": code,
            "suggestions": found,
            "placed": placed,
            "on_the_spot": ON_THE_SPOT,
            "organisations": Organisation.objects.filter(pk__in=organisations),
            "key": uuid.uuid4().hex,
            "tab": "shelters",
        },
    )


@login_required
@require_POST
def register_here(request: HttpRequest) -> HttpResponse:
    """Register an arriving household on the spot (no names needed), then place it."""
    organisations = _desk_organisations(request)
    data = request.POST
    organisation = Organisation.objects.filter(
        pk__in=organisations, pk=_int(data.get("organisation"), 0)
    ).first() or Organisation.objects.get(pk=organisations[0])
    composition = {name: _int(data.get(name), 0) or 0 for name, _label in ON_THE_SPOT}
    flags = ["disability"] if data.get("disability") else []
    try:
        household = households.register_household(
            organisation=organisation,
            profile=households.Profile(composition=composition, flags=flags),
            by=request.user,
            idempotency_key=data.get("key") or None,
        )
    except KamavorError as error:
        messages.error(request, error.message)
        return redirect("shelters:desk")
    messages.success(
        request, _("Household %(code)s registered.") % {"code": household.display_code}
    )
    return redirect(f"{reverse('shelters:desk')}?code={household.code}")


@login_required
@require_POST
def place(request: HttpRequest) -> HttpResponse:
    _desk_organisations(request)
    data = request.POST
    code = data.get("code", "")
    try:
        household = get_household_for(request.user, code, Action.VIEW_HOUSEHOLD)
        target = get_shelter_to_place(request.user, data.get("shelter"), household.organisation_id)
        unit = Unit.objects.filter(pk=_int(data.get("unit"), 0), shelter=target).first()
        placement = services.place_household(
            household=household,
            shelter=target,
            unit=unit,
            by=request.user,
            idempotency_key=data.get("key") or None,
        )
    except Http404:
        messages.error(request, _("Unknown household or shelter."))
    except KamavorError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(code)s placed at %(shelter)s, %(unit)s.")
            % {
                "code": household.display_code,
                "shelter": target.point.tr.name,
                "unit": placement.unit.name,
            },
        )
    return redirect(f"{reverse('shelters:desk')}?code={code}")


@login_required
@require_POST
def building_request(request: HttpRequest, point_id: int) -> HttpResponse:
    """What the building itself needs, sent as a request of the shelter."""
    from kamavor.catalogue.models import Item
    from kamavor.needs.services import LineIn

    found = get_shelter_for(request.user, point_id, Need.EDIT)
    data = request.POST
    item = Item.objects.active().filter(pk=_int(data.get("item"), 0)).first()
    try:
        if item is None:
            raise KamavorError(_("Choose an item."))
        created = services.request_for_building(
            shelter=found,
            by=request.user,
            lines=[LineIn(quantity=_int(data.get("quantity"), 0) or 0, item=item)],
            urgency=data.get("urgency", "normal"),
            reason=data.get("reason", ""),
            idempotency_key=data.get("key") or None,
        )
    except PermissionDenied:
        messages.error(request, _("You may not ask for this shelter."))
    except KamavorError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Request #%(n)d sent for the building.") % {"n": created.pk})
    return _back(request, found)
