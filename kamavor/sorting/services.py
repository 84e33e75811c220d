"""Every change to drop-offs: each service is one transaction, and a retried write counts once.

Recording a drop-off and sorting its lines write nothing to the ledger; closing it posts the
usable lines as one donation (and the set-aside ones as a disposal) through the stock
services, in the same transaction that closes it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.catalogue.models import Item
from kamavor.core import rows
from kamavor.core.errors import Conflict, IdempotencyKeyReused, InvalidInput
from kamavor.core.idempotency import check_key, ensure_same_request, run_once
from kamavor.distribution import deliveries
from kamavor.distribution import services as distribution
from kamavor.lib import tag_codes
from kamavor.network.access import Action, may
from kamavor.network.models import Point
from kamavor.sorting.models import (
    DISPOSED,
    Bag,
    DropOff,
    Kind,
    NoticeKey,
    SetAside,
    SortingLine,
    SortingNotice,
)
from kamavor.stock import services as stock
from kamavor.stock.ledger import fingerprint
from kamavor.stock.models import Container, Document, IdempotencyRecord, Lot
from kamavor.stock.services import IntakeLine, LotLine

MAX_BAGS = 200
MAX_WEIGHT = Decimal("100000")


def _require(by, point: Point) -> None:
    if not may(by, point.organisation_id, Action.INTAKE):
        raise PermissionDenied
    if not point.active:
        raise InvalidInput(
            _("%(point)s is closed: it takes no stock postings.") % {"point": point.name},
            code="point_closed",
        )


def record_drop_off(
    *,
    point: Point,
    bags: int,
    by,
    kind: str = Kind.MIXED,
    weight_kg: Decimal | str | None = None,
    donor: str = "",
    idempotency_key: str | None = None,
) -> DropOff:
    """Record unsorted goods at the door: how many bags or boxes, roughly what, perhaps a weight
    and a donor. Each bag gets a tag code. Nothing enters the stock until it is sorted."""
    _require(by, point)
    if isinstance(bags, bool) or not isinstance(bags, int) or not 1 <= bags <= MAX_BAGS:
        raise InvalidInput(
            _("The number of bags must be 1 to %(n)d.") % {"n": MAX_BAGS}, field="bags"
        )
    if kind not in Kind.values:
        raise InvalidInput(_("Choose what the bags roughly hold."), field="kind")
    weight = _weight(weight_kg)
    donor = (donor or "").replace("\x00", "").strip()
    if len(donor) > 200:
        raise InvalidInput(_("The donor's name is too long (at most 200 characters)."))
    key = check_key(idempotency_key)
    request = (kind, bags, weight, donor, point.pk)

    def unit() -> DropOff:
        drop_off = DropOff.objects.create(
            point=point,
            kind=kind,
            bags=bags,
            weight_kg=weight,
            donor=donor,
            created_by=by,
            key=key or "",
        )
        Bag.objects.bulk_create(
            Bag(drop_off=drop_off, number=n, code=code)
            for n, code in enumerate(_new_bag_codes(bags), 1)
        )
        return drop_off

    def replay() -> DropOff | None:
        earlier = DropOff.objects.filter(created_by=by, key=key).first()
        if earlier is not None:
            earlier_request = (
                earlier.kind,
                earlier.bags,
                earlier.weight_kg,
                earlier.donor,
                earlier.point_id,
            )
            if earlier_request != request:
                raise IdempotencyKeyReused(
                    _("This idempotency key was already used for a different request.")
                )
        return earlier

    return run_once(unit=unit, replay=None if key is None else replay)


def _weight(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        weight = Decimal(str(value).replace(",", ".")).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            _("Type the weight in kilograms, e.g. 12.5."), field="weight_kg"
        ) from None
    if not Decimal(0) < weight < MAX_WEIGHT:
        raise InvalidInput(_("Type the weight in kilograms, e.g. 12.5."), field="weight_kg")
    return weight


def _new_bag_codes(n: int) -> list[str]:
    """n fresh codes that no bag has yet (a collision among 6.4 million is rare: draw again)."""
    codes: set[str] = set()
    while len(codes) < n:
        wanted = {tag_codes.new_code(tag_codes.BAG_LENGTH) for _ in range(n - len(codes))}
        taken = set(Bag.objects.filter(code__in=wanted).values_list("code", flat=True))
        codes |= wanted - taken
    return sorted(codes)[:n]


def _locked_open(drop_off: DropOff) -> DropOff:
    """The drop-off again, locked for this transaction; refused once it is closed."""
    locked = DropOff.objects.select_for_update().get(pk=drop_off.pk)
    if locked.is_closed:
        raise Conflict(_("This drop-off is closed: its goods are in stock already."))
    return locked


def add_sorting_line(
    *,
    drop_off: DropOff,
    line: IntakeLine,
    by,
    set_aside: str = "",
    bag: Bag | None = None,
    idempotency_key: str | None = None,
) -> SortingLine:
    """Add what a volunteer found to an open drop-off: a line for stock (checked as at the
    intake desk), or a line set aside with its reason. Several volunteers may sort at once."""
    _require(by, drop_off.point)
    if set_aside and set_aside not in SetAside.values:
        raise InvalidInput(_("Choose why the goods are set aside."), field="set_aside")
    if bag is not None and bag.drop_off_id != drop_off.pk:
        raise InvalidInput(_("This bag belongs to another drop-off."), field="bag")
    if set_aside:
        clean = stock.check_set_aside_line(line, number=1)
    else:
        clean = stock.check_intake_line(line, number=1, today=timezone.localdate())
    key = check_key(idempotency_key)

    def unit() -> SortingLine:
        _locked_open(drop_off)
        return SortingLine.objects.create(
            drop_off=drop_off,
            bag=bag,
            item=clean.item,
            quantity=clean.quantity,
            expiry=clean.expiry,
            size=clean.size,
            condition=clean.condition,
            set_aside=set_aside,
            by=by,
            key=key or "",
        )

    def replay() -> SortingLine | None:
        earlier = SortingLine.objects.filter(by=by, key=key).first()
        if earlier is not None and (earlier.drop_off_id, earlier.item_id, earlier.quantity) != (
            drop_off.pk,
            clean.item.pk,
            clean.quantity,
        ):
            raise IdempotencyKeyReused(
                _("This idempotency key was already used for a different request.")
            )
        return earlier

    return run_once(unit=unit, replay=None if key is None else replay)


def remove_sorting_line(*, line: SortingLine, by) -> None:
    """Take a line off a drop-off that is still open (a typing mistake)."""
    drop_off = line.drop_off
    _require(by, drop_off.point)
    with transaction.atomic():
        _locked_open(drop_off)
        SortingLine.objects.filter(pk=line.pk).delete()


def close_drop_off(*, drop_off: DropOff, by, note: str = "") -> DropOff:
    """Close a sorted drop-off: its usable lines become one donation (donor kept, linked to the
    drop-off) and its expired, damaged or refused lines one disposal, in the same transaction
    that closes it. Lines waiting for a pharmacist's check stay on the drop-off, outside the
    stock. Closing twice (a retry, two volunteers at once) answers the first closing."""
    _require(by, drop_off.point)

    def unit() -> DropOff:
        first_bag = Bag.objects.filter(drop_off=OuterRef("pk")).order_by("number")
        locked = (
            DropOff.objects.select_for_update(of=("self",))  # not the point: other desks use it
            .select_related("point")
            .annotate(first_code=Subquery(first_bag.values("code")[:1]))
            .get(pk=drop_off.pk)
        )
        if locked.is_closed:
            return locked
        lines, known = _lines_and_lots(locked)
        usable = [_intake(x) for x in lines if not x.set_aside]
        waste = [(_intake(x), x.get_set_aside_display()) for x in lines if x.set_aside in DISPOSED]
        if not lines:
            raise InvalidInput(_("Nothing is sorted yet: add the lines first."), code="no_lines")
        if usable or waste:
            donation = stock.post_sorted_donation(
                point=locked.point,
                lines=usable,
                set_aside=waste,
                by=by,
                donor=locked.donor,
                note=note or _("Drop-off %(code)s") % {"code": _first_code(locked)},
                disposal_reason=_("Set aside at sorting"),
                known=known,
                savepoint=False,  # this transaction is rolled back as a whole on any error
            )
            locked.donation, locked.disposal = donation, donation.disposal
        locked.closed_at = timezone.now()
        locked.closed_by = by
        locked.save(update_fields=["closed_at", "closed_by", "donation", "disposal"])
        return locked

    return run_once(unit=unit, replay=None)


def _lines_and_lots(drop_off: DropOff) -> tuple[list[SortingLine], dict[tuple, Lot]]:
    """The drop-off's lines with their items, and the point's loose lots that they go into
    (by item id, expiry, size and condition; the lines hold them as checked), in one SELECT."""
    q = connection.ops.quote_name
    sql = (
        f"SELECT {rows.columns(SortingLine, 's')}, {rows.columns(Item, 'i')}, "
        f"{rows.columns(Lot, 'l')} FROM {rows.table(SortingLine)} s "
        f"JOIN {rows.table(Item)} i ON i.id = s.item_id "
        f"LEFT JOIN {rows.table(Lot)} l ON l.point_id = %s AND l.container_id IS NULL "
        f"AND l.item_id = s.item_id AND l.size = s.size "
        f"AND l.{q('condition')} = s.{q('condition')} "
        "AND (l.expiry = s.expiry OR (l.expiry IS NULL AND s.expiry IS NULL)) "
        "WHERE s.drop_off_id = %s ORDER BY s.id"
    )
    item_at = rows.width(SortingLine)
    lot_at = item_at + rows.width(Item)
    lines, known = [], {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [drop_off.point_id, drop_off.pk])
        for row in cursor.fetchall():
            line = rows.instance(SortingLine, row)
            rows.related(line, "item", rows.instance(Item, row, item_at))
            lines.append(line)
            if row[lot_at] is not None:
                lot = rows.instance(Lot, row, lot_at)
                known[(lot.item_id, lot.expiry, lot.size, lot.condition)] = lot
    return lines, known


def _intake(line: SortingLine) -> IntakeLine:
    return IntakeLine(line.item, line.quantity, line.expiry, line.size, line.condition)


def _first_code(drop_off: DropOff) -> str:
    """The drop-off's first tag code (read with it as `first_code` when closing), for a note."""
    if hasattr(drop_off, "first_code"):
        code = drop_off.first_code
    else:
        bag = drop_off.bag_set.order_by("number").first()
        code = bag.code if bag else None
    return tag_codes.display(code) if code else str(drop_off.pk)


