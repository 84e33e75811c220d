"""What every stock service shares: line shapes, input checks, new documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kamavor.catalogue.models import Item
from kamavor.core import rows
from kamavor.core.errors import InvalidInput
from kamavor.network.access import Action, may
from kamavor.network.models import Point
from kamavor.stock.models import Condition, Document, DocumentLine, Lot, Movement

Kind = Movement.Kind
CONDITIONS = frozenset(Condition.values)  # (a choices class computes .values on every read)


@dataclass(frozen=True)
class IntakeLine:
    """A line of goods coming in: what, how many, and the lot's attributes."""

    item: Item
    quantity: int
    expiry: dt.date | None = None
    size: str = ""
    condition: str = Condition.NEW
    unit_cost: Decimal | None = None


@dataclass(frozen=True)
class LotLine:
    """A quantity taken from (or, for adjustments, added to) one existing lot."""

    lot: Lot
    quantity: int
    reason: str = ""


@dataclass(frozen=True)
class CountLine:
    """What was found on the shelf: an existing lot, or an item with attributes (a new lot)."""

    counted: int
    lot: Lot | None = None
    item: Item | None = None
    expiry: dt.date | None = None
    size: str = ""
    condition: str = Condition.NEW
    reason: str = ""


def _require(by, point: Point, action: Action) -> None:
    if not may(by, point.organisation_id, action):
        raise PermissionDenied
    if not point.active:
        raise InvalidInput(
            _("%(point)s is closed: it takes no stock postings.") % {"point": point.name},
            code="point_closed",
        )


def _line_error(number: int, message: str, field: str | None = None) -> InvalidInput:
    return InvalidInput(_("Line %(n)d: %(error)s") % {"n": number, "error": message}, field=field)


def check_quantity(quantity, *, number: int, allow_zero: bool = False) -> int:
    """A whole number of units, positive (or zero where allowed), and not absurdly large."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise _line_error(number, _("the quantity must be a whole number."), "quantity")
    if quantity < 0 or (quantity == 0 and not allow_zero):
        raise _line_error(number, _("the quantity must be more than zero."), "quantity")
    if quantity > settings.KAMAVOR_MAX_LINE_QUANTITY:
        raise _line_error(
            number,
            _("%(q)d is more than one line may hold (%(max)d). Check the quantity.")
            % {"q": quantity, "max": settings.KAMAVOR_MAX_LINE_QUANTITY},
            "quantity",
        )
    return quantity


def _check_lines_present(lines: Sequence) -> None:
    if not lines:
        raise InvalidInput(_("Add at least one line."), code="no_lines")


def check_intake_line(line: IntakeLine, *, number: int, today: dt.date) -> IntakeLine:
    item = line.item
    if not isinstance(item, Item) or not item.active:
        raise _line_error(number, _("unknown item."), "item")
    check_quantity(line.quantity, number=number)
    expiry = _check_expiry(item, line.expiry, number=number, today=today)
    size = _check_size(item, line.size, number=number)
    if line.condition not in CONDITIONS:
        raise _line_error(number, _("unknown condition."), "condition")
    if line.unit_cost is not None and line.unit_cost < 0:
        raise _line_error(number, _("the cost cannot be negative."), "unit_cost")
    return IntakeLine(item, line.quantity, expiry, size, line.condition, line.unit_cost)


def _check_expiry(item: Item, expiry, *, number: int, today: dt.date) -> dt.date | None:
    if not item.tracks_expiry:
        return None
    if expiry is None:
        raise _line_error(
            number, _("%(item)s needs an expiry date.") % {"item": item.name}, "expiry"
        )
    if expiry < today:
        raise _line_error(
            number,
            _("%(item)s expired on %(date)s: do not take it into stock; dispose of it.")
            % {"item": item.name, "date": expiry.isoformat()},
            "expiry",
        )
    return expiry


def _check_size(item: Item, size: str, *, number: int) -> str:
    size = (size or "").strip()
    if not item.tracks_size:
        return ""
    if not size:
        raise _line_error(number, _("%(item)s needs a size.") % {"item": item.name}, "size")
    if item.sizes and size not in item.sizes:
        raise _line_error(
            number,
            _("%(size)s is not a size of %(item)s (sizes: %(sizes)s).")
            % {"size": size, "item": item.name, "sizes": ", ".join(item.sizes)},
            "size",
        )
    return size


def _check_lot_line(line: LotLine, *, point: Point, number: int) -> None:
    if not isinstance(line.lot, Lot) or line.lot.point_id != point.pk:
        raise _line_error(number, _("this lot is not at %(point)s.") % {"point": point}, "lot")
    check_quantity(line.quantity, number=number)


def _clean_text(value: str, *, limit: int, label: str) -> str:
    value = (value or "").replace("\x00", "").strip()
    if len(value) > limit:
        raise InvalidInput(
            _("%(label)s is too long (at most %(n)d characters).") % {"label": label, "n": limit}
        )
    return value


def as_written(document: Document, lines: Sequence[DocumentLine]) -> Document:
    """Mark a document just posted as complete in memory, with its lines (and their items), its
    author and no reversal yet, so that the API answers from what was written instead of
    reading it back. A replayed document is not marked: it is read as stored."""
    prefetched(document, "lines", lines)
    prefetched(document, "reversals", [])
    document.written = True
    return document


def prefetched(instance, name: str, objects: Sequence) -> None:
    """Give `instance.<name>.all()` these objects, as prefetch_related would, without a query."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    instance._prefetched_objects_cache = {
        **getattr(instance, "_prefetched_objects_cache", {}),
        name: queryset,
    }


def _new_document(*, kind: str, point: Point, by, status=Document.Status.POSTED, **fields):
    document = Document(
        kind=kind,
        status=status,
        organisation_id=point.organisation_id,
        point=point,
        created_by=by,
        **fields,
    )
    rows.insert([document])  # Document.objects.create, less the compilation of the INSERT
    return document
