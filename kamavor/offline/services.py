"""The server side of a desk's outbox: post an offline write once, or hold it for a decision.

`submit_write` is what a desk's outbox sends each write to, with the write's own idempotency
key: it posts through the same services as the online desk (so a retry, or a write cut off
mid-send and sent again, answers the first result and never counts twice). A write the server
refuses (too little stock, a merged household, a repeat within the period, an item no longer in
the catalogue…) is not lost and not posted: it becomes a HeldWrite that waits for a coordinator,
who decides through `decide_held_write`.

Other desks join the outbox by adding a kind here: a parser from the JSON payload to one
service call (see WRITERS), and the action that allows it (see offline.access.KIND_ACTIONS).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from kamavor.catalogue.models import Item
from kamavor.core.errors import Conflict, IdempotencyKeyReused, InvalidInput, KamavorError
from kamavor.core.idempotency import check_key
from kamavor.core.numbers import MAX_ID
from kamavor.distribution.services import ItemLine, record_distribution
from kamavor.households.models import Household
from kamavor.households.services import Profile, register_household
from kamavor.lib import household_codes
from kamavor.network.models import Point
from kamavor.offline.access import KIND_ACTIONS, require
from kamavor.offline.models import HeldWrite
from kamavor.stock.models import Balance, Document
from kamavor.stock.services import IntakeLine, post_donation

MAX_LINES = 100
REASON_LIMIT = 300


@dataclass(frozen=True)
class Outcome:
    """What became of one write: posted (its document or household), or held for a decision."""

    state: str  # "posted" or "held"
    document: Document | None = None
    household: Household | None = None
    held: HeldWrite | None = None


# ---------------------------------------------------------------- payloads


def _lines(payload: dict) -> list[dict]:
    lines = payload.get("lines")
    if not isinstance(lines, list) or not lines or len(lines) > MAX_LINES:
        raise InvalidInput(_("Add at least one line."), code="no_lines", field="lines")
    if not all(isinstance(line, dict) for line in lines):
        raise InvalidInput(_("The request is not valid: check the fields."), field="lines")
    return lines


def _int(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise InvalidInput(_("The request is not valid: check the fields."), field=field)
    return value


def _expiry(value) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        parsed = parse_date(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise InvalidInput(_("Type the date as on the label, e.g. 31.05.2027."), field="expiry")
    return parsed


def _size(line: dict) -> str:
    size = line.get("size") or ""
    if not isinstance(size, str) or len(size) > 20:
        raise InvalidInput(_("The request is not valid: check the fields."), field="size")
    return size


def _items(lines: list[dict]) -> dict[int, Item]:
    ids = {_int(line.get("item"), "item") for line in lines}
    items = Item.objects.filter(active=True).in_bulk(ids)
    for n, line in enumerate(lines, 1):
        if line["item"] not in items:
            raise InvalidInput(
                _("Line %(n)d: unknown item.") % {"n": n}, code="unknown_item", field="item"
            )
    return items


def _text(payload: dict, name: str) -> str:
    value = payload.get(name, "")
    return value if isinstance(value, str) else ""


def _donation(*, point: Point, by, key: str, payload: dict) -> Outcome:
    lines = _lines(payload)
    items = _items(lines)
    document = post_donation(
        point=point,
        lines=[
            IntakeLine(
                item=items[line["item"]],
                quantity=_int(line.get("quantity"), "quantity"),
                expiry=_expiry(line.get("expiry")),
                size=_size(line),
            )
            for line in lines
        ],
        by=by,
        donor=_text(payload, "donor"),
        note=_text(payload, "note"),
        idempotency_key=key,
    )
    return Outcome("posted", document=document)


def _household_by_code(point: Point, code: str) -> Household:
    """The household with exactly this code (a merged one too: serving it is a conflict)."""
    household = (
        Household.objects.of_organisations([point.organisation_id])
        .filter(code=household_codes.normalise(code or "").replace("\x00", ""))
        .first()
    )
    if household is None:
        raise InvalidInput(
            _("No household has the code %(code)s here.") % {"code": code},
            code="unknown_household",
            field="household",
        )
    return household


def _distribution(*, point: Point, by, key: str, payload: dict) -> Outcome:
    lines = _lines(payload)
    items = _items(lines)
    household = _household_by_code(point, _text(payload, "household")[:20])
    document = record_distribution(
        point=point,
        household=household,
        lines=[
            ItemLine(
                item=items[line["item"]],
                quantity=_int(line.get("quantity"), "quantity"),
                size=_size(line),
            )
            for line in lines
        ],
        by=by,
        note=_text(payload, "note"),
        idempotency_key=key,
    )
    return Outcome("posted", document=document, household=household)


def _registration(*, point: Point, by, key: str, payload: dict) -> Outcome:
    composition = payload.get("composition")
    if not isinstance(composition, dict):
        raise InvalidInput(_("The request is not valid: check the fields."), field="composition")
    flags = payload.get("flags") or []
    languages = payload.get("languages") or []
    household = register_household(
        organisation=point.organisation,
        point=point,
        profile=Profile(
            composition=composition,
            flags=[str(f) for f in flags] if isinstance(flags, list) else [],
            area=_text(payload, "area"),
            languages=[str(x) for x in languages] if isinstance(languages, list) else [],
            notes=_text(payload, "notes"),
        ),
        by=by,
        idempotency_key=key,
    )
    return Outcome("posted", household=household)


Writer = Callable[..., Outcome]
WRITERS: dict[str, Writer] = {
    HeldWrite.Kind.DONATION: _donation,
    HeldWrite.Kind.DISTRIBUTION: _distribution,
    HeldWrite.Kind.HOUSEHOLD: _registration,
}


def describe(outcome: Outcome) -> dict:
    """The answer to the desk (and the API): state, and the number, household or held write."""
    data: dict = {"state": outcome.state}
    if outcome.document is not None:
        data["number"] = outcome.document.number
    if outcome.household is not None:
        data["household"] = outcome.household.display_code
    if outcome.held is not None:
        data["held"] = {
            "id": outcome.held.pk,
            "code": outcome.held.error_code,
            "message": outcome.held.error_message,
            "state": outcome.held.state,
        }
    return data


# ---------------------------------------------------------------- sending


def _made_at(value) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _answer(held: HeldWrite) -> Outcome:
    """A write sent again after it was held: what became of it, never a second attempt."""
    if held.state == HeldWrite.State.POSTED:
        return Outcome("posted", document=held.document, household=held.household, held=held)
    return Outcome("held", held=held)


def submit_write(
    *, point: Point, by, kind: str, key: str, payload: dict, made_at: str | None = None
) -> Outcome:
    """Post one offline write once, through the service of its kind; if the server refuses it,
    hold it for a coordinator's decision instead (in its own transaction) and say so."""
    if kind not in WRITERS:
        raise InvalidInput(_("Unknown kind of write."), code="unknown_kind", field="kind")
    require(by, point, KIND_ACTIONS[kind])
    key = check_key(key)
    if key is None:
        raise InvalidInput(
            _("The idempotency key must be 1 to %(n)d characters.") % {"n": 200},
            code="invalid_idempotency_key",
        )
    if not isinstance(payload, dict):
        raise InvalidInput(_("The request is not valid: check the fields."), field="payload")
    earlier = HeldWrite.objects.filter(by=by, key=key).first()
    if earlier is not None:
        return _answer(earlier)
    try:
        return WRITERS[kind](point=point, by=by, key=key, payload=payload)
    except IdempotencyKeyReused:
        raise  # a client bug, not a conflict: the outbox never reuses a key
    except KamavorError as error:
        return Outcome("held", held=_hold(point, by, kind, key, payload, made_at, error))