def pack_drop_off(
    *,
    drop_off: DropOff,
    by,
    kind: str = Container.Kind.BOX,
    idempotency_key: str | None = None,
) -> Container:
    """Pack what a closed drop-off took into stock into a new container, in one transaction:
    each sorted line's units that are still loose on the shelf (up to the line's quantity).
    Once per key: the container is created with it, and a retry answers that container."""
    _require(by, drop_off.point)
    if not drop_off.donation_id:
        raise InvalidInput(_("Close the drop-off first: only sorted goods are packed."))
    label = _("Drop-off %(code)s") % {"code": _first_code(drop_off)}

    def unit() -> Container:
        container = stock.create_container(
            point=drop_off.point, by=by, kind=kind, label=label, idempotency_key=idempotency_key
        )
        if not getattr(container, "just_created", False):
            return container  # a retry: the first request packed it
        wanted: dict[int, int] = {}
        for lot_id, quantity in drop_off.donation.lines.filter(reason="").values_list(
            "lot_id", "quantity"
        ):
            wanted[lot_id] = wanted.get(lot_id, 0) + quantity
        lots = Lot.objects.loose().filter(pk__in=wanted).select_related("balance")
        lines = [
            LotLine(lot, min(wanted[lot.pk], lot.balance.quantity))
            for lot in lots.order_by("pk")
            if lot.balance.quantity > 0
        ]
        if not lines:
            raise InvalidInput(_("None of these goods is on the shelf any more."))
        stock.pack(container=container, lines=lines, by=by)
        return container

    return run_once(unit=unit, replay=None)


