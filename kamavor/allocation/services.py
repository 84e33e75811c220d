"""Plans: run one (engine on the database's needs and lots), accept one (pick lists and draft
transfers), and read what was planned for a household."""

from __future__ import annotations

import itertools
import time
from collections import defaultdict

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.allocation import engine
from kamavor.allocation import weights as weights_lib
from kamavor.allocation.inputs import Inputs, NeedInfo, gather
from kamavor.allocation.models import (
    Plan,
    PlanLine,
    PlanPick,
    PointLink,
    SizeSubstitute,
    SubstituteGroup,
)
from kamavor.catalogue.models import Category, Item
from kamavor.core.errors import Conflict, InvalidInput
from kamavor.core.idempotency import check_key, ensure_same_request, run_once
from kamavor.households.models import Household
from kamavor.needs.models import Request
from kamavor.needs.services import plan_request
from kamavor.network.access import Action, may
from kamavor.network.models import Organisation, Point
from kamavor.stock.ledger import fingerprint
from kamavor.stock.models import Balance, Document, Lot
from kamavor.stock.services import LotLine, cancel_transfer, create_transfer

LIMITS = {
    engine.FULL: PlanLine.Limit.FULL,
    engine.SHORT: PlanLine.Limit.SHORT,
    engine.NO_STOCK: PlanLine.Limit.NO_STOCK,
}
SHORTAGES_SHOWN = 50
LANGUAGES = ("hy", "ru", "en")


def _require(by, organisation_id: int) -> None:
    if not may(by, organisation_id, Action.PLAN):
        raise PermissionDenied


def run_plan(
    *,
    organisation: Organisation,
    by,
    point: Point | None = None,
    weights: dict | None = None,
    idempotency_key: str | None = None,
) -> Plan:
    """Compute a draft plan for one point, or for all of the organisation's points (stock may
    then move between them), and store it with its summary. A retry with the same key returns
    the first plan."""
    _require(by, organisation.pk)
    if point is not None and point.organisation_id != organisation.pk:
        raise InvalidInput(_("Choose a point of this organisation."), field="point")
    try:
        weights = weights_lib.check(weights or {})
    except (TypeError, ValueError, AttributeError):
        raise InvalidInput(
            _("Weights are numbers from 0 to %(max)s.") % {"max": int(weights_lib.MAX_WEIGHT)},
            field="weights",
        ) from None
    key = check_key(idempotency_key)
    print_ = fingerprint(
        {"organisation": organisation.pk, "point": point and point.pk, "weights": weights}
    )

    def replay() -> Plan | None:
        earlier = Plan.objects.filter(created_by=by, idempotency_key=key).first()
        if earlier is not None:
            ensure_same_request(earlier.fingerprint, print_)
        return earlier

    if key is not None and (earlier := replay()) is not None:
        return earlier
    inputs = gather(organisation=organisation, point=point, weights=weights)
    start = time.perf_counter()
    result = inputs.solve()
    seconds = time.perf_counter() - start

    def unit() -> Plan:
        # The plan row holds the key: a concurrent retry waits on it, then answers this plan.
        plan = Plan.objects.create(
            organisation=organisation,
            point=point,
            weights=weights,
            created_by=by,
            seconds=seconds,
            summary=summarise(inputs, result),
            idempotency_key=key or "",
            fingerprint=print_ if key else "",
        )
        _store_lines(plan, inputs, result)
        return plan

    return run_once(unit=unit, replay=None if key is None else replay)


