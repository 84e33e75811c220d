"""Dues and requests: what a household is due now, and every change to a request.

Dues are read, not written: each active standard's entitlement for the household's composition,
less what the household (and any household merged into it) received in the standard's period.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.catalogue.models import Category, Item, KitComponent
from kamavor.core import rows
from kamavor.core.errors import Conflict, InvalidInput
from kamavor.core.idempotency import check_key, ensure_same_request, run_once
from kamavor.households.models import Household
from kamavor.households.services import lineage_ids
from kamavor.lib import entitlements
from kamavor.needs import open_totals
from kamavor.needs.access import may_request
from kamavor.needs.models import Request, RequestLine, Standard
from kamavor.network.access import Action, may
from kamavor.network.models import Point
from kamavor.stock.ledger import fingerprint
from kamavor.stock.models import Document, Movement

# ---------------------------------------------------------------- dues


@dataclass(frozen=True)
class Due:
    """One standard's arithmetic for one household: entitled − received (in period) = due."""

    item: Item
    standard: Standard
    entitled: int
    received: int
    due: int


@dataclass(frozen=True)
class Receipt:
    item_id: int
    at: dt.datetime
    quantity: int
    kit: bool = False


@dataclass(frozen=True)
class History:
    """What a household, with the households merged into it, was handed since a moment.

    Read once per visit and shared by the dues and the repeat warnings. Reversed hand-outs are
    left out: a reversal undoes the whole document.
    """

    household_ids: tuple[int, ...]
    since: dt.datetime
    receipts: tuple[Receipt, ...]

    def covers(self, since: dt.datetime) -> bool:
        return self.since <= since


def history_of(
    household: Household, since: dt.datetime, *, household_ids: Collection[int] | None = None
) -> History:
    """Every distribution line the household (and those merged into it) received since then;
    a caller that knows the household's lineage already (`household_ids`) saves reading it."""
    ids = tuple(household_ids) if household_ids is not None else tuple(lineage_ids(household))
    among, household_params = rows.one_of("d.household_id", ids)
    # Hand-written (kamavor.core.rows): every visit and hand-out asks, and the ORM's
    # compilation of the two joins cost more than the statement.
    sql = (
        f"SELECT m.item_id, m.at, m.quantity, i.is_kit FROM {rows.table(Movement)} m "
        f"JOIN {rows.table(Document)} d ON d.id = m.document_id "
        f"JOIN {rows.table(Item)} i ON i.id = m.item_id "
        f"WHERE m.at >= %s AND {among} AND d.status = %s "
        "AND m.kind = %s"
    )
    db = connection.ops
    params = [db.adapt_datetimefield_value(since), *household_params, Document.Status.POSTED]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, Movement.Kind.DISTRIBUTION])
        found = cursor.fetchall()
    at = rows.converter(Movement._meta.get_field("at"))
    # Distribution movements take stock out, so they are negative.
    receipts = tuple(
        Receipt(item, at(moment), -quantity, bool(kit)) for item, moment, quantity, kit in found
    )
    return History(household_ids=ids, since=since, receipts=receipts)


def period_start(on: dt.date, period_days: int) -> dt.datetime:
    """The first moment of a period of `period_days` calendar days that ends with `on`."""
    first = on - dt.timedelta(days=period_days - 1)
    return timezone.make_aware(dt.datetime.combine(first, dt.time.min))


def _components(kit_ids: set[int]) -> dict[int, list[tuple[int, int]]]:
    parts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    if kit_ids:
        among, kit_params = rows.one_of("kit_id", sorted(kit_ids))
        with connection.cursor() as cursor:  # hand-written, as history_of
            cursor.execute(
                f"SELECT kit_id, item_id, quantity FROM {rows.table(KitComponent)} WHERE {among}",
                kit_params,
            )
            for kit_id, item_id, quantity in cursor.fetchall():
                parts[kit_id].append((item_id, quantity))
    return parts


def received_in_period(
    receipts: Sequence[Receipt], *, item_id: int, since: dt.datetime, components
) -> int:
    """Units of an item received since a moment, loose or inside kits (a hygiene kit's ten soap
    bars count against the soap standard, so a family is not served soap twice)."""
    total = 0
    for receipt in receipts:
        if receipt.at < since:
            continue
        if receipt.item_id == item_id:
            total += receipt.quantity
        for part_id, per_kit in components.get(receipt.item_id, ()):
            if part_id == item_id:
                total += receipt.quantity * per_kit
    return total