def post_packing_list(
    *,
    point: Point,
    lines: list[dict],
    by,
    destination: Point | None = None,
    donor: str = "",
    idempotency_key: str | None = None,
):
    """Post a checked packing list: as one donation at the point, or (with a destination) as a
    draft transfer from the point's loose stock, the soonest expiry first. Nothing is posted
    unless every line is sound; the stock services check every line again."""
    from kamavor.catalogue.models import Item
    from kamavor.sorting.packing_lists import pick_lots

    _require(by, point)
    if not lines:
        raise InvalidInput(_("Add at least one line."), code="no_lines")
    items = Item.objects.in_bulk([x["item"] for x in lines])
    intake = [
        IntakeLine(
            item=items.get(x["item"]),
            quantity=x["quantity"],
            expiry=dt.date.fromisoformat(x["expiry"]) if x.get("expiry") else None,
            size=x.get("size") or "",
            condition=x.get("condition") or "new",
        )
        for x in lines
    ]
    if destination is None:
        return stock.post_donation(
            point=point,
            lines=intake,
            by=by,
            donor=donor,
            note=_("Packing list"),
            idempotency_key=idempotency_key,
        )
    rows = [(n, x.item, x.size, x.quantity) for n, x in enumerate(intake, 1)]
    if any(item is None for _n, item, _s, _q in rows):
        raise InvalidInput(_("Line %(n)d: %(error)s") % {"n": 1, "error": _("unknown item.")})
    picked, short = pick_lots(point, rows)
    if short:
        number = min(short)
        raise InvalidInput(_("Line %(n)d: %(error)s") % {"n": number, "error": short[number]})
    return stock.create_transfer(
        source=point,
        destination=destination,
        lines=picked,
        by=by,
        note=_("Packing list"),
        idempotency_key=idempotency_key,
    )


