"""Containers (box, sack, pallet): sorted goods under one code, their contents kept by the ledger.

A container holds no quantities of its own. Goods in it are lots that carry it (Lot.container),
so packing is a pair of movements at one point: units leave a loose lot (or another
container's lot) and enter the container's lot with the same item, expiry, size and condition.

Both movements have the kind `pack`, on a document of kind `pack`. Why not existing kinds: a
transfer pair would count as goods sent and received (and a point does not send to itself), an
adjustment or a count claims the stock was wrong, and kit kinds mean goods turned into other
goods. A pack pair changes nothing about what a point holds: per point, item and day its two
movements sum to zero, so the daily flows (and every report of arrivals, hand-outs and losses)
never see it, while each lot's history says plainly "packed" or "unpacked". A pack document is
reversed like any other, which returns the units to where they came from.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kamavor.core.errors import IdempotencyKeyReused, InvalidInput
from kamavor.core.idempotency import check_key, run_once
from kamavor.lib import tag_codes
from kamavor.network.access import Action
from kamavor.network.models import Point
from kamavor.stock.ledger import Claim, Posting, container_lots_for, idempotent, lots_for
from kamavor.stock.models import Balance, Container, Document, DocumentLine, Lot
from kamavor.stock.services._common import (
    Kind,
    LotLine,
    _check_lines_present,
    _check_lot_line,
    _clean_text,
    _new_document,
    _require,
    as_written,
)


def create_container(
    *,
    point: Point,
    by,
    kind: str = Container.Kind.BOX,
    label: str = "",
    idempotency_key: str | None = None,
) -> Container:
    """A new empty box, sack or pallet at a point, with a fresh code for its label."""
    _require(by, point, Action.INTAKE)
    if kind not in Container.Kind.values:
        raise InvalidInput(_("Choose a box, a sack or a pallet."), field="kind")
    label = _clean_text(label, limit=200, label=_("Label"))
    key = check_key(idempotency_key)

    def unit() -> Container:
        while True:
            code = tag_codes.new_code(tag_codes.CONTAINER_LENGTH)
            if not Container.objects.filter(code=code).exists():
                break
        container = Container.objects.create(
            code=code, kind=kind, point=point, label=label, created_by=by, key=key or ""
        )
        container.just_created = True  # (a replay's container is not: see pack_drop_off)
        return container

    def replay() -> Container | None:
        earlier = Container.objects.filter(created_by=by, key=key).first()
        if earlier is not None and (earlier.point_id, earlier.kind, earlier.label) != (
            point.pk,
            kind,
            label,
        ):
            raise IdempotencyKeyReused(
                _("This idempotency key was already used for a different request.")
            )
        return earlier

    return run_once(unit=unit, replay=None if key is None else replay)


def contents(container: Container) -> QuerySet[Balance]:
    """What the container holds: its lots' balances above zero, read from the ledger."""
    return (
        Balance.objects.filter(lot__container=container, quantity__gt=0)
        .select_related("lot", "lot__item", "lot__item__category")
        .order_by("lot__item__code", "lot__expiry", "lot__size", "lot_id")
    )


def pack(
    *,
    container: Container,
    lines: Sequence[LotLine],
    by,
    idempotency_key: str | None = None,
) -> Document:
    """Put goods into a container: each line's units move from its lot (loose, or in another
    container: repacking) into the container's lot at the same point."""
    point = container.point
    _require(by, point, Action.INTAKE)
    _check_lines_present(lines)
    for n, line in enumerate(lines, 1):
        _check_lot_line(line, point=point, number=n)
        if line.lot.container_id == container.pk:
            raise InvalidInput(
                _("Line %(n)d: these goods are in this container already.") % {"n": n},
                field="lot",
            )
    request = {
        "kind": "pack",
        "container": container.pk,
        "lines": [(x.lot.pk, x.quantity) for x in lines],
    }

    def work(claim: Claim) -> Document:
        document = _new_document(
            kind=Document.Kind.PACK,
            point=point,
            by=by,
            reason=_("Packed into %(c)s") % {"c": container},
        )
        claim(document)
        targets = container_lots_for(
            point=point,
            container=container,
            wanted=[(x.lot.item_id, x.lot.expiry, x.lot.size, x.lot.condition) for x in lines],
        )
        return _move(
            document,
            by,
            [(x.lot, target, x.quantity) for x, target in zip(lines, targets, strict=True)],
        )

    return idempotent(by=by, key=idempotency_key, request=request, work=work)


def unpack(*, container: Container, by, idempotency_key: str | None = None) -> Document:
    """Open a container: everything in it goes back to loose stock at its point."""
    point = container.point
    _require(by, point, Action.INTAKE)
    held = list(contents(container).filter(lot__point_id=point.pk))
    if not held:
        raise InvalidInput(_("This container is empty."), code="empty_container")
    request = {
        "kind": "unpack",
        "container": container.pk,
        "held": [(b.lot_id, b.quantity) for b in held],
    }

    def work(claim: Claim) -> Document:
        document = _new_document(
            kind=Document.Kind.PACK, point=point, by=by, reason=_("Opened %(c)s") % {"c": container}
        )
        claim(document)
        targets = lots_for(
            point=point,
            wanted=[(b.lot.item, b.lot.expiry, b.lot.size, b.lot.condition) for b in held],
        )
        return _move(
            document,
            by,
            [(b.lot, target, b.quantity) for b, target in zip(held, targets, strict=True)],
        )

    return idempotent(by=by, key=idempotency_key, request=request, work=work)


def _move(document: Document, by, moves: list[tuple[Lot, Lot, int]]) -> Document:
    """One line per move, and its pair of `pack` movements: out of one lot, into the other.
    NotEnoughStock (nothing kept) when a lot holds less than is taken from it."""
    written = DocumentLine.objects.bulk_create(
        DocumentLine(
            document=document,
            item_id=source.item_id,
            lot=source,
            quantity=quantity,
            expiry=source.expiry,
            size=source.size,
            condition=source.condition,
        )
        for source, _target, quantity in moves
    )
    posting = Posting(document=document, by=by)
    for (source, target, quantity), line in zip(moves, written, strict=True):
        posting.move(lot=source, delta=-quantity, kind=Kind.PACK, line=line)
        posting.move(lot=target, delta=quantity, kind=Kind.PACK, line=line)
    posting.save()
    return as_written(document, written)


def container_lines(container: Container) -> list[LotLine]:
    """The container's whole contents at its point, as lines for a transfer or a count."""
    # The lot's point, not the balance's (the same): SQLite then starts from the container's
    # lots instead of every balance at the point.
    here = contents(container).filter(lot__point_id=container.point_id)
    return [LotLine(b.lot, b.quantity) for b in here]