def _insert(model, fields: list[str], rows) -> None:
    """Insert many rows in one prepared statement: a network plan has hundreds of thousands of
    lines, which model instances and bulk_create would take tens of seconds to write."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(f).column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"
    rows = iter(rows)
    with connection.cursor() as cursor:
        while batch := list(itertools.islice(rows, 5000)):
            cursor.executemany(sql, batch)


LINE_FIELDS = [
    *("plan", "household", "shelter", "request_line", "point", "item", "size", "wanted"),
    *("planned", "share", "weight", "level", "limit"),
]


def _who(need: NeedInfo) -> tuple:
    return (
        need.household_id,
        need.shelter_id,
        need.request_line_id,
        need.point_id,
        need.item_id,
        need.size,
    )


def _store_lines(plan: Plan, inputs: Inputs, result: engine.Plan) -> None:
    outcome = zip(
        result.allocated.tolist(),
        result.share.tolist(),
        [None if np.isinf(t) else t for t in result.level_t.tolist()],
        [LIMITS[n] for n in result.limit.tolist()],
        strict=True,
    )
    rows = (
        (plan.pk, *_who(need), need.wanted, planned, share, need.weight, level, limit)
        for need, (planned, share, level, limit) in zip(inputs.needs, outcome, strict=True)
    )
    _insert(PlanLine, LINE_FIELDS, rows)
    # Lines were inserted in need order, so their ids ascend in that order.
    ids = list(plan.lines.order_by("pk").values_list("pk", flat=True))
    _insert(
        PlanPick,
        ["line", "lot", "quantity"],
        ((ids[n], inputs.lot_ids[lot], q) for n, lot, q in result.picks.tolist()),
    )


def _totals(keys, wanted, planned) -> dict[str, list[int]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, w, p in zip(keys, wanted, planned, strict=True):
        totals[str(key)][0] += int(w)
        totals[str(key)][1] += int(p)
    return dict(totals)


def summarise(inputs: Inputs, result: engine.Plan) -> dict:
    """Coverage per item and per vulnerability group, shortages, transfers, for the plan page."""
    wanted = [n.wanted for n in inputs.needs]
    planned = result.allocated.tolist()
    by_item = _totals([n.item_id for n in inputs.needs], wanted, planned)
    groups: list[str] = []
    group_wanted, group_planned = [], []
    for need, got in zip(inputs.needs, planned, strict=True):
        for group in need.flags or (need.group,):
            groups.append(group)
            group_wanted.append(need.wanted)
            group_planned.append(got)
    shortages = sorted(
        ((int(item), w - p) for item, (w, p) in by_item.items() if w > p),
        key=lambda x: (-x[1], x[0]),
    )
    coverage = result.allocated / np.maximum(np.asarray(wanted or [1]), 1) if wanted else []
    moved: dict[tuple, int] = defaultdict(int)
    lot_item = {x[4]: x[5] for x in inputs.lots}
    for lot, source, destination, quantity in result.transfers.tolist():
        lot_id = inputs.lot_ids[lot]
        key = (inputs.points[source].pk, inputs.points[destination].pk, lot_item[lot_id])
        moved[key] += quantity
    return {
        "needs": len(wanted),
        "wanted": int(sum(wanted)),
        "planned": int(sum(planned)),
        "lowest": float(np.min(coverage)) if len(coverage) else 1.0,
        "items": by_item,
        "groups": _totals(groups, group_wanted, group_planned),
        "shortages": shortages[:SHORTAGES_SHOWN],
        "transfers": [[*key, qty] for key, qty in sorted(moved.items())],
    }


# ---------------------------------------------------------------- accepting


def accept_plan(*, plan: Plan, by, idempotency_key: str | None = None) -> Plan:
    """Accept a draft plan: draft transfers for the stock it moves, requests marked planned,
    the previous accepted plan of the same scope superseded (with its unsent transfers).
    Refused, changing nothing, when the plan is not a draft or stock has changed since it was
    made; a retry with the key of the acceptance returns the accepted plan."""
    _require(by, plan.organisation_id)
    key = check_key(idempotency_key)
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        if key is not None and plan.accepted_key == key and plan.accepted_by_id == by.pk:
            return plan
        if plan.status != Plan.Status.DRAFT:
            raise Conflict(_("Only a draft plan can be accepted."))
        picks = PlanPick.objects.filter(line__plan=plan)
        per_lot = dict(picks.values_list("lot_id").annotate(n=Sum("quantity")).order_by())
        held = dict(
            Balance.objects.filter(lot_id__in=list(per_lot)).values_list("lot_id", "quantity")
        )
        if any(held.get(lot, 0) < quantity for lot, quantity in per_lot.items()):
            raise Conflict(
                _("Stock has changed since this plan was made: run the plan again."),
                code="plan_outdated",
            )
        _create_transfers(plan, picks, by)
        _mark_requests(plan, by)
        _supersede(plan, by)
        plan.status = Plan.Status.ACCEPTED
        plan.accepted_by = by
        plan.accepted_at = timezone.now()
        plan.accepted_key = key or ""
        plan.save(update_fields=["status", "accepted_by", "accepted_at", "accepted_key"])
    return plan


def _supersede(plan: Plan, by) -> None:
    """The accepted plans of the same scope give way; their transfers not yet sent are dropped,
    so the same stock is not sent twice."""
    earlier = Plan.objects.filter(
        organisation_id=plan.organisation_id, point_id=plan.point_id, status=Plan.Status.ACCEPTED
    )
    drafts = Document.objects.filter(
        pk__in=earlier.values("transfers"), status=Document.Status.DRAFT
    ).select_related("point")
    for transfer in drafts:
        cancel_transfer(transfer=transfer, by=by)
    earlier.update(status=Plan.Status.SUPERSEDED)


def _create_transfers(plan: Plan, picks, by) -> None:
    moving: dict[tuple[int, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = picks.values_list("lot_id", "lot__point_id", "line__point_id", "quantity")
    for lot_id, source, destination, quantity in rows:
        if source != destination:
            moving[(source, destination)][lot_id] += quantity
    if not moving:
        return
    points = Point.objects.in_bulk({p for pair in moving for p in pair})
    lots = Lot.objects.in_bulk({lot for per in moving.values() for lot in per})
    documents = []
    for (source, destination), per_lot in sorted(moving.items()):
        lines = [LotLine(lot=lots[lot], quantity=q) for lot, q in sorted(per_lot.items())]
        documents.append(
            create_transfer(
                source=points[source],
                destination=points[destination],
                lines=lines,
                by=by,
                note=_("Plan #%(n)s") % {"n": plan.pk},
            )
        )
    plan.transfers.add(*documents)


def _mark_requests(plan: Plan, by) -> None:
    ids = (
        plan.lines.filter(request_line__isnull=False, planned__gt=0)
        .values_list("request_line__request_id", flat=True)
        .distinct()
    )
    for request in Request.objects.filter(pk__in=list(ids), state=Request.State.OPEN):
        plan_request(request=request, by=by)


# ---------------------------------------------------------------- substitute groups


def create_substitute_group(
    *, organisation: Organisation, names: dict[str, str], items: list[Item], by
) -> SubstituteGroup:
    """A group of items that may stand in for one another in plans (sizes still must match).

    At least two items, each in no other group of the organisation, and a name in each language.
    """
    _require(by, organisation.pk)
    clean = {lang: (names.get(lang) or "").replace("\x00", "").strip() for lang in LANGUAGES}
    if not all(clean.values()) or any(len(n) > 200 for n in clean.values()):
        raise InvalidInput(_("Name the group in Armenian, Russian and English."), field="name")
    items = list({item.pk: item for item in items}.values())
    if len(items) < 2:
        raise InvalidInput(_("A group needs at least two items."), field="items")
    taken = SubstituteGroup.items.through.objects.filter(
        substitutegroup__organisation=organisation, item__in=items
    ).select_related("item")
    if taken:
        raise InvalidInput(
            _("%(item)s is already in another group.") % {"item": taken[0].item.name},
            field="items",
        )
    with transaction.atomic():
        group = SubstituteGroup.objects.create(
            organisation=organisation, **{f"name_{lang}": n for lang, n in clean.items()}
        )
        group.items.add(*items)
    return group


def delete_substitute_group(*, group: SubstituteGroup, by) -> None:
    _require(by, group.organisation_id)
    group.delete()


# ---------------------------------------------------------------- size substitutes


def _sizes(text: str) -> list[str]:
    """Sizes as written: "9, 10" or "9 10", without repeats, each at most 20 characters."""
    sizes: list[str] = []
    for part in text.replace("\x00", "").replace(";", ",").replace(",", " ").split():
        if len(part) > 20:
            raise InvalidInput(_("A size has at most 20 characters."), field="substitutes")
        if part not in sizes:
            sizes.append(part)
    return sizes


def set_size_substitute(
    *,
    organisation: Organisation,
    size: str,
    substitutes: str,
    by,
    item: Item | None = None,
    category: Category | None = None,
) -> SizeSubstitute:
    """Say which sizes, in order, may meet a need for `size` of an item or of any item of a
    category when that size is short; replaces the rule for the same item (or category) and size.
    """
    _require(by, organisation.pk)
    if (item is None) == (category is None):
        raise InvalidInput(_("Choose an item or a category."), field="item")
    wanted = _sizes(size)
    if len(wanted) != 1:
        raise InvalidInput(_("Give one size that is wanted."), field="size")
    (wanted_size,) = wanted
    others = [s for s in _sizes(substitutes) if s != wanted_size]
    if not others:
        raise InvalidInput(_("Give at least one other size."), field="substitutes")
    with transaction.atomic():
        rule, _created = SizeSubstitute.objects.select_for_update().update_or_create(
            organisation=organisation,
            item=item,
            category=category,
            size=wanted_size,
            defaults={"substitutes": others},
        )
    return rule


def delete_size_substitute(*, rule: SizeSubstitute, by) -> None:
    _require(by, rule.organisation_id)
    rule.delete()


# ---------------------------------------------------------------- transfer links


def link_points(*, a: Point, b: Point, by) -> PointLink:
    """Let two points of an organisation exchange stock in plans. Linking twice is harmless."""
    _require(by, a.organisation_id)
    if a.organisation_id != b.organisation_id:
        raise InvalidInput(_("Choose a point of this organisation."), field="point_b")
    if a.pk == b.pk:
        raise InvalidInput(_("Choose two different points."), field="point_b")
    first, second = sorted((a, b), key=lambda p: p.pk)
    link, _created = PointLink.objects.get_or_create(
        organisation_id=a.organisation_id, point_a=first, point_b=second
    )
    return link


def unlink_points(*, link: PointLink, by) -> None:
    _require(by, link.organisation_id)
    link.delete()


# ---------------------------------------------------------------- reads


def planned_for(household: Household) -> list[PlanLine]:
    """What the latest accepted plan gives this household (with its picks' lots), or nothing."""
    line = (
        PlanLine.objects.filter(household=household, plan__status=Plan.Status.ACCEPTED)
        .order_by("-plan__accepted_at", "-plan_id")
        .values_list("plan_id", flat=True)
        .first()
    )
    if line is None:
        return []
    return list(
        PlanLine.objects.filter(plan_id=line, household=household)
        .select_related("item", "point", "plan")
        .prefetch_related("picks__lot__point")
        .order_by("pk")
    )


def transfer_documents(plan: Plan) -> list[Document]:
    return list(plan.transfers.select_related("point", "destination").order_by("pk"))
