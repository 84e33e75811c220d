"""Every change of a shelter: its capacity, its placements and its headcounts.

Each is one function, keyword-only, in one transaction. The placement services own both the
placements and the households' "where it stays" (`Household.shelter`), and keep the occupancy
counters of shelters and units in the same transaction. A bed is taken by a guarded UPDATE
(`occupied + people <= beds` in its WHERE clause), so two desks can never fill the same last
bed: the second one's UPDATE matches no row (PostgreSQL re-reads the row after the first one
commits; SQLite writes one transaction at a time) and it is told the beds are gone.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import F, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.core.errors import Conflict, InvalidInput
from kamavor.core.idempotency import check_key, ensure_same_request, run_once
from kamavor.households.models import Household
from kamavor.network.models import Member, Point
from kamavor.privacy.audit import AuditEntry, record_household
from kamavor.shelters.access import Need, check, may_place
from kamavor.shelters.models import Facility, Headcount, Placement, Shelter, Unit, WriteKey

MAX_BEDS = 10_000  # beds in one unit
MAX_PEOPLE = 100_000  # people in one shelter, by day or in a headcount


def _number(value, *, field: str, label: str, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_("%(label)s must be a whole number.") % {"label": label}, field=field)
    if value < 0:
        raise InvalidInput(
            _("%(label)s cannot be negative.") % {"label": label},
            code="negative_number",
            field=field,
        )
    if value > maximum:
        raise InvalidInput(
            _("%(label)s can be at most %(n)d.") % {"label": label, "n": maximum}, field=field
        )
    return value


def _text(value: str, *, limit: int, field: str, label: str, required: bool = False) -> str:
    value = (value or "").replace("\x00", "").strip()
    if required and not value:
        raise InvalidInput(_("%(label)s is required.") % {"label": label}, field=field)
    if len(value) > limit:
        raise InvalidInput(
            _("%(label)s is too long (at most %(n)d characters).") % {"label": label, "n": limit},
            field=field,
        )
    return value


def _locked(shelter: Shelter) -> Shelter:
    locked = Shelter.objects.select_for_update().get(pk=shelter.pk)
    locked.point = shelter.point
    return locked


def _recount_units(shelter: Shelter) -> None:
    """The shelter's beds and access flags from its active units (after a unit changed)."""
    units = list(Unit.objects.filter(shelter=shelter, active=True))
    shelter.beds = sum(u.beds for u in units)
    shelter.wheelchair = any(u.wheelchair for u in units)
    shelter.ground_floor = any(u.ground_floor for u in units)
    shelter.family_rooms = any(u.family_room for u in units)
    shelter.save(update_fields=["beds", "wheelchair", "ground_floor", "family_rooms"])


T = TypeVar("T", bound=models.Model)


def _plain(value):
    return value.pk if isinstance(value, models.Model) else value


def keyed(service: Callable[..., T]) -> Callable[..., T]:
    """Give a service an `idempotency_key`: run it once per (user, key) in one transaction
    whose first write claims the key (see kamavor.core.idempotency); a retry with the same
    request answers what the first one returned, a different request with the key is refused."""

    @functools.wraps(service)
    def run(*, by, idempotency_key: str | None = None, **kwargs) -> T:
        key = check_key(idempotency_key)
        if key is None:
            return service(by=by, **kwargs)
        print_ = _fingerprint(service=service.__name__, **{k: _plain(v) for k, v in kwargs.items()})

        def replay() -> T | None:
            earlier = WriteKey.objects.filter(user=by, key=key).first()
            if earlier is None:
                return None
            ensure_same_request(earlier.fingerprint, print_)
            return _RETURNS[service.__name__].objects.get(pk=earlier.object_id)

        def unit() -> T:
            claim = WriteKey.objects.create(user=by, key=key, fingerprint=print_)
            result = service(by=by, **kwargs)
            claim.object_id = result.pk
            claim.save(update_fields=["object_id"])
            return result

        return run_once(unit=unit, replay=replay)

    return run


# ---------------------------------------------------------------- capacity