def set_sorting_notice(
    *, point: Point, kind: str, until: dt.date, by, idempotency_key: str | None = None
) -> SortingNotice:
    """Ask the public, on the point's page, not to bring goods of a kind until a day (while
    the backlog of that kind is sorted). One notice per point: a new one replaces it."""
    if not may(by, point.organisation_id, Action.PUBLISH_NEEDS):
        raise PermissionDenied
    if kind not in Kind.values:
        raise InvalidInput(_("Choose what the bags roughly hold."), field="kind")
    today = timezone.localdate()
    if not isinstance(until, dt.date) or not today <= until <= today + dt.timedelta(days=60):
        raise InvalidInput(
            _("Choose a day from today to 60 days ahead."), field="until", code="invalid_date"
        )

    def change() -> SortingNotice:
        notice, _created = SortingNotice.objects.update_or_create(
            point=point,
            defaults={"kind": kind, "until": until, "set_by": by, "set_at": timezone.now()},
        )
        return notice

    def answer(claimed_at: dt.datetime) -> SortingNotice:
        # What the first request set, as the point's notice shows it now if it still does.
        now = SortingNotice.objects.filter(point=point, kind=kind, until=until).first()
        return now or SortingNotice(
            point=point, kind=kind, until=until, set_by=by, set_at=claimed_at
        )

    request = ("set", point.pk, kind, until.isoformat())
    return _notice_once(by, idempotency_key, request, change, answer)


def clear_sorting_notice(*, point: Point, by, idempotency_key: str | None = None) -> None:
    """Take the point's sorting notice off its public page."""
    if not may(by, point.organisation_id, Action.PUBLISH_NEEDS):
        raise PermissionDenied

    def change() -> None:
        SortingNotice.objects.filter(point=point).delete()

    _notice_once(by, idempotency_key, ("clear", point.pk), change, lambda _at: None)


def _notice_once(by, key: str | None, request: tuple, change, answer):
    """Run a change of a notice once per (user, key): its first write claims the key; a retry
    answers `answer(time of the claim)` and changes nothing (a later notice stays)."""
    key = check_key(key)
    if key is None:
        with transaction.atomic():
            return change()
    print_ = fingerprint(request)

    def unit():
        NoticeKey.objects.create(user=by, key=key, fingerprint=print_)
        return change()

    def replay():
        earlier = NoticeKey.objects.filter(user=by, key=key).first()
        if earlier is None:
            return None
        ensure_same_request(earlier.fingerprint, print_)
        return _Answered(answer(earlier.created_at))

    result = run_once(unit=unit, replay=replay)
    return result.value if isinstance(result, _Answered) else result


class _Answered:
    """A replay's answer, which may be None (a cleared notice): run_once takes None for "no
    earlier request"."""

    def __init__(self, value) -> None:
        self.value = value


def check_quarantined(
    *, line: SortingLine, by, accept: bool, expiry: dt.date | None = None
) -> SortingLine:
    """Settle a line that waited for a pharmacist's check: accepted, it enters stock as a
    donation of its own (linked to the line; the drop-off's donor kept), with the expiry read
    now if it had none; refused, it never enters stock. Once only."""
    drop_off = line.drop_off
    _require(by, drop_off.point)
    if not may(by, drop_off.point.organisation_id, Action.DISPOSE):
        raise PermissionDenied  # a coordinator's (or a pharmacist coordinator's) call

    def unit() -> SortingLine:
        locked = SortingLine.objects.select_for_update().select_related("item").get(pk=line.pk)
        if locked.set_aside != SetAside.CHECK or not drop_off.is_closed:
            raise Conflict(
                _("Only a closed drop-off's lines waiting for a check are settled here.")
            )
        if locked.checked_at is not None:
            raise Conflict(_("This line has been checked already."))
        if accept:
            intake = IntakeLine(
                locked.item, locked.quantity, expiry or locked.expiry, locked.size, locked.condition
            )
            locked.released = stock.post_donation(
                point=drop_off.point,
                lines=[intake],
                by=by,
                donor=drop_off.donor,
                note=_("Checked after drop-off %(code)s") % {"code": _first_code(drop_off)},
            )
        locked.checked_at, locked.checked_by = timezone.now(), by
        locked.save(update_fields=["checked_at", "checked_by", "released"])
        return locked

    return run_once(unit=unit, replay=None)


