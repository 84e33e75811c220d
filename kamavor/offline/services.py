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
from kamavor.distribution.services import ItemLine, record_distribution, repeat_periods
from kamavor.households.models import Household
from kamavor.households.services import Profile, lineage_ids, register_household
from kamavor.lib import household_codes
from kamavor.network.models import Point
from kamavor.offline.access import KIND_ACTIONS, require
from kamavor.offline.models import HeldWrite
from kamavor.sorting import services as sorting
from kamavor.sorting.models import DropOff
from kamavor.sorting.models import Kind as DropOffKind
from kamavor.stock.models import Balance, Document
from kamavor.stock.services import IntakeLine, post_donation
from kamavor.stock.services.reversal import reverse_document

MAX_LINES = 100
REASON_LIMIT = 300


@dataclass(frozen=True)
class Outcome:
    """What became of one write: posted (its document or household), or held for a decision."""

    state: str  # "posted" or "held"
    document: Document | None = None
    household: Household | None = None
    held: HeldWrite | None = None
    reference: str = ""  # what else the desk is told it became (a drop-off's first tag)


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


def _drop_off(*, point: Point, by, key: str, payload: dict) -> Outcome:
    drop_off = sorting.record_drop_off(
        point=point,
        bags=_int(payload.get("bags"), "bags"),
        kind=_text(payload, "kind") or DropOffKind.MIXED,
        weight_kg=_text(payload, "weight_kg"),
        donor=_text(payload, "donor"),
        by=by,
        idempotency_key=key,
    )
    first = drop_off.bag_set.order_by("number").first()
    return Outcome("posted", reference=first.display_code if first else "")


def _sorting_line(*, point: Point, by, key: str, payload: dict) -> Outcome:
    """One line sorted at a station kept offline; a drop-off closed meanwhile is a conflict."""
    drop_off = DropOff.objects.filter(point=point, pk=_int(payload.get("drop_off"), "drop_off"))
    drop_off = drop_off.first()
    if drop_off is None:
        raise InvalidInput(_("Unknown drop-off."), code="unknown_drop_off", field="drop_off")
    item = _items([payload])[payload["item"]]
    line = sorting.add_sorting_line(
        drop_off=drop_off,
        line=IntakeLine(
            item=item,
            quantity=_int(payload.get("quantity"), "quantity"),
            expiry=_expiry(payload.get("expiry")),
            size=_size(payload),
        ),
        set_aside=_text(payload, "set_aside"),
        by=by,
        idempotency_key=key,
    )
    return Outcome("posted", reference=f"{item.name} × {line.quantity}")


Writer = Callable[..., Outcome]
WRITERS: dict[str, Writer] = {
    HeldWrite.Kind.DONATION: _donation,
    HeldWrite.Kind.DISTRIBUTION: _distribution,
    HeldWrite.Kind.HOUSEHOLD: _registration,
    HeldWrite.Kind.DROP_OFF: _drop_off,
    HeldWrite.Kind.SORTING_LINE: _sorting_line,
}