def active_standards() -> list[Standard]:
    """The active standards in their order, each with its item (not its category): one
    hand-written SELECT (kamavor.core.rows), as every dues read at a desk asks."""
    return rows.load(Standard, "t.active = %s ORDER BY t.position, t.code", [True], along="item")


def dues_for(
    household: Household,
    *,
    on: dt.date | None = None,
    standards: Sequence[Standard] | None = None,
    history: History | None = None,
) -> list[Due]:
    """What each active standard gives the household now, in the standards' order.

    Standards that give this household nothing (no eligible member, another size band) are left
    out. Four queries at most whatever the number of standards: standards, the household's
    lineage and receipts (none when a `history` reaching back far enough is given), kit
    components (only when kits were received).
    """
    on = on or timezone.localdate()
    if standards is None:
        standards = active_standards()
    composition = household.composition
    applicable = [
        (standard, amount)
        for standard in standards
        if (amount := entitlements.entitled(composition, standard.rule)) > 0
    ]
    if not applicable:
        return []
    longest = max(standard.period_days for standard, _amount in applicable)
    since = period_start(on, longest)
    if history is None or not history.covers(since):
        history = history_of(household, since)
    receipts = history.receipts
    components = _components({r.item_id for r in receipts if r.kit})
    dues = []
    for standard, amount in applicable:
        received = received_in_period(
            receipts,
            item_id=standard.item_id,
            since=period_start(on, standard.period_days),
            components=components,
        )
        dues.append(
            Due(
                item=standard.item,
                standard=standard,
                entitled=amount,
                received=received,
                due=entitlements.due_now(amount, received),
            )
        )
    return dues


# ---------------------------------------------------------------- requests


@dataclass(frozen=True)
class LineIn:
    """One line of a request: an item (with size where it matters) or a category, and how many."""

    quantity: int
    item: Item | None = None
    category: Category | None = None
    size: str = ""


MAX_LINES = 100
MAX_PEOPLE = 100_000  # people a shelter request may be for


def _line_error(number: int, message: str, field: str) -> InvalidInput:
    return InvalidInput(_("Line %(n)d: %(error)s") % {"n": number, "error": message}, field=field)


def _check_line(line: LineIn, number: int) -> LineIn:
    if (line.item is None) == (line.category is None):
        raise _line_error(number, _("ask for an item or a category."), "item")
    if line.item is not None and (not isinstance(line.item, Item) or not line.item.active):
        raise _line_error(number, _("unknown item."), "item")
    quantity = line.quantity
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise _line_error(number, _("the quantity must be a whole number above zero."), "quantity")
    if quantity > settings.KAMAVOR_MAX_LINE_QUANTITY:
        raise _line_error(number, _("the quantity is too large."), "quantity")
    size = (line.size or "").replace("\x00", "").strip()
    if len(size) > 20:
        raise _line_error(number, _("the size is too long."), "size")
    item = line.item
    if item is not None and not item.tracks_size:
        size = ""
    if item is not None and item.tracks_size and size and item.sizes and size not in item.sizes:
        raise _line_error(
            number,
            _("%(size)s is not a size of %(item)s (sizes: %(sizes)s).")
            % {"size": size, "item": item.name, "sizes": ", ".join(item.sizes)},
            "size",
        )
    return LineIn(quantity=quantity, item=item, category=line.category, size=size)


def _clean_reason(reason: str) -> str:
    reason = (reason or "").replace("\x00", "").strip()
    if len(reason) > 300:
        raise InvalidInput(_("The reason is too long (at most 300 characters)."), field="reason")
    return reason


def _replay(*, by, key: str, print_: str) -> Request | None:
    earlier = Request.objects.filter(created_by=by, idempotency_key=key).first()
    if earlier is not None:
        ensure_same_request(earlier.fingerprint, print_)
    return earlier


