"""What each field form does: its answers turned into a call of the same service a desk uses.

A handler works in two steps so that the write transaction stays short: called with the
submission's context, it reads and checks everything the answers name (points, items, the
household, probable duplicates) outside any transaction, and gives back the write, a function
that calls the service and answers what it made; the caller runs that write inside the
transaction that claims the instanceID. Either step raises the service's own errors
(InvalidInput, Conflict…) when a rule fails; the caller keeps the submission for review with
that reason. `force` is a coordinator's decision to accept what only looked doubtful (a probable
duplicate household).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.catalogue.models import Item
from kamavor.core.errors import InvalidInput
from kamavor.exchange.xforms import NOTHING
from kamavor.households.access import check_code
from kamavor.households.models import COMPOSITION_FIELDS
from kamavor.households.services import (
    Personal,
    Profile,
    find_by_code,
    probable_duplicates,
    register_household,
)
from kamavor.network.access import Action, may
from kamavor.network.models import Organisation, Point
from kamavor.stock.services import IntakeLine, post_donation


@dataclass(frozen=True)
class Context:
    organisation: Organisation
    by: object
    values: dict
    key: str
    force: bool = False


class NeedsReview(InvalidInput):
    """A submission that breaks no rule but that a person should look at first."""


def _text(values: dict, name: str) -> str:
    value = values.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _whole(value: str, name: str, *, default: int | None = None) -> int:
    value = (value or "").strip()
    if not value and default is not None:
        return default
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(
            _("%(field)s must be a whole number, not “%(value)s”.")
            % {"field": name, "value": value[:20]},
            code="not_a_number",
            field=name,
        ) from None


def _points(ctx: Context, *slugs: str) -> dict[str, Point]:
    """The organisation's active points named by these slugs, in one query."""
    wanted = {slug for slug in slugs if slug and slug != NOTHING}
    if not wanted:
        return {}
    found = Point.objects.filter(organisation=ctx.organisation, slug__in=wanted, active=True)
    return {point.slug: point for point in found}


def _point(
    ctx: Context,
    slug: str,
    *,
    shelter: bool | None,
    required: bool,
    known: dict[str, Point] | None = None,
) -> Point | None:
    if not slug or slug == NOTHING:
        if required:
            raise InvalidInput(_("Choose a point."), code="unknown_point", field="point")
        return None
    point = (known if known is not None else _points(ctx, slug)).get(slug)
    if point is None or (shelter is not None and (point.kind == Point.Kind.SHELTER) != shelter):
        message = _("Unknown shelter: %(name)s.") if shelter else _("Unknown point: %(name)s.")
        raise InvalidInput(message % {"name": slug[:60]}, code="unknown_point", field="point")
    return point


def _items(lines: Iterable[dict]) -> list[Item]:
    """The active item each line names, in one query; an unknown one is refused by number."""
    codes = [_text(line, "item") for line in lines]
    found = {item.code: item for item in Item.objects.filter(code__in=set(codes), active=True)}
    items = []
    for number, code in enumerate(codes, 1):
        item = found.get(code) if code else None
        if item is None:
            raise InvalidInput(
                _("Line %(n)d: unknown item “%(code)s”.") % {"n": number, "code": code[:60]},
                code="unknown_item",
                field="item",
            )
        items.append(item)
    return items


def _lines(ctx: Context) -> list[dict]:
    lines = [
        line for line in ctx.values.get("line", []) if isinstance(line, dict) and any(line.values())
    ]
    if not lines:
        raise InvalidInput(_("Add at least one line."), code="no_lines")
    return lines


def _choices(value: str) -> list[str]:
    return [part for part in (value or "").split() if part != NOTHING]


Write = Callable[[], str]


def household(ctx: Context) -> Write:
    values = ctx.values
    known = _points(ctx, _text(values, "shelter"), _text(values, "point"))
    composition = {
        name: _whole(_text(values, name), name, default=0) for name in COMPOSITION_FIELDS
    }
    profile = Profile(
        composition=composition,
        flags=_choices(_text(values, "flags")),
        shelter=_point(ctx, _text(values, "shelter"), shelter=True, required=False, known=known),
        area=_text(values, "area"),
        languages=_choices(_text(values, "languages")),
        notes=_text(values, "notes"),
    )
    personal = None
    if _text(values, "personal") == "yes":
        personal = Personal(
            collector_name=_text(values, "collector_name"),
            phone=_text(values, "phone"),
            document=_text(values, "document"),
            basis=_text(values, "basis") or "consent",
            notice_language=_text(values, "notice_language") or "hy",
            consent=_text(values, "consent") == "yes",
        )
    point = _point(ctx, _text(values, "point"), shelter=None, required=False, known=known)
    if not ctx.force:
        found = probable_duplicates(
            organisation=ctx.organisation,
            composition=composition,
            phone=personal.phone if personal else "",
            document=personal.document if personal else "",
            collector_name=personal.collector_name if personal else "",
            point=point,
        )
        if found:
            raise NeedsReview(
                _("Probably a household already registered: %(codes)s.")
                % {"codes": ", ".join(c.household.display_code for c in found)},
                code="probable_duplicate",
            )

    def write() -> str:
        registered = register_household(
            organisation=ctx.organisation,
            profile=profile,
            by=ctx.by,
            point=point,
            personal=personal,
            idempotency_key=ctx.key,
        )
        return registered.display_code

    return write