def describe(outcome: Outcome) -> dict:
    """The answer to the desk (and the API): state, and the number, household or held write."""
    data: dict = {"state": outcome.state}
    if outcome.document is not None:
        data["number"] = outcome.document.number
    if outcome.household is not None:
        data["household"] = outcome.household.display_code
    if outcome.reference:
        data["number"] = outcome.reference
    if outcome.held is not None:
        data["held"] = {
            "id": outcome.held.pk,
            "code": outcome.held.error_code,
            "message": outcome.held.error_message,
            "state": outcome.held.state,
            "reason": outcome.held.reason,
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
    """A write sent again after it was held: what became of it (still held, or the
    coordinator's decision with what it posted), never a second attempt. The desk sends its
    held writes again on each sync to learn the decision."""
    return Outcome("held", document=held.document, household=held.household, held=held)


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
    earlier = (
        HeldWrite.objects.filter(by=by, key=key).select_related("document", "household").first()
    )
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
    REVERSE = "reverse"  # reverse the earlier posting that caused the conflict, then post
    DROP = "drop"  # record nothing, with a reason
    CHOICES = (POST, REVERSE, DROP)


# What each decision leaves the held write as.
DECIDED_STATE = {
    Decision.POST: HeldWrite.State.POSTED,
    Decision.REVERSE: HeldWrite.State.REVERSED,
    Decision.DROP: HeldWrite.State.DROPPED,
}
# Conflicts an earlier posting caused: a repeat within the period, stock that already left.
REVERSIBLE_CODES = ("repeat_needs_reason", "not_enough_stock")


def causes(held: HeldWrite) -> list[Document]:
    """The earlier postings a coordinator may reverse to let a held hand-out through, newest
    first: for a repeat, the household's (and its lineage's) hand-outs of these items within
    the period; for too little stock, the hand-outs of these items at this point since the
    write was made at the desk. Other conflicts have none."""
    if held.kind != HeldWrite.Kind.DISTRIBUTION or held.error_code not in REVERSIBLE_CODES:
        return []
    try:
        items = {_int(line.get("item"), "item") for line in _lines(held.payload)}
    except InvalidInput:
        return []
    documents = Document.objects.filter(
        kind=Document.Kind.DISTRIBUTION,
        status=Document.Status.POSTED,
        lines__item_id__in=items,
    )
    if held.error_code == "repeat_needs_reason":
        try:
            household = _survivor(_household_by_code(held.point, _text(held.payload, "household")))
        except InvalidInput:
            return []
        days = max(repeat_periods(items).values())
        since = (held.made_at or held.reported_at) - dt.timedelta(days=days)
        documents = documents.filter(household_id__in=lineage_ids(household), created_at__gte=since)
    else:
        since = (held.made_at or held.reported_at) - dt.timedelta(hours=1)
        documents = documents.filter(point=held.point, created_at__gte=since)
    return list(documents.distinct().select_related("household").order_by("-created_at")[:20])


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


def decide_held_write(
    *, held: HeldWrite, by, decision: str, reason: str, reverse: Document | None = None
) -> HeldWrite:
    """A coordinator's decision on a held write, in one transaction:

    - post what is possible now (a hand-out capped to what is on hand, to the household a
      merged one lives on as, with the reason as its note so a repeat is allowed);
    - reverse the earlier posting that caused the conflict (`reverse`, one of `causes(held)`:
      the other desk's hand-out to the same household within the period, or the hand-out that
      took the stock) through the stock ledger's reversal, then post the held write as made;
    - drop it with a reason: nothing is written to the ledger.

    The same decision sent again answers the held write as decided; another is refused. The
    reversal and the posting run under keys of their own, so two coordinators deciding at once
    reverse and post once."""
    require(by, held.point, KIND_ACTIONS["decide"])
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_LIMIT:
        raise InvalidInput(_("Write the reason for this decision."), field="reason")
    if decision not in Decision.CHOICES:
        raise InvalidInput(_("Choose a decision."), field="decision")

    def unit() -> HeldWrite:
        current = HeldWrite.objects.select_for_update().get(pk=held.pk)
        if current.state != HeldWrite.State.OPEN:
            if current.state == DECIDED_STATE[decision]:
                return current  # a retry of this decision
            raise Conflict(_("This write was already decided."), code="already_decided")
        if decision == Decision.REVERSE and (
            reverse is None or reverse.pk not in {d.pk for d in causes(current)}
        ):
            raise InvalidInput(
                _("Choose the earlier posting to reverse."), code="no_cause", field="reverse"
            )
        if decision == Decision.REVERSE:
            current.reversal = reverse_document(
                document=reverse, by=by, reason=reason, idempotency_key=f"{held.key[:170]}:reverse"
            )
        if decision != Decision.DROP:
            current.document, current.household = _post_decided(
                held, by, reason, capped=decision == Decision.POST
            )
        current.state = DECIDED_STATE[decision]
        current.decided_by = by
        current.decided_at = timezone.now()
        current.reason = reason
        current.save()
        return current

    with transaction.atomic():
        return unit()


def _post_decided(held: HeldWrite, by, reason: str, *, capped: bool):
    """Post the held write as decided, under a key of its own: two coordinators deciding at
    once post it once."""
    key = f"{held.key[:180]}:decided"
    payload = dict(held.payload)
    if held.kind == HeldWrite.Kind.DISTRIBUTION:
        household = _survivor(_household_by_code(held.point, _text(payload, "household")))
        if capped:
            payload = _possible(held.point, payload)
        payload["household"] = household.code
        note = _text(payload, "note")
        payload["note"] = f"{note} · {reason}" if note else reason
    outcome = WRITERS[held.kind](point=held.point, by=by, key=key, payload=payload)
    return outcome.document, outcome.household