# ---------------------------------------------------------------- a box scanned at a desk


def _earlier(by, key: str | None, *, kind: str, point: Point, **same) -> Document | None:
    """The document a scan with this key posted already (a retry, or a second press), checked
    to be the same kind of posting at the same point for the same household; None if new.
    A box's contents are gone once they are taken, so a retry must be answered before they
    are read again."""
    key = check_key(key)
    if key is None:
        return None
    record = IdempotencyRecord.objects.filter(user=by, key=key).select_related("document").first()
    if record is None:
        return None
    document = record.document
    if (
        document.kind != kind
        or document.point_id != point.pk
        or any(getattr(document, name) != value for name, value in same.items())
    ):
        raise IdempotencyKeyReused(
            _("This idempotency key was already used for a different request.")
        )
    return document


def _whole(container: Container) -> list[LotLine]:
    lines = stock.container_lines(container)
    if not lines:
        raise InvalidInput(_("This container is empty."), code="empty_container")
    return lines


def hand_out_container(
    *, container: Container, household, by, note: str = "", idempotency_key: str | None = None
) -> Document:
    """Hand a box's whole contents to a household at the distribution desk: its lots, as they
    are, become the lines of one distribution (through `record_distribution`: the household's
    checks, repeat warnings and requests apply), in one transaction, once per key."""
    point = container.point
    earlier = _earlier(
        by,
        idempotency_key,
        kind=Document.Kind.DISTRIBUTION,
        point=point,
        household_id=getattr(household, "pk", None),
    )
    if earlier is not None:
        return earlier
    return distribution.record_distribution(
        point=point,
        household=household,
        lines=_whole(container),
        by=by,
        note=note,
        idempotency_key=idempotency_key,
    )


def deliver_container(
    *,
    container: Container,
    request,
    by,
    note: str = "",
    idempotency_key: str | None = None,
) -> Document:
    """Pack a box's whole contents as a delivery for a shelter's request: its lots, as they
    are, become the lines of one draft delivery (through `prepare_delivery`, which counts them
    against the request lines that ask for them), in one transaction, once per key."""
    point = container.point
    earlier = _earlier(
        by,
        idempotency_key,
        kind=Document.Kind.DELIVERY,
        point=point,
        request_id=getattr(request, "pk", None),
    )
    if earlier is not None:
        return earlier
    return deliveries.prepare_delivery(
        request=request,
        point=point,
        by=by,
        lots=_whole(container),
        note=note or str(container),
        idempotency_key=idempotency_key,
    )


def kits_in(container: Container, kit: Item) -> int:
    """How many whole kits the container's contents make (0 if it lacks a component)."""
    held: dict[int, int] = {}
    today = timezone.localdate()
    for line in stock.container_lines(container):
        if line.lot.expiry is None or line.lot.expiry >= today:
            held[line.lot.item_id] = held.get(line.lot.item_id, 0) + line.quantity
    components = list(kit.components.all()) if isinstance(kit, Item) else []
    if not components:
        return 0
    return min(held.get(c.item_id, 0) // c.quantity for c in components)


def build_kits_from_container(
    *, container: Container, kit: Item, by, idempotency_key: str | None = None
) -> Document:
    """Build as many kits as a box of components makes, taking the components from its lots
    (through `build_kit`), in one transaction, once per key. What is left over (not enough
    for one more kit) stays in the box."""
    point = container.point
    earlier = _earlier(by, idempotency_key, kind=Document.Kind.KIT_BUILD, point=point)
    if earlier is not None:
        return earlier
    quantity = kits_in(container, kit)
    if quantity < 1:
        _whole(container)  # an empty box says so
        raise InvalidInput(
            _("This container does not hold the components of one %(kit)s.")
            % {"kit": getattr(kit, "name", "")},
            code="not_enough_stock",
        )
    return stock.build_kit(
        point=point,
        kit=kit,
        quantity=quantity,
        by=by,
        container=container,
        idempotency_key=idempotency_key,
    )