def _storable(value):
    """The payload as PostgreSQL's JSON can hold it: no NUL in any text."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_storable(x) for x in value]
    if isinstance(value, dict):
        return {_storable(str(k)): _storable(v) for k, v in value.items()}
    return value


def _hold(point, by, kind, key, payload, made_at, error: KamavorError) -> HeldWrite:
    try:
        with transaction.atomic():
            return HeldWrite.objects.create(
                point=point,
                by=by,
                key=key,
                kind=kind,
                payload=_storable(payload),
                made_at=_made_at(made_at),
                error_code=_storable(error.code)[:60],
                error_message=_storable(error.message),
            )
    except IntegrityError:
        # The same write sent twice at once: the other request held it already.
        return HeldWrite.objects.get(by=by, key=key)


# ---------------------------------------------------------------- deciding


class Decision:
    POST = "post"  # post what is possible now (hand-outs: capped to what is on hand)
    DROP = "drop"  # record nothing, with a reason
    CHOICES = (POST, DROP)


def _possible(point: Point, payload: dict) -> dict:
    """A hand-out's lines cut down to what is on hand here and not expired; empty lines go."""
    lines = _lines(payload)
    ids = {line.get("item") for line in lines}
    on_hand: dict[tuple[int, str], int] = {}
    rows = (
        Balance.objects.filter(point=point, item_id__in=ids, quantity__gt=0)
        .exclude(lot__expiry__lt=timezone.localdate())
        .values_list("item_id", "lot__size", "quantity")
    )
    for item_id, size, quantity in rows:
        on_hand[(item_id, size)] = on_hand.get((item_id, size), 0) + quantity
    kept = []
    for line in lines:
        size = _size(line)
        if size:
            have = on_hand.get((line["item"], size), 0)
        else:
            have = sum(n for (i, _s), n in on_hand.items() if i == line["item"])
        take = min(_int(line.get("quantity"), "quantity"), have)
        if take > 0:
            kept.append({**line, "quantity": take})
            if size:
                on_hand[(line["item"], size)] -= take
    if not kept:
        raise Conflict(_("Nothing of this hand-out is on hand here now."), code="nothing_possible")
    return {**payload, "lines": kept}