def request(ctx: Context) -> Write:
    from kamavor.needs.services import LineIn, create_request

    values = ctx.values
    target = _text(values, "target")
    household_ = shelter = people = None
    if target == "shelter":
        shelter = _point(ctx, _text(values, "shelter"), shelter=True, required=True)
        people = _whole(_text(values, "number_of_people"), "number_of_people")
    else:
        code = check_code(_text(values, "household_code"))
        household_ = find_by_code(organisation_ids=[ctx.organisation.pk], code=code)
        if household_ is None:
            raise InvalidInput(
                _("No household with the code %(code)s.") % {"code": code},
                code="unknown_household",
                field="household_code",
            )
    answered = _lines(ctx)
    lines = [
        LineIn(
            item=item,
            quantity=_whole(_text(line, "quantity"), "quantity"),
            size=_text(line, "size"),
        )
        for item, line in zip(_items(answered), answered, strict=True)
    ]

    def write() -> str:
        made = create_request(
            by=ctx.by,
            lines=lines,
            household=household_,
            shelter=shelter,
            urgency=_text(values, "urgency") or "normal",
            reason=_text(values, "reason"),
            number_of_people=people,
            idempotency_key=ctx.key,
        )
        return _("request %(n)d") % {"n": made.pk}

    return write


def _date(value: str, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise InvalidInput(_("%(field)s is not a date.") % {"field": name}, field=name) from None


def intake(ctx: Context) -> Write:
    point = _point(ctx, _text(ctx.values, "point"), shelter=False, required=True)
    answered = _lines(ctx)
    lines = [
        IntakeLine(
            item=item,
            quantity=_whole(_text(line, "quantity"), "quantity"),
            expiry=_date(_text(line, "expiry"), "expiry"),
            size=_text(line, "size"),
        )
        for item, line in zip(_items(answered), answered, strict=True)
    ]

    def write() -> str:
        document = post_donation(
            point=point,
            lines=lines,
            by=ctx.by,
            donor=_text(ctx.values, "donor"),
            idempotency_key=ctx.key,
        )
        return _("donation %(n)d") % {"n": document.pk}

    return write


def headcount(ctx: Context) -> Write:
    from kamavor.shelters.access import shelter_record
    from kamavor.shelters.services import confirm_headcount

    values = ctx.values
    point = _point(ctx, _text(values, "shelter"), shelter=True, required=True)
    night = _date(_text(values, "day"), "day") or timezone.localdate()
    people = _whole(_text(values, "people"), "people")

    def write() -> str:
        try:
            count = confirm_headcount(
                shelter=shelter_record(point), by=ctx.by, people=people, night=night
            )
        except Http404:  # a partner counts only the shelters linked to them: kept for review
            raise InvalidInput(
                _("Unknown shelter."), code="unknown_point", field="shelter"
            ) from None
        except PermissionDenied:  # a volunteer's count: a coordinator confirms it
            raise InvalidInput(
                _("Only a coordinator or the shelter's partner confirms its headcount."),
                code="headcount_not_allowed",
                field="people",
            ) from None
        return _("headcount of %(day)s: %(n)d") % {
            "day": count.night.isoformat(),
            "n": count.people,
        }

    return write


HANDLERS: dict[str, Callable[[Context], Write]] = {
    "household": household,
    "request": request,
    "intake": intake,
    "headcount": headcount,
}

# Who may send each form (any one of these actions in the organisation).
FORM_ACTIONS: dict[str, tuple[Action, ...]] = {
    "household": (Action.REGISTER_HOUSEHOLD,),
    "request": (Action.REQUEST_FOR_HOUSEHOLD, Action.REQUEST_FOR_SHELTER),
    "intake": (Action.INTAKE,),
    "headcount": (Action.REGISTER_HOUSEHOLD, Action.REQUEST_FOR_SHELTER),
}


def may_send(user, organisation_id: int, form_id: str) -> bool:
    return any(may(user, organisation_id, action) for action in FORM_ACTIONS.get(form_id, ()))
