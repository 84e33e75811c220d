"""The shapes the stock API reads and writes.

Inputs are strict: ids and quantities must be JSON integers (not "3", 2.5 or true), unknown
fields are refused, and dates are ISO strings. Ranges (zero, negative, too large) are stated in
the description but left to the services, whose messages say which line is wrong.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import BeforeValidator, Field, model_validator

from kamavor.catalogue.models import Item
from kamavor.core.bodies import Body
from kamavor.core.errors import InvalidInput
from kamavor.core.numbers import Id, checked_int
from kamavor.network.api import NO_NUL, one_of
from kamavor.stock.models import Condition, Document, DocumentLine, Lot, Movement

MAX_LINES = 500  # lines per document: a desk types a few, a sync tool sends its batch


def _iso_date(value: Any) -> Any:
    """Only an ISO date string (or null): a number would pass as a Unix timestamp."""
    if value is None or isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a date as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("expected a date as YYYY-MM-DD") from None


# The limits the description states; the services refuse a quantity out of range with a
# message naming the line and the limit.
MAX_QUANTITY = settings.KAMAVOR_MAX_LINE_QUANTITY
Quantity = checked_int(1, MAX_QUANTITY)
Counted = checked_int(0, MAX_QUANTITY)
Date = Annotated[dt.date, BeforeValidator(_iso_date)]
Text = Annotated[str, Field(pattern=NO_NUL)]
Size = Annotated[str, Field(pattern=NO_NUL, max_length=20)]
Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2, allow_inf_nan=False)]
DocumentKind = one_of(Document.Kind)
DocumentStatus = one_of(Document.Status)
MovementKind = one_of(Movement.Kind)
LotCondition = one_of(Condition)
Unit = one_of(Item.Unit)


class In(Body):
    """A request body of the stock API (strict, validated once: kamavor.core.bodies)."""


# ---------------------------------------------------------------- inputs


class IntakeLineIn(In):
    item: Id
    quantity: Quantity
    expiry: Date | None = Field(None, description="Required for items whose expiry matters.")
    size: Size = Field("", description="Required for items whose size matters.")
    condition: LotCondition = Condition.NEW


class PurchaseLineIn(IntakeLineIn):
    unit_cost: Money = Field(description="Price of one unit in the purchase's currency.")


class DonationIn(In):
    point: Id
    donor: Text = Field("", description="Optional: donations are anonymous by default.")
    note: Text = ""
    lines: list[IntakeLineIn] = Field(max_length=MAX_LINES)


class PurchaseIn(In):
    point: Id
    supplier: Text
    currency: Text = Field("AMD", description="ISO 4217 code.")
    note: Text = ""
    lines: list[PurchaseLineIn] = Field(max_length=MAX_LINES)


class LotLineIn(In):
    lot: Id
    quantity: Quantity


class TransferIn(In):
    source: Id
    destination: Id = Field(description="Any active point of the network.")
    note: Text = ""
    lines: list[LotLineIn] = Field(max_length=MAX_LINES)


class ReceivedLineIn(In):
    line: Id = Field(description="A line id of the transfer.")
    received_quantity: Counted


class ReceiveIn(In):
    lines: list[ReceivedLineIn] | None = Field(
        None, max_length=MAX_LINES, description="Lines left out arrived in full."
    )
    note: Text = ""


def received_by_line(body: ReceiveIn | None) -> dict[int, int]:
    """What arrived of each listed line (lines left out arrived in full); a line listed twice
    is refused."""
    received: dict[int, int] = {}
    for number, line in enumerate((body.lines if body else None) or [], 1):
        if line.line in received:
            raise InvalidInput(
                _("Line %(n)d: this line is listed twice.") % {"n": number}, field="line"
            )
        received[line.line] = line.received_quantity
    return received


class ReverseIn(In):
    reason: Text = ""
    line: Id | None = Field(
        None, description="Reverse only this line of the document (its id); else all of it."
    )


class CountLineIn(In):
    """Either an existing `lot`, or an `item` with its attributes (which may open a new lot)."""

    lot: Id | None = None
    item: Id | None = None
    expiry: Date | None = None
    size: Size = ""
    condition: LotCondition = Condition.NEW
    counted: Counted
    reason: Text = ""

    @model_validator(mode="after")
    def _lot_or_item(self) -> CountLineIn:
        attributes = {"item", "expiry", "size", "condition"} & self.model_fields_set
        if (self.lot is None) == (self.item is None) or (self.lot is not None and attributes):
            raise ValueError("give either a lot, or an item with its attributes")
        return self


class CountIn(In):
    point: Id
    reason: Text = Field("", description="Required when a count differs from the ledger.")
    lines: list[CountLineIn] = Field(max_length=MAX_LINES)


class DisposalIn(In):
    point: Id
    reason: Text
    lines: list[LotLineIn] = Field(max_length=MAX_LINES)


class KitBuildIn(In):
    point: Id
    kit: Id
    quantity: Quantity


# ---------------------------------------------------------------- outputs


class DocumentLineOut(Schema):
    id: int
    item: int
    item_name: str
    lot: int | None
    quantity: int
    received_quantity: int | None
    expected_quantity: int | None
    expiry: dt.date | None
    size: str
    condition: LotCondition
    unit_cost: Decimal | None
    reason: str

    @staticmethod
    def resolve_item(line: DocumentLine) -> int:
        return line.item_id

    @staticmethod
    def resolve_item_name(line: DocumentLine) -> str:
        return line.item.name

    @staticmethod
    def resolve_lot(line: DocumentLine) -> int | None:
        return line.lot_id


class DocumentOut(Schema):
    """Every kind of document has this shape; fields a kind does not use are empty or null."""

    id: int
    number: str
    kind: DocumentKind
    status: DocumentStatus
    point: int
    destination: int | None
    donor: str
    supplier: str
    currency: str
    reason: str
    note: str
    created_by: str
    created_at: dt.datetime
    received_by: str | None
    received_at: dt.datetime | None
    reverses: int | None
    reversed_by: int | None
    lines: list[DocumentLineOut]

    @staticmethod
    def resolve_point(document: Document) -> int:
        return document.point_id

    @staticmethod
    def resolve_destination(document: Document) -> int | None:
        return document.destination_id

    @staticmethod
    def resolve_created_by(document: Document) -> str:
        return document.created_by.get_username()

    @staticmethod
    def resolve_received_by(document: Document) -> str | None:
        return document.received_by.get_username() if document.received_by_id else None

    @staticmethod
    def resolve_reverses(document: Document) -> int | None:
        return document.reverses_id

    @staticmethod
    def resolve_reversed_by(document: Document) -> int | None:
        """The latest reversal of the document (of a line of it, or of the rest)."""
        latest = max((r.pk for r in document.reversals.all()), default=None)
        return latest

    @staticmethod
    def resolve_lines(document: Document) -> list[DocumentLine]:
        return list(document.lines.all())


class ItemRef(Schema):
    """The item of a stock row, named in the request's language."""

    item: int
    item_code: str
    item_name: str
    unit: Unit

    @staticmethod
    def resolve_item(row) -> int:
        return row.item.pk

    @staticmethod
    def resolve_item_code(row) -> str:
        return row.item.code

    @staticmethod
    def resolve_item_name(row) -> str:
        return row.item.name

    @staticmethod
    def resolve_unit(row) -> str:
        return row.item.unit