def create_request(
    *,
    by,
    lines: Sequence[LineIn],
    household: Household | None = None,
    shelter: Point | None = None,
    urgency: str = Request.Urgency.NORMAL,
    reason: str = "",
    number_of_people: int | None = None,
    idempotency_key: str | None = None,
) -> Request:
    """Record what a household, or a partner for its shelter's residents, asks for.

    Volunteers and coordinators ask for their organisation's households; partners (and
    coordinators) for their organisation's shelters. A retry with the same key returns the first.
    """
    if (household is None) == (shelter is None):
        raise InvalidInput(_("A request is for a household or for a shelter."), code="no_target")
    if shelter is not None and shelter.kind != Point.Kind.SHELTER:
        raise InvalidInput(_("Requests are for shelters only."), code="unknown_point")
    organisation_id = household.organisation_id if household else shelter.organisation_id
    if not may_request(by, organisation_id, for_shelter=shelter is not None):
        raise PermissionDenied
    if household is not None and household.status != Household.Status.ACTIVE:
        raise Conflict(_("This household is not active."), code="household_not_active")
    if urgency not in Request.Urgency.values:
        raise InvalidInput(_("Unknown urgency."), field="urgency")
    if shelter is not None:
        if number_of_people is None or isinstance(number_of_people, bool):
            raise InvalidInput(
                _("Say how many people the request is for."), field="number_of_people"
            )
        if not isinstance(number_of_people, int) or not 0 < number_of_people <= MAX_PEOPLE:
            raise InvalidInput(
                _("The number of people must be between 1 and 100,000."), field="number_of_people"
            )
    elif number_of_people is not None:
        raise InvalidInput(
            _("The number of people is for shelter requests."), field="number_of_people"
        )
    if not lines:
        raise InvalidInput(_("Add at least one line."), code="no_lines")
    if len(lines) > MAX_LINES:
        raise InvalidInput(_("Too many lines."), code="too_many_lines")
    clean = [_check_line(line, n) for n, line in enumerate(lines, 1)]
    reason = _clean_reason(reason)
    key = check_key(idempotency_key)
    print_ = fingerprint(
        {
            "household": household.pk if household else None,
            "shelter": shelter.pk if shelter else None,
            "urgency": urgency,
            "reason": reason,
            "people": number_of_people,
            "lines": [
                (x.item.pk if x.item else None, x.category.pk if x.category else None, x.size,
                 x.quantity)
                for x in clean
            ],
        }
    )  # fmt: skip

    def unit() -> Request:
        # The request row holds the key, so inserting it is the claim (see
        # kamavor.core.idempotency): a concurrent retry waits on it, then answers this request.
        request = Request.objects.create(
            organisation_id=organisation_id,
            household=household,
            shelter=shelter,
            number_of_people=number_of_people,
            urgency=urgency,
            reason=reason,
            created_by=by,
            idempotency_key=key or "",
            fingerprint=print_ if key else "",
        )
        RequestLine.objects.bulk_create(
            RequestLine(
                request=request,
                item=x.item,
                category=x.category,
                size=x.size,
                quantity=x.quantity,
            )
            for x in clean
        )
        open_totals.count_change(
            organisation_id=organisation_id,
            urgency=urgency,
            before=None,
            after=(request.state, [_line_state(x) for x in clean]),
        )
        return request

    replay = None if key is None else (lambda: _replay(by=by, key=key, print_=print_))
    return run_once(unit=unit, replay=replay)


def _line_state(line: LineIn) -> open_totals.LineState:
    return (
        line.item.pk if line.item else None,
        line.category.pk if line.category else None,
        line.quantity,
        0,
    )


def may_change(user, request: Request) -> bool:
    """Who may cancel or plan a request: whoever may ask for that kind in its organisation."""
    return may_request(user, request.organisation_id, for_shelter=request.shelter_id is not None)


def _set_state(request: Request, state: str) -> Request:
    request.state = state
    request.state_changed_at = timezone.now()
    request.save(update_fields=["state", "state_changed_at"])
    return request


def cancel_request(*, request: Request, by) -> Request:
    """Cancel what is still outstanding. Cancelling a cancelled request changes nothing."""
    if not may_change(by, request):
        raise PermissionDenied
    with transaction.atomic():
        request = Request.objects.select_for_update().get(pk=request.pk)
        if request.state == Request.State.CANCELLED:
            return request
        if request.state == Request.State.FULFILLED:
            raise Conflict(_("This request was fulfilled: it cannot be cancelled."))
        lines = open_totals.line_states(request)
        open_totals.count_change(
            organisation_id=request.organisation_id,
            urgency=request.urgency,
            before=(request.state, lines),
            after=(Request.State.CANCELLED, lines),
        )
        return _set_state(request, Request.State.CANCELLED)


