"""Lines being gathered at a desk before they are posted, kept in the member's session.

A cart carries the idempotency key of the document it will become, so a double click or a
retried request posts it once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from kamavor.catalogue.models import Item
from kamavor.stock.services import IntakeLine


@dataclass
class Cart:
    session: object
    name: str

    @classmethod
    def for_desk(cls, request, desk: str, point_id: int) -> Cart:
        return cls(session=request.session, name=f"cart:{desk}:{point_id}")

    @property
    def data(self) -> dict:
        data = self.session.get(self.name)
        if data is None:
            data = {"key": uuid.uuid4().hex, "lines": [], "mode": "donation"}
            self.session[self.name] = data
        return data

    def _changed(self) -> None:
        self.session.modified = True

    @property
    def lines(self) -> list[dict]:
        return self.data["lines"]

    @property
    def key(self) -> str:
        return self.data["key"]

    @property
    def mode(self) -> str:
        return self.data.get("mode", "donation")

    def set_mode(self, mode: str) -> None:
        self.data["mode"] = mode
        self._changed()

    def add(self, line: dict) -> None:
        self.lines.append(line)
        self._changed()

    def remove(self, index: int) -> None:
        if 0 <= index < len(self.lines):
            del self.lines[index]
            self._changed()

    def clear(self) -> None:
        """Empty the cart and take a fresh key: the next document is a new one."""
        mode = self.mode
        self.session[self.name] = {"key": uuid.uuid4().hex, "lines": [], "mode": mode}


def intake_line_to_dict(line: IntakeLine) -> dict:
    return {
        "item": line.item.pk,
        "quantity": line.quantity,
        "expiry": line.expiry.isoformat() if line.expiry else None,
        "size": line.size,
        "condition": line.condition,
        "unit_cost": str(line.unit_cost) if line.unit_cost is not None else None,
    }


def intake_lines(cart: Cart) -> list[IntakeLine]:
    """The cart's lines as service input (items looked up in one query)."""
    items = Item.objects.in_bulk([line["item"] for line in cart.lines])
    result = []
    for line in cart.lines:
        result.append(
            IntakeLine(
                item=items.get(line["item"]),
                quantity=line["quantity"],
                expiry=dt.date.fromisoformat(line["expiry"]) if line["expiry"] else None,
                size=line["size"],
                condition=line["condition"],
                unit_cost=Decimal(line["unit_cost"]) if line["unit_cost"] else None,
            )
        )
    return result