@keyed
@transaction.atomic
def save_unit(
    *,
    shelter: Shelter,
    by,
    name: str,
    beds: int,
    kind: str = Unit.Kind.ROOM,
    ground_floor: bool = False,
    wheelchair: bool = False,
    family_room: bool = False,
    active: bool = True,
    unit: Unit | None = None,
) -> Unit:
    """Add a unit to the shelter, or change one of its units (never one of another shelter).

    Beds cannot go below the people placed in the unit, nor can a unit with people leave use.
    """
    check(by, shelter, Need.EDIT)
    if unit is not None and unit.shelter_id != shelter.pk:
        raise InvalidInput(
            _("This unit belongs to another shelter."), code="unit_of_other_shelter", field="unit"
        )
    name = _text(name, limit=100, field="name", label=_("Name"), required=True)
    beds = _number(beds, field="beds", label=_("Beds"), maximum=MAX_BEDS)
    if kind not in Unit.Kind.values:
        raise InvalidInput(_("Unknown kind of unit."), field="kind")
    shelter = _locked(shelter)
    duplicate = Unit.objects.filter(shelter=shelter, name=name)
    if unit is not None:
        duplicate = duplicate.exclude(pk=unit.pk)
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
    same = duplicate.first()
    if (
        unit is None
        and same is not None
        and _same_unit(same, kind, beds, ground_floor, wheelchair, family_room, active)
    ):
        return same  # a retried "add": the unit as it was added
    if same is not None:
        raise InvalidInput(_("This shelter already has a unit of that name."), field="name")
    if unit is not None and beds < unit.occupied:
        raise Conflict(
            _("%(n)d people stay in this unit: it needs at least that many beds.")
            % {"n": unit.occupied},
            code="beds_below_occupied",
        )
    if unit is not None and not active and unit.occupied:
        raise Conflict(
            _("People stay in this unit: move them before taking it out of use."),
            code="unit_occupied",
        )
    unit = unit or Unit(shelter=shelter)
    unit.name, unit.kind, unit.beds, unit.active = name, kind, beds, active
    unit.ground_floor, unit.wheelchair, unit.family_room = ground_floor, wheelchair, family_room
    unit.save()
    _recount_units(shelter)
    return unit


def _same_unit(unit: Unit, kind, beds, ground_floor, wheelchair, family_room, active) -> bool:
    return (unit.kind, unit.beds, unit.ground_floor, unit.wheelchair, unit.family_room,
            unit.active) == (kind, beds, ground_floor, wheelchair, family_room, active)  # fmt: skip


@keyed
@transaction.atomic
def set_facility(
    *, shelter: Shelter, by, kind: str, state: str, count: int = 0, note: str = ""
) -> Facility:
    """Record a facility of the building (how many, in what state), replacing what was said."""
    check(by, shelter, Need.EDIT)
    if kind not in Facility.Kind.values:
        raise InvalidInput(_("Unknown facility."), field="kind")
    if state not in Facility.State.values:
        raise InvalidInput(_("Unknown state."), field="state")
    count = _number(count, field="count", label=_("How many"), maximum=MAX_BEDS)
    note = _text(note, limit=200, field="note", label=_("Note"))
    facility, _created = Facility.objects.update_or_create(
        shelter=shelter, kind=kind, defaults={"state": state, "count": count, "note": note}
    )
    return facility


@transaction.atomic
def set_shelter(
    *, shelter: Shelter, by, day_capacity: int, hide_address: bool,
    accepts_network: bool | None = None,
) -> Shelter:  # fmt: skip
    """The shelter's capacity by day, whether public pages may show its address, and whether
    coordinators of other organisations of the network may place households there."""
    check(by, shelter, Need.MANAGE)
    shelter.day_capacity = _number(
        day_capacity, field="day_capacity", label=_("People by day"), maximum=MAX_PEOPLE
    )
    shelter.hide_address = bool(hide_address)
    if accepts_network is not None:
        shelter.accepts_network = bool(accepts_network)
    shelter.save(update_fields=["day_capacity", "hide_address", "accepts_network"])
    return shelter


@transaction.atomic
def set_partner(*, shelter: Shelter, by, partner, linked: bool = True) -> Shelter:
    """Link a partner of the shelter's organisation to the shelter (or unlink them)."""
    check(by, shelter, Need.MANAGE)
    is_partner = Member.objects.filter(
        user=partner, organisation_id=shelter.point.organisation_id, role=Member.Role.PARTNER
    ).exists()
    if not is_partner:
        raise InvalidInput(
            _("Only a partner of the shelter's organisation can be linked to it."),
            code="not_a_partner",
            field="partner",
        )
    if linked:
        shelter.partners.add(partner)
    else:
        shelter.partners.remove(partner)
    return shelter


# ---------------------------------------------------------------- occupancy


