"""Handing goods to households: the ledger side of the distribution desk.

A distribution is a stock document of kind `distribution` that names the household served;
its movements take the units out of the point's lots, in one transaction, once per
idempotency key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from django.db import connection
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.catalogue.models import Item
from kamavor.core import rows
from kamavor.core.errors import InvalidInput, NotEnoughStock
from kamavor.distribution import adapters, fulfilment
from kamavor.households.models import Household
from kamavor.households.services import lineage_ids
from kamavor.needs.models import Request, Standard
from kamavor.needs.services import History, history_of
from kamavor.network.access import Action
from kamavor.network.models import Point
from kamavor.stock.ledger import Claim, Posting, idempotent
from kamavor.stock.models import Balance, Document, DocumentLine, Lot, Movement
from kamavor.stock.rollups import add_visit
from kamavor.stock.services import check_quantity
from kamavor.stock.services._common import (
    LotLine,
    _check_lines_present,
    _check_lot_line,
    _clean_text,
    _line_error,
    _new_document,
    _require,
    as_written,
    prefetched,
)

__all__ = [
    "REPEAT_DAYS",
    "ItemLine",
    "RepeatWarning",
    "record_distribution",
    "repeat_periods",
    "repeat_warnings",
]

REPEAT_DAYS = 30  # the period for a repeat warning on an item no standard gives


# ---------------------------------------------------------------- households


def _final(household: Household) -> Household:
    """The household a merged one lives on as (merges may chain)."""
    seen = {household.pk}
    while household.merged_into_id and household.merged_into_id not in seen:
        seen.add(household.merged_into_id)
        household = Household.objects.get(pk=household.merged_into_id)
    return household


def check_servable(household: Household, *, point: Point) -> None:
    """Refuse a household that cannot be served here: merged, closed, or of another organisation."""
    if household.status == Household.Status.MERGED:
        survivor = _final(household)
        raise InvalidInput(
            _(
                "Household %(code)s was merged into household %(into)s. Serve %(into)s: "
                "its card is the one to use."
            )
            % {"code": household.display_code, "into": survivor.display_code},
            code="household_merged",
            field="household",
        )
    if household.status != Household.Status.ACTIVE:
        raise InvalidInput(
            _("Household %(code)s is closed: it cannot be served.")
            % {"code": household.display_code},
            code="household_inactive",
            field="household",
        )
    if household.organisation_id != point.organisation_id:
        # Least data: a desk serves the households its own organisation registered.
        raise InvalidInput(
            _("Household %(code)s is not registered with %(organisation)s.")
            % {"code": household.display_code, "organisation": point.organisation.name},
            code="household_elsewhere",
            field="household",
        )


# ---------------------------------------------------------------- posting


@dataclass(frozen=True)
class ItemLine:
    """Units of an item (in a size, where it matters) to pick first expiry first out."""

    item: Item
    quantity: int
    size: str = ""


def _check_item_line(line: ItemLine, *, number: int) -> None:
    if not isinstance(line.item, Item) or not line.item.active:
        raise _line_error(number, _("unknown item."), "item")
    check_quantity(line.quantity, number=number)
    if line.item.tracks_size and not line.size:
        raise _line_error(number, _("%(item)s needs a size.") % {"item": line.item.name}, "size")


def _picked(point: Point, lines: Sequence[LotLine | ItemLine]) -> list[LotLine]:
    """The lines as lots: item lines picked first expiry first out, never an expired lot (as
    suggest_picks picks them, each line on its own); the candidate lots of every item line are
    read in one hand-written SELECT, inside the write transaction that holds the lock."""
    stocked = _stocked_lots(point, {line.item.pk for line in lines if isinstance(line, ItemLine)})
    result: list[LotLine] = []
    for n, line in enumerate(lines, 1):
        if not isinstance(line, ItemLine):
            result.append(line)
            continue
        size = line.size if line.item.tracks_size else None
        picks, left = [], line.quantity
        for lot, on_hand in stocked.get(line.item.pk, []):
            if left <= 0:
                break
            if size is not None and lot.size != size:
                continue
            take = min(left, on_hand)
            picks.append((lot, take))
            left -= take
        have = sum(take for _lot, take in picks)
        if have < line.quantity:
            raise NotEnoughStock(
                _("Line %(n)d: %(want)d of %(item)s asked, %(have)d on hand that have not expired.")
                % {"n": n, "want": line.quantity, "item": line.item.name, "have": have}
            )
        for lot, _take in picks:
            lot.item = line.item  # known already: the answer names it without asking again
        result.extend(LotLine(lot, take) for lot, take in picks)
    return result


def _stocked_lots(point: Point, item_ids: set[int]) -> dict[int, list[tuple[Lot, int]]]:
    """Per item: the point's lots with stock that have not expired, with their balances, first
    expiry first out (undated last, then by id), as suggest_picks orders them."""
    if not item_ids:
        return {}
    among, item_params = rows.one_of("t.item_id", sorted(item_ids))
    sql = (
        f"SELECT {rows.columns(Lot, 't')}, b.quantity FROM {rows.table(Lot)} t "
        f"JOIN {rows.table(Balance)} b ON b.lot_id = t.id "
        f"WHERE t.point_id = %s AND {among} AND b.quantity > 0 "
        "AND (t.expiry IS NULL OR t.expiry >= %s) "
        "ORDER BY CASE WHEN t.expiry IS NULL THEN 1 ELSE 0 END, t.expiry, t.id"
    )
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    stocked: dict[int, list[tuple[Lot, int]]] = {}
    width = rows.width(Lot)
    with connection.cursor() as cursor:
        cursor.execute(sql, [point.pk, *item_params, today])
        for row in cursor.fetchall():
            lot = rows.instance(Lot, row)
            stocked.setdefault(lot.item_id, []).append((lot, int(row[width])))
    return stocked


def record_distribution(
    *,
    point: Point,
    household: Household,
    lines: Sequence[LotLine | ItemLine],
    by,
    note: str = "",
    idempotency_key: str | None,
) -> Document:
    """Hand goods from this point's lots to a household: one document, its movements out of
    stock, what it meets of the household's open requests, and the household's last activity,
    in one transaction, once per key. An ItemLine is picked first expiry first out inside that
    transaction, so a retry with the same key replays whatever was picked the first time."""
    _require(by, point, Action.DISTRIBUTE)
    if not isinstance(household, Household):
        raise InvalidInput(_("Choose a household."), field="household")
    note = _clean_text(note, limit=2000, label=_("Note"))
    _check_lines_present(lines)
    today = timezone.localdate()
    for n, line in enumerate(lines, 1):
        if isinstance(line, ItemLine):
            _check_item_line(line, number=n)
            continue
        _check_lot_line(line, point=point, number=n)
        if line.lot.expiry is not None and line.lot.expiry < today:
            raise _line_error(
                n,
                _("%(lot)s expired on %(date)s: do not hand it out; dispose of it.")
                % {"lot": line.lot, "date": line.lot.expiry.isoformat()},
                "lot",
            )
    request = {
        "kind": "distribution",
        "point": point.pk,
        "household": household.pk,
        "note": note,
        "lines": [
            ("item", x.item.pk, x.size, x.quantity)
            if isinstance(x, ItemLine)
            else (x.lot.pk, x.quantity)
            for x in lines
        ],
    }

    def work(claim: Claim) -> Document:
        document = _new_document(
            kind=Document.Kind.DISTRIBUTION, point=point, by=by, household=household, note=note
        )
        claim(document)  # first: a concurrent retry waits here, then answers this document
        # Read the household again under a lock: a merge or closure a moment ago wins.
        current, merged_in, asked = _locked_household(household.pk)
        check_servable(current, point=point)
        # Most households have no household merged into them and no open request: then the
        # lock's own statement said so, and neither is read.
        lineage = lineage_ids(current) if merged_in else [current.pk]
        if not note:
            _refuse_repeat_without_reason(current, lines, lineage)
        picked = _picked(point, lines)
        created = rows.insert(
            [
                DocumentLine(
                    document=document,
                    **(
                        {"item": x.lot.item}
                        if Lot.item.is_cached(x.lot)
                        else {"item_id": x.lot.item_id}
                    ),
                    lot=x.lot,
                    quantity=x.quantity,
                    expiry=x.lot.expiry,
                    size=x.lot.size,
                    condition=x.lot.condition,
                )
                for x in picked
            ]
        )
        posting = Posting(document=document, by=by)
        posting.take_all(
            [
                (x.lot, -x.quantity, Movement.Kind.DISTRIBUTION, line)
                for x, line in zip(picked, created, strict=True)
            ]
        )
        # The household's latest visit (the dashboards' households served) and its last
        # activity go in the posting's one round trip: nothing reads their answers.
        posting.save(
            also=[
                partial(add_visit, document),
                lambda: adapters.record_activity(household, posting.at),
            ]
        )
        requests = fulfilment.open_requests_locked(lineage) if merged_in or asked else []
        counted = fulfilment.count_against_requests(requests, created)
        for line in created:
            prefetched(line, "fulfilments", [f for f in counted if f.line_id == line.pk])
        return as_written(document, created)

    # The key is claimed before the household is locked: the same visit posted twice at once
    # answers the first's document, never a repeat warning.
    return idempotent(by=by, key=idempotency_key, request=request, work=work)


def _locked_household(household_id: int) -> tuple[Household, bool, bool]:
    """The household, locked for this transaction, and whether any household was merged into
    it and whether it has an open request: one statement."""
    sql = _LOCKED_HOUSEHOLD.get(connection.vendor)
    if sql is None:
        states = ", ".join(f"'{state}'" for state in Request.OPEN_STATES)
        sql = _LOCKED_HOUSEHOLD[connection.vendor] = (
            f"SELECT {rows.columns(Household, 'h')}, "
            f"EXISTS (SELECT 1 FROM {rows.table(Household)} m WHERE m.merged_into_id = h.id), "
            f"EXISTS (SELECT 1 FROM {rows.table(Request)} r WHERE r.household_id = h.id "
            f"AND r.state IN ({states})) "
            f"FROM {rows.table(Household)} h WHERE h.id = %s"
            + (" FOR UPDATE OF h" if connection.vendor == "postgresql" else "")
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [household_id])
        row = cursor.fetchone()
    if row is None:
        raise Household.DoesNotExist
    width = rows.width(Household)
    return rows.instance(Household, row), bool(row[width]), bool(row[width + 1])


_LOCKED_HOUSEHOLD: dict[str, str] = {}


def _refuse_repeat_without_reason(
    household: Household, lines: Sequence[LotLine | ItemLine], lineage: Collection[int]
):
    """A household that already received an item within its period gets it again only for a
    reason, written in the note (checked under the household's lock, so two desks cannot both
    hand out a first time). `lineage`: the household and those merged into it."""
    items = {x.item.pk if isinstance(x, ItemLine) else x.lot.item_id for x in lines}
    warnings = repeat_warnings(household, items, repeat_periods(items), household_ids=lineage)
    if not warnings:
        return
    names = {item.pk: item.name for item in Item.objects.filter(pk__in=warnings)}
    raise InvalidInput(
        _(
            "Household %(code)s already received %(items)s within the period. To hand it out "
            "again, write the reason in the note."
        )
        % {
            "code": household.display_code,
            "items": ", ".join(
                f"{names.get(w.item_id, '')} ({w.quantity})" for w in warnings.values()
            ),
        },
        code="repeat_needs_reason",
        field="note",
    )


# ---------------------------------------------------------------- reads


def repeat_periods(
    items: Iterable[int], *, standards: Iterable[Standard] | None = None
) -> dict[int, int]:
    """The period of a repeat warning for each item id: the longest period of the active
    standards that give it, else REPEAT_DAYS. The desk and the hand-out use the same periods,
    so what the desk warns of is what needs a reason. Standards already read save a query."""
    item_ids = set(items)
    periods: dict[int, int] = {}
    if standards is None:
        # Hand-written (kamavor.core.rows): every hand-out asks, and the ORM's compilation of
        # the query cost more than the statement.
        among, params = rows.one_of("item_id", sorted(item_ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT item_id, MAX(period_days) FROM {rows.table(Standard)} "
                f"WHERE active = %s AND {among} GROUP BY item_id",
                [True, *params],
            )
            periods = dict(cursor.fetchall())
    else:
        for standard in standards:
            if standard.item_id in item_ids:
                periods[standard.item_id] = max(
                    periods.get(standard.item_id, 0), standard.period_days
                )
    return {i: periods.get(i, REPEAT_DAYS) for i in item_ids}


@dataclass(frozen=True)
class RepeatWarning:
    """An item the household already received within the period: how much, and when last."""

    item_id: int
    quantity: int
    last_at: dt.datetime
    within_days: int


def repeat_warnings(
    household: Household,
    items: Iterable[Item | int],
    within_days: int | Mapping[int, int],
    *,
    now: dt.datetime | None = None,
    history: History | None = None,
    household_ids: Collection[int] | None = None,
) -> dict[int, RepeatWarning]:
    """Which of these items the household (or a household merged into it) already received
    within the period, by item id. `within_days` is one period, or a period per item id; a
    `history` reaching back far enough saves reading the ledger again, and the household's
    lineage (`household_ids`) already known saves reading that."""
    item_ids = {item if isinstance(item, int) else item.pk for item in items}
    if not item_ids:
        return {}

    def days(item_id: int) -> int:
        if isinstance(within_days, Mapping):
            return int(within_days.get(item_id, 0))
        return int(within_days)

    now = now or timezone.now()
    longest = max(days(i) for i in item_ids)
    if longest <= 0:
        return {}
    since = now - dt.timedelta(days=longest)
    if history is None or not history.covers(since):
        history = history_of(household, since, household_ids=household_ids)
    found: dict[int, RepeatWarning] = {}
    for receipt in history.receipts:
        period = days(receipt.item_id)
        if receipt.item_id not in item_ids or period <= 0:
            continue
        if receipt.at < now - dt.timedelta(days=period):
            continue
        earlier = found.get(receipt.item_id)
        found[receipt.item_id] = RepeatWarning(
            item_id=receipt.item_id,
            quantity=(earlier.quantity if earlier else 0) + receipt.quantity,
            last_at=max(receipt.at, earlier.last_at) if earlier else receipt.at,
            within_days=period,
        )
    return found


def last_visits(
    household: Household, *, limit: int = 5, household_ids: Collection[int] | None = None
) -> list[Document]:
    """The household's latest distributions (merged households included), newest first."""
    ids = list(household_ids) if household_ids is not None else lineage_ids(household)
    # Only what the list shows: number, status, when, where, and each line's item and quantity.
    lines = (
        DocumentLine.objects.select_related("item")
        .only("document_id", "quantity", "item__name_hy", "item__name_ru", "item__name_en")
        .order_by("pk")
    )
    return list(
        Document.objects.filter(kind=Document.Kind.DISTRIBUTION, household_id__in=ids)
        .select_related("point")
        .only("kind", "status", "point__name", "household_id", "created_at")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("-created_at", "-pk")[:limit]
    )
