"""The sync feeds: what a desk needs to work offline, and what changed since it last looked.

Three feeds, each paged in a total order, each cheap (a handful of queries per page, whatever
the size of the database):

- the catalogue: every active item, with its names in all three languages, sent whole when its
  version (a digest of what the desks use) differs from the desk's;
- the point's households: code, status and what each is due now (no personal field), those
  active since the cursor;
- the point's lots: item, size, expiry and quantity on hand, those moved since the cursor.

A cursor is a moment: a desk keeps the one the first page of a sync answered and sends it as
`since` next time. It lies a little before the moment of reading (OVERLAP), so a write that
was committed a moment late is sent again rather than missed; rows are meant to be upserted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from kamavor.catalogue.models import Barcode, Item
from kamavor.core.errors import InvalidInput
from kamavor.distribution import adapters
from kamavor.distribution.services import REPEAT_DAYS
from kamavor.households.models import Household
from kamavor.needs.models import Standard
from kamavor.needs.services import History, Receipt
from kamavor.network.access import Action, may
from kamavor.network.models import Point
from kamavor.stock.models import Balance, Document, Movement

OVERLAP = dt.timedelta(minutes=2)
PAGE = 500
MAX_PAGE = 1000
MAX_OFFSET = 10_000_000
FEEDS = ("catalogue", "households", "lots")


@dataclass(frozen=True)
class Feed:
    """One page of a feed: its rows, the offset of the next page (None at the end), and the
    cursor to keep for the next sync."""

    rows: list[dict]
    next_offset: int | None
    cursor: str


def _page(rows: list, offset: int, limit: int) -> tuple[list, int | None]:
    if len(rows) > limit:
        return rows[:limit], offset + limit
    return rows, None


def _cursor() -> str:
    return (timezone.now() - OVERLAP).isoformat()


# ---------------------------------------------------------------- catalogue


def catalogue_version() -> str:
    """A digest of what the desks use of the catalogue: it changes when any of it changes."""
    rows = (
        Item.objects.filter(active=True)
        .order_by("pk")
        .values_list(
            "pk", "name_hy", "name_ru", "name_en", "unit", "tracks_expiry", "tracks_size", "sizes"
        )
    )
    codes = Barcode.objects.order_by("pk").values_list("item_id", "code")
    text = json.dumps([list(rows), list(codes)], default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def catalogue_feed(*, version: str = "", offset: int = 0, limit: int = PAGE) -> Feed:
    """The active catalogue, whole, unless the desk's version is current (then no rows)."""
    current = catalogue_version()
    if version == current:
        return Feed([], None, current)
    items = list(
        Item.objects.filter(active=True)
        .order_by("pk")
        .values(
            "pk", "name_hy", "name_ru", "name_en", "unit", "tracks_expiry", "tracks_size", "sizes"
        )[offset : offset + limit + 1]
    )
    page, next_offset = _page(items, offset, limit)
    codes: dict[int, list[str]] = defaultdict(list)
    for item_id, code in Barcode.objects.filter(item_id__in=[x["pk"] for x in page]).values_list(
        "item_id", "code"
    ):
        codes[item_id].append(code)
    rows = [
        {
            "id": x["pk"],
            "names": {"hy": x["name_hy"], "ru": x["name_ru"], "en": x["name_en"]},
            "unit": x["unit"],
            "expiry": x["tracks_expiry"],
            "sizes": x["sizes"] if x["tracks_size"] else [],
            "barcodes": codes.get(x["pk"], []),
        }
        for x in page
    ]
    return Feed(rows, next_offset, current)


# ---------------------------------------------------------------- households