def _day(on: dt.date | None, *, field: str) -> dt.date:
    today = timezone.localdate()
    if on is None:
        return today
    if not isinstance(on, dt.date):
        raise InvalidInput(_("Give a date."), field=field)
    if on > today:
        raise InvalidInput(_("The date cannot be in the future."), code="future_date", field=field)
    return on


def _audit(*, by, household: Household, note: str) -> None:
    """Where a household stays is personal: every change of it goes to the audit log."""
    record_household(
        by=by,
        organisation_id=household.organisation_id,
        household_id=household.pk,
        action=AuditEntry.Action.UPDATE,
        fields=["shelter"],
        note=note,
    )


def _take_beds(shelter: Shelter, unit: Unit | None, people: int) -> Unit:
    """Take `people` beds in the unit (or in the fullest unit where the family fits together)
    by guarded UPDATEs; Conflict when they are gone."""
    candidates = (
        [unit]
        if unit is not None
        else list(
            Unit.objects.filter(
                shelter=shelter, active=True, beds__gte=F("occupied") + people
            ).order_by(F("beds") - F("occupied"), "pk")[:5]
        )
    )
    for candidate in candidates:
        taken = Unit.objects.filter(
            pk=candidate.pk, active=True, beds__gte=F("occupied") + people
        ).update(occupied=F("occupied") + people)
        if taken:
            break
    else:
        raise Conflict(
            _("Not enough free beds to keep this family together here."), code="no_free_beds"
        )
    taken = Shelter.objects.filter(pk=shelter.pk, beds__gte=F("occupied") + people).update(
        occupied=F("occupied") + people
    )
    if not taken:  # only when the counters were edited by hand; never silently over capacity
        raise Conflict(_("Not enough free beds in this shelter."), code="no_free_beds")
    return candidate


def _free_beds(placement: Placement) -> None:
    people = placement.people
    Shelter.objects.filter(pk=placement.shelter_id).update(occupied=F("occupied") - people)
    if placement.unit_id:
        Unit.objects.filter(pk=placement.unit_id).update(occupied=F("occupied") - people)


def _check_target(household: Household, shelter: Shelter, unit: Unit | None) -> int:
    if unit is not None and unit.shelter_id != shelter.pk:
        raise InvalidInput(
            _("This unit belongs to another shelter."), code="unit_of_other_shelter", field="unit"
        )
    if household.status != Household.Status.ACTIVE:
        raise Conflict(_("This household is not active."), code="household_not_active")
    other = shelter.point.organisation_id != household.organisation_id
    if (other and not shelter.accepts_network) or not shelter.point.active:
        raise InvalidInput(_("Unknown shelter."), code="unknown_shelter", field="shelter")
    people = household.size
    if people < 1:
        raise InvalidInput(
            _("Record who is in the household before placing it."), code="empty_household"
        )
    return people


def _check_placing(by, shelter: Shelter, organisation_id: int, need: Need) -> None:
    """Placing a household of `organisation_id` at `shelter` (or taking it out): in its own
    organisation's shelter, the shelter's rules; in another organisation's, the household's
    coordinators, and only into a shelter that accepts households from the network (both
    organisations agree: the flag, and a coordinator of the household's own)."""
    if shelter.point.organisation_id == organisation_id:
        check(by, shelter, need)
        return
    if need is Need.PLACE and not shelter.accepts_network:
        raise InvalidInput(_("Unknown shelter."), code="unknown_shelter", field="shelter")
    if not may_place(by, organisation_id):
        check(by, shelter, need)  # the shelter's own partner or coordinators checking out


def _fingerprint(**values) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def _replayer(*, by, key: str | None, print_: str, household: Household) -> Callable:
    def replay() -> Placement | None:
        if key is not None:
            earlier = Placement.objects.filter(created_by=by, idempotency_key=key).first()
            if earlier is not None:
                ensure_same_request(earlier.fingerprint, print_)
                return earlier
        if Placement.objects.current().filter(household=household).exists():
            raise Conflict(
                _("This household is already placed: move it instead."), code="already_placed"
            )
        return None

    return replay


