"""Kits built from their components first-expiry-first-out, and taken apart."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.catalogue.models import Item
from kamavor.core.errors import InvalidInput, NotEnoughStock
from kamavor.network.access import Action
from kamavor.network.models import Point
from kamavor.stock.ledger import Claim, Posting, idempotent, lot_for, lots_for
from kamavor.stock.models import Condition, Container, Document, DocumentLine, Lot
from kamavor.stock.services._common import (
    Kind,
    _new_document,
    _require,
    check_quantity,
)


def suggest_picks(
    *,
    point: Point,
    item: Item,
    quantity: int,
    size: str | None = None,
    today=None,
    container: Container | None = None,
) -> list[tuple[Lot, int]]:
    """Lots to take `quantity` from, first expiry first out, never an expired lot (only the
    lots of `container`, when given).

    Returns fewer units than asked when the point has fewer.
    """
    lots = (
        Lot.objects.at(point)
        .filter(item=item, balance__quantity__gt=0)
        .exclude(expiry__lt=today or timezone.localdate())
        .select_related("balance")
        .fefo()
    )
    if size is not None:
        lots = lots.filter(size=size)
    if container is not None:
        lots = lots.filter(container=container)
    picks, left = [], quantity
    for lot in lots:
        if left <= 0:
            break
        take = min(left, lot.balance.quantity)
        picks.append((lot, take))
        left -= take
    return picks


def build_kit(
    *,
    point: Point,
    kit: Item,
    quantity: int,
    by,
    container: Container | None = None,
    idempotency_key: str | None = None,
) -> Document:
    """Assemble kits from their components' stock (first expiry first out); with a
    container (a box of components, scanned at the kit desk), from its lots only.

    The kit lot expires with its earliest-expiring component.
    """
    _require(by, point, Action.BUILD_KIT)
    components = _kit_components(kit)
    check_quantity(quantity, number=1)
    if container is not None and container.point_id != point.pk:
        raise InvalidInput(
            _("This container is not at %(point)s.") % {"point": point}, field="container"
        )
    request = {"kind": "kit_build", "point": point.pk, "kit": kit.pk, "quantity": quantity}
    if container is not None:
        request["container"] = container.pk

    def work(claim: Claim) -> Document:
        document = _new_document(kind=Document.Kind.KIT_BUILD, point=point, by=by)
        claim(document)
        posting = Posting(document=document, by=by)
        picks = _pick_components(
            point=point, components=components, kits=quantity, container=container
        )
        expiries = [lot.expiry for lot, _ in picks if lot.expiry]
        kit_lot = lot_for(
            item=kit,
            point=point,
            expiry=min(expiries) if expiries else None,
            size="",
            condition=Condition.NEW,
        )
        kit_line = DocumentLine.objects.create(
            document=document, item=kit, lot=kit_lot, quantity=quantity, expiry=kit_lot.expiry
        )
        for lot, take in picks:
            line = DocumentLine.objects.create(
                document=document,
                item_id=lot.item_id,
                lot=lot,
                quantity=take,
                expiry=lot.expiry,
                size=lot.size,
                condition=lot.condition,
            )
            posting.move(lot=lot, delta=-take, kind=Kind.KIT_USE, line=line)
        posting.move(lot=kit_lot, delta=quantity, kind=Kind.KIT_BUILD, line=kit_line)
        posting.save()
        return document

    return idempotent(by=by, key=idempotency_key, request=request, work=work)


def _kit_components(kit: Item) -> list:
    if not isinstance(kit, Item) or not kit.is_kit or not kit.active:
        raise InvalidInput(_("This item is not a kit."), field="kit")
    components = list(kit.components.select_related("item"))
    if not components:
        raise InvalidInput(_("This kit has no components yet."), field="kit")
    return components


def _pick_components(*, point, components, kits: int, container=None) -> list[tuple[Lot, int]]:
    picks = []
    for component in components:
        wanted = component.quantity * kits
        found = suggest_picks(
            point=point, item=component.item, quantity=wanted, container=container
        )
        if sum(q for _, q in found) < wanted:
            raise NotEnoughStock(
                _("Not enough %(item)s for %(kits)d kits: %(have)d of %(want)d.")
                % {
                    "item": component.item.name,
                    "kits": kits,
                    "have": sum(q for _, q in found),
                    "want": wanted,
                }
            )
        picks.extend(found)
    return picks


def unbuild_kit(
    *, point: Point, lot: Lot, quantity: int, by, idempotency_key: str | None = None
) -> Document:
    """Take kits apart: their components go back into stock."""
    _require(by, point, Action.BUILD_KIT)
    if not isinstance(lot, Lot) or lot.point_id != point.pk:
        raise InvalidInput(_("This lot is not at %(point)s.") % {"point": point}, field="lot")
    components = _kit_components(lot.item)
    check_quantity(quantity, number=1)
    request = {"kind": "kit_unbuild", "lot": lot.pk, "quantity": quantity}

    def work(claim: Claim) -> Document:
        document = _new_document(kind=Document.Kind.KIT_UNBUILD, point=point, by=by)
        claim(document)
        posting = Posting(document=document, by=by)
        kit_line = DocumentLine.objects.create(
            document=document, item_id=lot.item_id, lot=lot, quantity=quantity, expiry=lot.expiry
        )
        posting.move(lot=lot, delta=-quantity, kind=Kind.KIT_BUILD, line=kit_line)
        expiries = [lot.expiry if c.item.tracks_expiry else None for c in components]
        backs = lots_for(
            point=point,
            wanted=[
                (c.item, expiry, "", Condition.NEW)
                for c, expiry in zip(components, expiries, strict=True)
            ],
        )
        for component, expiry, back in zip(components, expiries, backs, strict=True):
            line = DocumentLine.objects.create(
                document=document,
                item=component.item,
                lot=back,
                quantity=component.quantity * quantity,
                expiry=expiry,
            )
            posting.move(
                lot=back, delta=component.quantity * quantity, kind=Kind.KIT_USE, line=line
            )
        posting.save()
        return document

    return idempotent(by=by, key=idempotency_key, request=request, work=work)