def plan_request(*, request: Request, by) -> Request:
    """Mark an open request as planned (stock set aside for it). Planning twice is harmless."""
    if not may_change(by, request):
        raise PermissionDenied
    with transaction.atomic():
        request = Request.objects.select_for_update().get(pk=request.pk)
        if request.state == Request.State.PLANNED:
            return request
        if request.state != Request.State.OPEN:
            raise Conflict(_("Only an open request can be planned."))
        return _set_state(request, Request.State.PLANNED)


def record_fulfilment(*, line: RequestLine, quantity: int) -> Request:
    """Count units handed out against a request line; the request becomes partly fulfilled or
    fulfilled. For the distribution services, inside their own transaction."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidInput(_("The quantity must be a whole number above zero."))
    with transaction.atomic():
        request = Request.objects.select_for_update().get(pk=line.request_id)
        if request.state not in Request.OPEN_STATES:
            raise Conflict(_("This request is closed."))
        # Fulfilment may exceed what was asked (a whole pack): it is recorded as it happened.
        counted = RequestLine.objects.filter(pk=line.pk, request=request).update(
            fulfilled_quantity=F("fulfilled_quantity") + quantity
        )
        lines = list(request.lines.all())
        done = all(x.fulfilled_quantity >= x.quantity for x in lines)
        started = any(x.fulfilled_quantity for x in lines)
        state = (
            Request.State.FULFILLED
            if done
            else Request.State.PARTLY_FULFILLED
            if started
            else request.state
        )
        after = [(x.item_id, x.category_id, x.quantity, x.fulfilled_quantity) for x in lines]
        before = [
            (i, c, q, f - quantity) if counted and x.pk == line.pk else (i, c, q, f)
            for x, (i, c, q, f) in zip(lines, after, strict=True)
        ]
        open_totals.count_change(
            organisation_id=request.organisation_id,
            urgency=request.urgency,
            before=(request.state, before),
            after=(state, after),
        )
        return _set_state(request, state) if state != request.state else request


def undo_fulfilment(
    *, request: Request, quantities: Mapping[int, int], planned: bool = False
) -> Request:
    """Take back units counted against a request's lines (request line id → units), because the
    hand-out or delivery that met them was reversed. The request reopens: partly fulfilled while
    anything is still counted, otherwise planned when `planned` (goods still on their way to it)
    or open. A cancelled request stays cancelled. For the distribution services, inside their
    own transaction."""
    with transaction.atomic():
        request = Request.objects.select_for_update().get(pk=request.pk)
        # A cancelled request counts for nothing before and after: its lines are not read.
        before = None
        if request.state != Request.State.CANCELLED:
            before = (request.state, open_totals.line_states(request))
        for line_id, quantity in quantities.items():
            if quantity > 0:
                RequestLine.objects.filter(pk=line_id, request=request).update(
                    fulfilled_quantity=Greatest(F("fulfilled_quantity") - quantity, 0)
                )
        if request.state == Request.State.CANCELLED:
            return request
        state = request.state
        lines = list(request.lines.order_by("pk"))
        if request.state != Request.State.OPEN:
            if all(x.fulfilled_quantity >= x.quantity for x in lines):
                state = Request.State.FULFILLED
            elif any(x.fulfilled_quantity for x in lines):
                state = Request.State.PARTLY_FULFILLED
            else:
                state = Request.State.PLANNED if planned else Request.State.OPEN
        open_totals.count_change(
            organisation_id=request.organisation_id,
            urgency=request.urgency,
            before=before,
            after=(
                state,
                [(x.item_id, x.category_id, x.quantity, x.fulfilled_quantity) for x in lines],
            ),
        )
        return _set_state(request, state) if state != request.state else request


def save_standard(*, organisation_id: int, code: str, values: dict, by) -> tuple[str, Standard]:
    """Create the standard of this code, or change it where `values` (item_id, eligibility,
    per, quantity, period_days, cap, size band, source; checked by the caller) differ;
    "created", "updated" or "unchanged", and the standard. Only a planner of the organisation
    that brings it may write one."""
    if not may(by, organisation_id, Action.PLAN):
        raise PermissionDenied
    with transaction.atomic():
        standard = Standard.objects.filter(code=code).first()
        if standard is None:
            return "created", Standard.objects.create(code=code, **values)
        if all(getattr(standard, key) == value for key, value in values.items()):
            return "unchanged", standard
        for key, value in values.items():
            setattr(standard, key, value)
        standard.save(update_fields=[key.removesuffix("_id") for key in values])
        return "updated", standard