def _check_in(
    *, household: Household, shelter: Shelter, unit: Unit | None, people: int, on: dt.date, by,
    key: str | None, print_: str, stays_there: bool = False,
) -> Placement:  # fmt: skip
    """Claim the key with the placement row, then take the beds (inside the caller's unit)."""
    placement = Placement.objects.create(
        household=household,
        shelter=shelter,
        unit=unit,
        people=people,
        checked_in_on=on,
        created_by=by,
        idempotency_key=key or "",
        fingerprint=print_ if key else "",
    )
    taken = _take_beds(shelter, unit, people)
    if unit is None:  # the unit the family fills best, found while taking its beds
        placement.unit = taken
        placement.save(update_fields=["unit"])
    if not stays_there:  # a registration's new row already says where it stays
        Household.objects.filter(pk=household.pk).update(
            shelter=shelter.point, last_activity_at=timezone.now()
        )
        household.shelter = shelter.point
    return placement


def place_household(
    *,
    household: Household,
    shelter: Shelter,
    by,
    unit: Unit | None = None,
    on: dt.date | None = None,
    idempotency_key: str | None = None,
) -> Placement:
    """Check a household in to a shelter, the whole family in one unit (the given one, or the
    one it fills best); its "where it stays" becomes the shelter. One action, idempotent: a
    retry with the same key returns the first placement."""
    _check_placing(by, shelter, household.organisation_id, Need.PLACE)
    if not may_place(by, household.organisation_id):
        raise PermissionDenied
    people = _check_target(household, shelter, unit)
    on = _day(on, field="checked_in_on")
    key = check_key(idempotency_key)
    print_ = _fingerprint(
        household=household.pk, shelter=shelter.pk, unit=unit.pk if unit else None, on=on
    )

    def work() -> Placement:
        # A household already placed fails the placement's unique index (one open placement
        # per household): the replay then says so, or answers the first request of this key.
        placement = _check_in(
            household=household, shelter=shelter, unit=unit, people=people, on=on, by=by,
            key=key, print_=print_,
        )  # fmt: skip
        _audit(by=by, household=household, note="check-in")
        return placement

    return run_once(unit=work, replay=_replayer(by=by, key=key, print_=print_, household=household))


def place_on_registration(*, household: Household, shelter: Point, by) -> bool:
    """Check in a household whose registration (or correction) chose a shelter that counts its
    beds, inside the caller's transaction: the family in the unit it fills best, checked in
    today, audited. The registration's own idempotency key covers a retry. False when the
    shelter counts no beds (no units recorded): the choice stays a plain "where it stays"."""
    record = Shelter.objects.filter(point_id=shelter.pk, beds__gt=0).select_related("point")
    record = record.first()
    if record is None:
        return False
    if not may_place(by, household.organisation_id):
        raise InvalidInput(
            _(
                "This shelter counts its beds: only a coordinator can place a household there. "
                "Register it without the shelter and ask the placement desk."
            ),
            code="placement_not_allowed",
            field="shelter",
        )
    people = _check_target(household, record, None)
    _check_in(
        household=household, shelter=record, unit=None, people=people,
        on=timezone.localdate(), by=by, key=None, print_="", stays_there=True,
    )  # fmt: skip
    _audit(by=by, household=household, note="check-in")
    return True


def _current(placement: Placement, *, retry_of: dt.date | None = None) -> Placement:
    locked = Placement.objects.select_for_update().get(pk=placement.pk)
    if retry_of is not None and locked.checked_out_on == retry_of:
        return locked
    if locked.checked_out_on is not None:
        raise Conflict(_("This household has already checked out."), code="checked_out")
    return locked


def _close(placement: Placement, on: dt.date) -> None:
    if on < placement.checked_in_on:
        raise InvalidInput(
            _("The check-out cannot be before the check-in (%(date)s).")
            % {"date": placement.checked_in_on.isoformat()},
            code="check_out_before_check_in",
            field="checked_out_on",
        )
    placement.checked_out_on = on
    placement.save(update_fields=["checked_out_on"])
    _free_beds(placement)


@keyed
def check_out(*, placement: Placement, by, on: dt.date | None = None) -> Placement:
    """The household leaves the shelter on `on` (it did not sleep there that night); its
    "where it stays" is cleared. Checking out again on the same day changes nothing (a retry);
    on another day it is refused."""
    shelter = Shelter.objects.with_point().get(pk=placement.shelter_id)
    try:
        check(by, shelter, Need.CHECK_OUT)
    except (Http404, PermissionDenied):  # perhaps a household placed from another organisation
        _check_placing(by, shelter, placement.household.organisation_id, Need.CHECK_OUT)
    on = _day(on, field="checked_out_on")

    def work() -> Placement:
        current = _current(placement, retry_of=on)
        if current.checked_out_on == on:
            return current  # a retried check-out: it already happened, as asked
        _close(current, on)
        Household.objects.filter(pk=current.household_id, shelter_id=shelter.pk).update(
            shelter=None
        )
        household = Household.objects.get(pk=current.household_id)
        _audit(by=by, household=household, note="check-out")
        return current

    return run_once(unit=work, replay=None)