def _histories(households: list[Household], since: dt.datetime) -> dict[int, History]:
    """Each household's receipts since a moment, those merged into it included, in two queries
    for the whole page (lineage one merge deep: chains of merges are rare and still checked
    when the write is synced)."""
    ids = [h.pk for h in households]
    lineage: dict[int, list[int]] = {pk: [pk] for pk in ids}
    for pk, into in Household.objects.filter(merged_into_id__in=ids).values_list(
        "pk", "merged_into_id"
    ):
        lineage[into].append(pk)
    owner = {member: pk for pk, members in lineage.items() for member in members}
    receipts: dict[int, list[Receipt]] = defaultdict(list)
    rows = (
        Movement.objects.filter(
            kind=Movement.Kind.DISTRIBUTION,
            document__household_id__in=list(owner),
            document__status=Document.Status.POSTED,
            at__gte=since,
        )
        .values_list("document__household_id", "item_id", "at", "quantity", "item__is_kit")
        .order_by()
    )
    for household_id, item_id, at, quantity, kit in rows:
        receipts[owner[household_id]].append(Receipt(item_id, at, -quantity, kit))
    return {
        pk: History(household_ids=tuple(lineage[pk]), since=since, receipts=tuple(receipts[pk]))
        for pk in ids
    }


def households_feed(
    point: Point, *, since: dt.datetime | None = None, offset: int = 0, limit: int = PAGE
) -> Feed:
    """The point's organisation's households active since the cursor (all of them without
    one): code, status, the code a merged one lives on as, size, and what each is due now."""
    cursor = _cursor()
    households = Household.objects.filter(organisation_id=point.organisation_id)
    if since is not None:
        households = households.filter(last_activity_at__gte=since)
    page, next_offset = _page(
        list(
            households.select_related("merged_into").order_by("last_activity_at", "pk")[
                offset : offset + limit + 1
            ]
        ),
        offset,
        limit,
    )
    standards = list(Standard.objects.active().with_item())
    today = timezone.localdate()
    days = max([REPEAT_DAYS, *(s.period_days for s in standards)])
    histories = _histories(page, timezone.now() - dt.timedelta(days=days))
    rows = []
    for household in page:
        active = household.status == Household.Status.ACTIVE
        dues = (
            adapters.dues_for(
                household, today, standards=standards, history=histories[household.pk]
            )
            if active
            else []
        )
        rows.append(
            {
                "code": household.code,
                "status": household.status,
                "into": household.merged_into.code if household.merged_into_id else "",
                "size": household.size,
                "dues": [[due.item.pk, due.quantity] for due in dues],
            }
        )
    return Feed(rows, next_offset, cursor)


# ---------------------------------------------------------------- lots


def lots_feed(
    point: Point, *, since: dt.datetime | None = None, offset: int = 0, limit: int = PAGE
) -> Feed:
    """The point's lots moved since the cursor (every lot with stock, without one): item,
    size, expiry and quantity on hand (0 for a lot emptied since)."""
    cursor = _cursor()
    balances = Balance.objects.filter(point=point)
    if since is None:
        balances = balances.filter(quantity__gt=0)
    else:
        moved = Movement.objects.filter(point=point, at__gte=since).values("lot_id")
        balances = balances.filter(Q(lot_id__in=moved))
    page, next_offset = _page(
        list(
            balances.order_by("lot_id").values_list(
                "lot_id", "item_id", "lot__size", "lot__expiry", "quantity"
            )[offset : offset + limit + 1]
        ),
        offset,
        limit,
    )
    rows = [
        {
            "lot": lot,
            "item": item,
            "size": size,
            "expiry": expiry.isoformat() if expiry else None,
            "quantity": quantity,
        }
        for lot, item, size, expiry, quantity in page
    ]
    return Feed(rows, next_offset, cursor)


# ---------------------------------------------------------------- one entry for the faces


def read_feed(user, point: Point, feed: str, *, since: str, offset: int, limit: int) -> Feed:
    """A page of a feed as the desk and the API ask for it: `since` is the cursor (a catalogue
    version, or a moment), checked here. The households feed is for those who hand out."""
    if not 0 <= offset <= MAX_OFFSET or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(_("The request is not valid: check the fields."), field="limit")
    since = (since or "").strip()
    if feed == "catalogue":
        return catalogue_feed(version=since[:40], offset=offset, limit=limit)
    moment = None
    if since:
        try:
            moment = parse_datetime(since)
        except ValueError:
            moment = None
        if moment is None:
            raise InvalidInput(_("The request is not valid: check the fields."), field="since")
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
    if feed == "households":
        if not may(user, point.organisation_id, Action.DISTRIBUTE):
            raise PermissionDenied
        return households_feed(point, since=moment, offset=offset, limit=limit)
    return lots_feed(point, since=moment, offset=offset, limit=limit)
