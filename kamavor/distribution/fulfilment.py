"""Counting what was handed out against a household's open requests.

A unit handed out meets the most urgent (then oldest) open request line that asks for that item
(in that size, when the line names one), then a line that asks for any item of its category.
What no request asked for is simply a hand-out: it is never counted twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from kamavor.catalogue.models import Item
from kamavor.distribution.models import Fulfilment
from kamavor.needs.models import Request, RequestLine
from kamavor.needs.services import record_fulfilment, undo_fulfilment
from kamavor.stock.models import Document, DocumentLine


@dataclass(frozen=True)
class Handed:
    """Units of one item (in one size) handed out, under a key of the caller's choosing."""

    key: object
    item: Item
    size: str
    quantity: int


@dataclass(frozen=True)
class Match:
    key: object
    request_line: RequestLine
    quantity: int


def _fits_item(line: RequestLine, handed: Handed) -> bool:
    return line.item_id == handed.item.pk and (not line.size or line.size == handed.size)


def _fits_category(line: RequestLine, handed: Handed) -> bool:
    return line.item_id is None and line.category_id == handed.item.category_id


def match(requests: Sequence[Request], handed: Iterable[Handed]) -> list[Match]:
    """Which request lines these units meet, and how many each; nothing is counted beyond what
    is outstanding. `requests` are open, most urgent first, with their lines prefetched."""
    lines = [line for request in requests for line in request.lines.all()]
    left = {line.pk: line.outstanding for line in lines}
    matches: list[Match] = []
    for h in handed:
        remaining = h.quantity
        for fits in (_fits_item, _fits_category):
            for line in lines:
                if remaining <= 0:
                    break
                take = min(remaining, left[line.pk]) if fits(line, h) else 0
                if take > 0:
                    matches.append(Match(h.key, line, take))
                    left[line.pk] -= take
                    remaining -= take
    return matches


def open_requests_locked(household_ids: Iterable[int]) -> list[Request]:
    """The households' open requests, locked for this transaction, most urgent first."""
    ids = list(
        Request.objects.select_for_update()
        .filter(household_id__in=list(household_ids), state__in=Request.OPEN_STATES)
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    if not ids:  # most households have no open request: nothing more to read
        return []
    return list(Request.objects.filter(pk__in=ids).with_details().by_urgency())


def open_requests(household_ids: Iterable[int]) -> list[Request]:
    """The households' open requests with their lines, most urgent first, as the desk shows them."""
    return list(
        Request.objects.filter(household_id__in=list(household_ids))
        .open()
        .with_lines()
        .by_urgency()
    )


def count_against_requests(
    requests: Sequence[Request], lines: Sequence[DocumentLine]
) -> list[Fulfilment]:
    """Count a posted distribution's lines against the open requests (inside its transaction)."""
    if not requests:
        return []
    items = Item.objects.in_bulk({line.item_id for line in lines})
    handed = [Handed(line, items[line.item_id], line.size, int(line.quantity)) for line in lines]
    fulfilments = []
    for m in match(requests, handed):
        record_fulfilment(line=m.request_line, quantity=m.quantity)
        fulfilments.append(
            Fulfilment.objects.create(line=m.key, request_line=m.request_line, quantity=m.quantity)
        )
    return fulfilments


def uncount_reversed(document: Document, *, lines: Collection[int] | None = None) -> None:
    """Take back what a reversed distribution or delivery counted against requests, inside the
    reversal's transaction (registered with the stock app's reversal in AppConfig.ready).

    A shelter request with nothing counted any more stays planned while another delivery for it
    is packed or on its way, and is open again otherwise.
    """
    counted: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = Fulfilment.objects.filter(line__document=document)
    if lines is not None:  # only the lines reversed now (one wrong line, or those left)
        rows = rows.filter(line_id__in=list(lines))
    rows = rows.values_list("request_line__request_id", "request_line_id", "quantity")
    for request_id, line_id, quantity in rows.order_by():
        counted[request_id][line_id] += quantity
    in_flight = set(
        Document.objects.filter(
            kind=Document.Kind.DELIVERY,
            request_id__in=list(counted),
            status__in=(Document.Status.DRAFT, Document.Status.SENT),
        )
        .exclude(pk=document.pk)
        .values_list("request_id", flat=True)
    )
    # In request order, as every other path locks requests.
    for request in Request.objects.filter(pk__in=list(counted)).order_by("pk"):
        undo_fulfilment(
            request=request, quantities=counted[request.pk], planned=request.pk in in_flight
        )