@keyed
def move_household(
    *,
    placement: Placement,
    shelter: Shelter,
    by,
    unit: Unit | None = None,
    on: dt.date | None = None,
) -> Placement:
    """Check the household out of its shelter and in to another (or another unit) the same
    day, in one transaction: if the new beds are gone, it stays where it was."""
    household = Household.objects.get(pk=placement.household_id)
    old = Shelter.objects.with_point().get(pk=placement.shelter_id)
    own = old.point.organisation_id == household.organisation_id
    leaving = Need.PLACE if own else Need.CHECK_OUT
    _check_placing(by, old, household.organisation_id, leaving)
    _check_placing(by, shelter, household.organisation_id, Need.PLACE)
    people = _check_target(household, shelter, unit)
    on = _day(on, field="checked_in_on")

    def work() -> Placement:
        current = _current(placement)
        _close(current, on)
        moved = _check_in(
            household=household, shelter=shelter, unit=unit, people=people, on=on, by=by,
            key=None, print_="",
        )  # fmt: skip
        _audit(by=by, household=household, note="move")
        return moved

    return run_once(unit=work, replay=None)


# ---------------------------------------------------------------- headcounts


def headcount_on(*, shelter: Shelter, night: dt.date) -> int:
    """People who slept at the shelter on `night`, derived from the placements' history."""
    total = Placement.objects.filter(shelter=shelter).on_night(night).aggregate(n=Sum("people"))
    return total["n"] or 0


@keyed
@transaction.atomic
def confirm_headcount(
    *, shelter: Shelter, by, people: int, night: dt.date | None = None
) -> Headcount:
    """The partner's count of the people who slept there on a night (tonight unless told),
    kept next to what the placements say; confirming again replaces the count."""
    check(by, shelter, Need.HEADCOUNT)
    night = _day(night, field="night")
    people = _number(people, field="people", label=_("People"), maximum=MAX_PEOPLE)
    headcount, _created = Headcount.objects.update_or_create(
        shelter=shelter,
        night=night,
        defaults={
            "people": people,
            "derived": headcount_on(shelter=shelter, night=night),
            "confirmed_by": by,
            "confirmed_at": timezone.now(),
        },
    )
    return headcount


def recount(shelter: Shelter) -> tuple[int, dict[int, int]]:
    """The occupancy counters recounted from the current placements (for checks and tests)."""
    current = Placement.objects.current().filter(shelter=shelter)
    by_unit = dict(current.values("unit_id").annotate(n=Sum("people")).values_list("unit_id", "n"))
    return sum(by_unit.values()), by_unit


_RETURNS = {
    "save_unit": Unit,
    "set_facility": Facility,
    "check_out": Placement,
    "move_household": Placement,
    "confirm_headcount": Headcount,
}

__all__ = [
    "MAX_BEDS",
    "check_out",
    "confirm_headcount",
    "headcount_on",
    "move_household",
    "place_household",
    "recount",
    "save_unit",
    "set_facility",
    "set_partner",
    "set_shelter",
]


# ---------------------------------------------------------------- the building's needs


def request_for_building(
    *,
    shelter: Shelter,
    by,
    lines: list,
    urgency: str = "normal",
    reason: str = "",
    idempotency_key: str | None = None,
):
    """Ask for what the building itself needs (beds, mattresses, heaters, a washing machine)
    through the requests flow every shelter request takes: planned, picked, delivered and
    confirmed like goods for residents. Its people are the shelter's beds (or its residents,
    if more), so plans weigh it by the building it fits out."""
    from kamavor.needs import services as needs

    check(by, shelter, Need.EDIT)
    reason = (reason or "").strip()
    label = _("For the building")
    return needs.create_request(
        by=by,
        shelter=shelter.point,
        lines=lines,
        urgency=urgency,
        reason=f"{label}: {reason}"[:300] if reason else str(label),
        number_of_people=max(shelter.beds, shelter.occupied, 1),
        idempotency_key=idempotency_key,
    )