def _survivor(household: Household) -> Household:
    seen = {household.pk}
    while household.merged_into_id and household.merged_into_id not in seen:
        seen.add(household.merged_into_id)
        household = Household.objects.get(pk=household.merged_into_id)
    return household


def decide_held_write(*, held: HeldWrite, by, decision: str, reason: str) -> HeldWrite:
    """A coordinator's decision on a held write: post what is possible now (a hand-out capped
    to what is on hand, to the household a merged one lives on as, with the reason as its note
    so a repeat is allowed), or drop it with a reason. Decided once; a second decision is
    refused."""
    require(by, held.point, KIND_ACTIONS["decide"])
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_LIMIT:
        raise InvalidInput(_("Write the reason for this decision."), field="reason")
    if decision not in Decision.CHOICES:
        raise InvalidInput(_("Choose a decision."), field="decision")
    if held.state != HeldWrite.State.OPEN:
        raise Conflict(_("This write was already decided."), code="already_decided")
    document = household = None
    if decision == Decision.POST:
        document, household = _post_decided(held, by, reason)

    def unit() -> HeldWrite:
        current = HeldWrite.objects.select_for_update().get(pk=held.pk)
        if current.state != HeldWrite.State.OPEN:
            raise Conflict(_("This write was already decided."), code="already_decided")
        current.state = (
            HeldWrite.State.POSTED if decision == Decision.POST else HeldWrite.State.DROPPED
        )
        current.decided_by = by
        current.decided_at = timezone.now()
        current.reason = reason
        current.document = document
        current.household = household
        current.save(
            update_fields=["state", "decided_by", "decided_at", "reason", "document", "household"]
        )
        return current

    with transaction.atomic():
        return unit()


def _post_decided(held: HeldWrite, by, reason: str):
    """Post the held write as decided, under a key of its own: two coordinators deciding at
    once post it once."""
    key = f"{held.key[:180]}:decided"
    payload = dict(held.payload)
    if held.kind == HeldWrite.Kind.DISTRIBUTION:
        household = _survivor(_household_by_code(held.point, _text(payload, "household")))
        payload = _possible(held.point, payload)
        payload["household"] = household.code
        note = _text(payload, "note")
        payload["note"] = f"{note} · {reason}" if note else reason
    outcome = WRITERS[held.kind](point=held.point, by=by, key=key, payload=payload)
    return outcome.document, outcome.household
