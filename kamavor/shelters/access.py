"""Who may see and change a shelter, and who may see who stays there: one helper for all.

Who stays where is among the most sensitive facts Kamavor holds. A shelter is the business of
its organisation's coordinators and administrators (the roles that see personal data, who sign
in with a second factor) and of the partners linked to that very shelter; a partner of the
organisation who is not linked to it, and anyone outside the organisation, gets a 404 as if it
did not exist; a volunteer of the organisation gets a 403. Aggregated free beds are not
personal: `may_see_board` opens the network's board to every coordinator.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kamavor.core.numbers import MAX_ID
from kamavor.network.access import ROLE_ACTIONS, Action, organisations_for, role_at
from kamavor.network.models import Member, Point
from kamavor.shelters.models import Placement, Shelter


class Need(StrEnum):
    VIEW = "view"  # capacity, facilities, headcounts
    EDIT = "edit"  # units, facilities
    RESIDENTS = "residents"  # who stays there (audited by the reads)
    CHECK_OUT = "check_out"
    HEADCOUNT = "headcount"  # confirm a night's headcount
    PLACE = "place"  # check households in, move them (the placement desk)
    MANAGE = "manage"  # partners, hiding the address


PARTNER_NEEDS = frozenset({Need.VIEW, Need.EDIT, Need.RESIDENTS, Need.CHECK_OUT, Need.HEADCOUNT})


def _is_coordinator(role: str | None) -> bool:
    """Roles that see personal data see residents and place households."""
    return role is not None and Action.VIEW_PERSONAL_DATA in ROLE_ACTIONS.get(role, frozenset())


def shelter_record(point: Point) -> Shelter:
    """The shelter record of a shelter point, made the first time it is asked for."""
    shelter, _created = Shelter.objects.get_or_create(point=point)
    shelter.point = point
    return shelter


def get_shelter_for(user, point_id, need: Need = Need.VIEW) -> Shelter:
    """The shelter at this point, if the user may see it (else 404) and do `need` (else 403)."""
    try:
        number = int(point_id)
        if not 0 < number <= MAX_ID:
            raise Http404
        point = Point.objects.select_related("organisation").get(pk=number, kind=Point.Kind.SHELTER)
    except (Point.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None
    if role_at(user, point.organisation_id) is None:
        raise Http404
    shelter = shelter_record(point)
    check(user, shelter, need)
    return shelter


def check(user, shelter: Shelter, need: Need) -> None:
    """Raise 404 when the user may not see the shelter, 403 when they may not do `need`."""
    role = role_at(user, shelter.point.organisation_id)
    if role is None:
        raise Http404
    if _is_coordinator(role):
        return
    if role == Member.Role.PARTNER:
        if not shelter.partners.filter(pk=user.pk).exists():
            raise Http404  # not its shelter: as if it did not exist
        if need in PARTNER_NEEDS:
            return
    raise PermissionDenied


def may_place(user, organisation_id: int) -> bool:
    return _is_coordinator(role_at(user, organisation_id))


def placing_organisations(user) -> list[int]:
    """Organisations whose shelters the user may place households into."""
    return [o for o in organisations_for(user) if may_place(user, o)]


def may_see_board(user) -> bool:
    """The network's free-beds board: any coordinator or administrator."""
    return bool(placing_organisations(user))


def shelters_for(user) -> list[Shelter]:
    """The shelters the user works with: all of their organisations' for coordinators, the
    linked ones for a partner."""
    if not user.is_authenticated:
        return []
    shelters = Shelter.objects.with_point().open().order_by("point__name")
    coordinated = placing_organisations(user)
    partner_of = [o for o in organisations_for(user) if role_at(user, o) == Member.Role.PARTNER]
    ensure_records(coordinated)
    found = list(shelters.filter(point__organisation_id__in=coordinated))
    if partner_of:
        found += list(
            shelters.filter(point__organisation_id__in=partner_of, partners=user).exclude(
                point__organisation_id__in=coordinated
            )
        )
    return found


def ensure_records(organisation_ids: list[int]) -> None:
    """Give every shelter point of these organisations its record (points are made by the
    network app, which knows nothing of shelters)."""
    missing = Point.objects.filter(
        organisation_id__in=organisation_ids,
        kind=Point.Kind.SHELTER,
        shelter_record__isnull=True,
    ).values_list("pk", flat=True)
    Shelter.objects.bulk_create([Shelter(point_id=pk) for pk in missing], ignore_conflicts=True)


def get_shelter_to_place(user, point_id, household_organisation_id: int) -> Shelter:
    """The shelter a coordinator of the household's organisation may place it into: one of
    their own organisation's (as `get_shelter_for` with PLACE), or another organisation's
    that accepts households from the network (else 404: as if it did not exist)."""
    try:
        return get_shelter_for(user, point_id, Need.PLACE)
    except Http404:
        if not may_place(user, household_organisation_id):
            raise
    shelter = (
        Shelter.objects.with_point()
        .filter(pk=point_id, accepts_network=True, point__active=True)
        .first()
    )
    if shelter is None:
        raise Http404
    return shelter


def get_placement_for(user, placement_id, need: Need = Need.CHECK_OUT) -> Placement:
    """A placement at a shelter the user may see (else 404) and do `need` at (else 403)."""
    try:
        number = int(placement_id)
        if not 0 < number <= MAX_ID:
            raise Http404
        placement = Placement.objects.select_related(
            "shelter__point__organisation", "household", "unit"
        ).get(pk=number)
    except (Placement.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None
    household_org = placement.household.organisation_id
    if (
        need in (Need.PLACE, Need.CHECK_OUT)
        and placement.shelter.point.organisation_id != household_org
        and may_place(user, household_org)
    ):
        return placement  # their household in another organisation's shelter: theirs to move
    check(user, placement.shelter, need)
    return placement