class StockOut(ItemRef):
    quantity: int


class PointStockOut(StockOut):
    point: int
    point_name: str

    @staticmethod
    def resolve_point(row) -> int:
        return row.point.pk

    @staticmethod
    def resolve_point_name(row) -> str:
        return row.point.name


class LotOut(ItemRef):
    id: int
    point: int
    expiry: dt.date | None
    size: str
    condition: LotCondition
    quantity: int
    expired: bool

    @staticmethod
    def resolve_point(lot: Lot) -> int:
        return lot.point_id

    @staticmethod
    def resolve_quantity(lot: Lot) -> int:
        return lot.balance.quantity

    @staticmethod
    def resolve_expired(lot: Lot) -> bool:
        return lot.is_expired


class MovementOut(Schema):
    id: int
    kind: MovementKind
    quantity: int
    balance_after: int
    document: int
    document_number: str
    by: str
    at: dt.datetime

    @staticmethod
    def resolve_document(movement: Movement) -> int:
        return movement.document_id

    @staticmethod
    def resolve_document_number(movement: Movement) -> str:
        return movement.document.number

    @staticmethod
    def resolve_by(movement: Movement) -> str:
        return movement.by.get_username()


class LotDetailOut(LotOut):
    movements: list[MovementOut] = Field(description="The latest ones, newest first.")

    @staticmethod
    def resolve_movements(lot: Lot) -> list[Movement]:
        return lot.recent_movements  # set by the endpoint, which decides how many


def written_document(document: Document) -> dict:
    """DocumentOut of a document just posted, built from what was written (its lines, items and
    author in memory): the same keys, values and order as the schema gives, without resolving
    the schema field by field (a tenth of a ten-line donation's CPU). A test holds the two to
    the same answer; anything read back from the database goes through DocumentOut."""
    reversals = [reversal.pk for reversal in document.reversals.all()]
    return {
        "id": document.pk,
        "number": document.number,
        "kind": str(document.kind),
        "status": str(document.status),
        "point": document.point_id,
        "destination": document.destination_id,
        "donor": document.donor,
        "supplier": document.supplier,
        "currency": document.currency,
        "reason": document.reason,
        "note": document.note,
        "created_by": document.created_by.get_username(),
        "created_at": document.created_at,
        "received_by": document.received_by.get_username() if document.received_by_id else None,
        "received_at": document.received_at,
        "reverses": document.reverses_id,
        "reversed_by": max(reversals, default=None),
        "lines": [
            {
                "id": line.pk,
                "item": line.item_id,
                "item_name": line.item.name,
                "lot": line.lot_id,
                "quantity": line.quantity,
                "received_quantity": line.received_quantity,
                "expected_quantity": line.expected_quantity,
                "expiry": line.expiry,
                "size": line.size,
                "condition": str(line.condition),
                "unit_cost": line.unit_cost,
                "reason": line.reason,
            }
            for line in document.lines.all()
        ],
    }
