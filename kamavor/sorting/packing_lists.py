"""Packing lists: a truck's or a partner's spreadsheet of goods, checked row by row.

`check_packing_list` reads a CSV or XLSX file (with the shared reader, kamavor.lib.spreadsheets)
and matches each row to the catalogue in memory: an item's code, barcode, or name in any script
(exactly, then by its transliterated words when only one item has them). Every problem of every
row is reported in the user's language; the list may be posted only when it has none
(kamavor.sorting.services.post_packing_list), and then through the stock services.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.catalogue.models import Barcode, Item
from kamavor.lib import spreadsheets
from kamavor.lib.dates import parse_expiry
from kamavor.lib.spreadsheets import Column, SpreadsheetError
from kamavor.lib.translit import search_key
from kamavor.stock.models import Condition

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

COLUMNS = [
    Column("item", ("item", "name", "товар", "наименование", "ապրանք", "անվանում", "barcode")),
    Column("quantity", ("quantity", "qty", "количество", "кол-во", "քանակ")),
    Column(
        "expiry", ("expiry", "expiry date", "срок годности", "годен до", "պիտանելիություն"), False
    ),
    Column("size", ("size", "размер", "չափս"), False),
    Column("condition", ("condition", "состояние", "վիճակ"), False),
]
CONDITIONS = {
    "": Condition.NEW,
    "new": Condition.NEW,
    "новое": Condition.NEW,
    "новый": Condition.NEW,
    "նոր": Condition.NEW,
    "used": Condition.USED,
    "б/у": Condition.USED,
    "бу": Condition.USED,
    "օգտագործված": Condition.USED,
}


@dataclass
class PackingRow:
    """One row as understood: the matched item, the quantity, expiry, size and condition, and
    every error found in it."""

    number: int
    text: str
    item: Item | None = None
    quantity: int | None = None
    expiry: dt.date | None = None
    size: str = ""
    condition: str = Condition.NEW
    errors: list[str] = field(default_factory=list)


@dataclass
class PackingList:
    rows: list[PackingRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # about the whole file

    @property
    def valid(self) -> bool:
        return bool(self.rows) and not self.errors and not any(r.errors for r in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.errors) + sum(len(r.errors) for r in self.rows)

    def shown(self, limit: int = 200) -> list[PackingRow]:
        """The rows a dry run shows: those with errors when there are any, else the first ones
        (a truck's list of thousands of rows is summed by item above them)."""
        rows = [r for r in self.rows if r.errors] or self.rows
        return rows[:limit]

    def by_item(self) -> list[tuple[Item, int, int]]:
        """(item, rows, units) per matched item, in the order they first appear."""
        totals: dict[int, list] = {}
        for r in self.rows:
            if r.item is not None:
                entry = totals.setdefault(r.item.pk, [r.item, 0, 0])
                entry[1] += 1
                entry[2] += r.quantity or 0
        return [tuple(entry) for entry in totals.values()]

    @property
    def units(self) -> int:
        return sum(r.quantity or 0 for r in self.rows)

    def as_lines(self) -> list[dict]:
        """The rows, kept between the dry run and the posting (in the member's session)."""
        return [
            {
                "item": r.item.pk,
                "quantity": r.quantity,
                "expiry": r.expiry.isoformat() if r.expiry else None,
                "size": r.size,
                "condition": r.condition,
            }
            for r in self.rows
        ]


def file_error(error: SpreadsheetError) -> str:
    """What a file that cannot be read means, in the user's language."""
    columns = ", ".join(error.columns)
    messages = {
        spreadsheets.NOT_A_SPREADSHEET: _(
            "This file is not a spreadsheet. Save it as CSV or XLSX and upload it again."
        ),
        spreadsheets.EMPTY: _("The file is empty."),
        spreadsheets.TOO_LARGE: _("The file is too large (at most %(mb)d MB).")
        % {"mb": (error.limit or MAX_BYTES) // (1024 * 1024)},
        spreadsheets.TOO_MANY_ROWS: _("The file has too many rows (at most %(n)d).")
        % {"n": error.limit or MAX_ROWS},
        spreadsheets.MISSING_COLUMNS: _(
            "The file needs the columns %(columns)s (item, quantity; expiry, size and "
            "condition are optional)."
        )
        % {"columns": columns},
        spreadsheets.UNKNOWN_COLUMNS: _(
            "Unknown columns: %(columns)s. Use item, quantity, expiry, size and condition."
        )
        % {"columns": columns},
        spreadsheets.DUPLICATE_COLUMNS: _("Columns appear twice: %(columns)s.")
        % {"columns": columns},
        spreadsheets.EXTRA_CELLS: _("Row %(row)d has values beyond the last column.")
        % {"row": error.row or 0},
    }
    return messages.get(error.code, messages[spreadsheets.NOT_A_SPREADSHEET])


class Catalogue:
    """The active items, looked up in memory by code, barcode and name in any script."""

    def __init__(self) -> None:
        self.items = list(Item.objects.active().filter(is_kit=False))
        self.by_key: dict[str, set[Item]] = defaultdict(set)
        self.seen: dict[str, tuple[Item | None, list[Item]]] = {}
        by_pk = {item.pk: item for item in self.items}
        # Exactly as written first (codes, barcodes and names, whatever the case): a phonetic
        # key may fold two items together (AA and AAA batteries).
        self.exact: dict[str, set[Item]] = defaultdict(set)
        for item in self.items:
            for name in (item.code, item.name_hy, item.name_ru, item.name_en):
                if name:
                    self.exact[name.casefold()].add(item)
                    self.by_key[search_key(name)].add(item)
        for code, item_id in Barcode.objects.filter(item_id__in=by_pk).values_list(
            "code", "item_id"
        ):
            self.exact[code].add(by_pk[item_id])

    def match(self, text: str) -> tuple[Item | None, list[Item]]:
        """The one item the text means, else None and the candidates (several, or none); a
        long list repeats its names, so each text is looked up once."""
        text = text.strip()
        if text not in self.seen:
            self.seen[text] = self._match(text)
        return self.seen[text]

    def _match(self, text: str) -> tuple[Item | None, list[Item]]:
        exact = self.exact.get(text.casefold()) or self.by_key.get(search_key(text))
        if exact and len(exact) == 1:
            return next(iter(exact)), []
        if exact:
            return None, sorted(exact, key=lambda i: i.pk)
        words = search_key(text).split()
        if not words:
            return None, []
        found = [i for i in self.items if all(w in i.search_text for w in words)]
        if len(found) == 1:
            return found[0], []
        return None, found[:5]


def check_packing_list(data: bytes, *, filename: str = "") -> PackingList:
    """Read and check a packing list: nothing is written."""
    result = PackingList()
    try:
        table = spreadsheets.read_table(
            data, columns=COLUMNS, filename=filename, max_bytes=MAX_BYTES, max_rows=MAX_ROWS
        )
    except SpreadsheetError as error:
        result.errors.append(file_error(error))
        return result
    if not table.rows:
        result.errors.append(_("The file has a header but no rows."))
        return result
    catalogue = Catalogue()
    today = timezone.localdate()
    for row in table.rows:
        result.rows.append(_check_row(row, catalogue, today))
    return result


def _check_row(row, catalogue: Catalogue, today: dt.date) -> PackingRow:
    checked = PackingRow(number=row.number, text=row["item"][:200])
    errors = checked.errors
    if not row["item"]:
        errors.append(_("The item is missing."))
    else:
        item, candidates = catalogue.match(row["item"])
        if item is not None:
            checked.item = item
        elif candidates:
            names = ", ".join(i.name for i in candidates)
            errors.append(
                _(
                    "“%(text)s” could mean several items: %(names)s. "
                    "Write the full name or the code."
                )
                % {"text": checked.text, "names": names}
            )
        else:
            errors.append(
                _("No item in the catalogue matches “%(text)s”.") % {"text": checked.text}
            )
    quantity = row["quantity"].replace(" ", "").replace("\u00a0", "")
    if quantity.endswith(".0"):
        quantity = quantity[:-2]
    if not quantity.isdigit() or not 0 < int(quantity) <= settings.KAMAVOR_MAX_LINE_QUANTITY:
        errors.append(
            _("The quantity must be a whole number from 1 to %(max)d.")
            % {"max": settings.KAMAVOR_MAX_LINE_QUANTITY}
        )
    else:
        checked.quantity = int(quantity)
    checked.condition = CONDITIONS.get(row.get("condition").casefold(), "")
    if not checked.condition:
        errors.append(_("The condition must be new or used."))
    item = checked.item
    if item is None:
        return checked
    _check_expiry(checked, row.get("expiry"), item, today)
    _check_size(checked, row.get("size"), item)
    return checked


def _check_expiry(checked: PackingRow, text: str, item: Item, today: dt.date) -> None:
    if not item.tracks_expiry:
        return
    if not text:
        checked.errors.append(_("%(item)s needs an expiry date.") % {"item": item.name})
        return
    expiry = dt.date.fromisoformat(text) if _iso(text) else parse_expiry(text)
    if expiry is None:
        checked.errors.append(
            _("“%(text)s” is not a date: write it as on the label, e.g. 31.05.2027.")
            % {"text": text[:40]}
        )
    elif expiry < today:
        checked.errors.append(
            _("%(item)s expired on %(date)s: do not take it into stock.")
            % {"item": item.name, "date": expiry.strftime("%d.%m.%Y")}
        )
    else:
        checked.expiry = expiry


def _iso(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _check_size(checked: PackingRow, size: str, item: Item) -> None:
    if not item.tracks_size:
        return
    if not size:
        checked.errors.append(_("%(item)s needs a size.") % {"item": item.name})
    elif item.sizes and size not in item.sizes:
        checked.errors.append(
            _("%(size)s is not a size of %(item)s (sizes: %(sizes)s).")
            % {"size": size, "item": item.name, "sizes": ", ".join(item.sizes)}
        )
    else:
        checked.size = size


def pick_lots(point, rows: list[tuple[int, Item, str, int]]) -> tuple[list, dict[int, str]]:
    """Loose, unexpired lots at the point for rows of (row number, item, size, quantity), the
    soonest expiry first: the lot lines to send, and per row number what is short."""
    from kamavor.stock.models import Lot
    from kamavor.stock.services import LotLine

    today = timezone.localdate()
    lots = (
        Lot.objects.loose()
        .at(point)
        .in_stock()
        .filter(item_id__in={item.pk for _n, item, _s, _q in rows})
        .exclude(expiry__lt=today)
        .select_related("balance", "item")
        .fefo()
    )
    left: dict[tuple[int, str], list] = defaultdict(list)
    for lot in lots:
        left[(lot.item_id, lot.size)].append([lot, lot.balance.quantity])
    picked, short = [], {}
    for number, item, size, quantity in rows:
        wanted = quantity
        for entry in left[(item.pk, size)]:
            take = min(wanted, entry[1])
            if take:
                picked.append(LotLine(entry[0], take))
                entry[1] -= take
                wanted -= take
            if not wanted:
                break
        if wanted:
            short[number] = _("Only %(n)d of %(item)s on hand here.") % {
                "n": quantity - wanted,
                "item": f"{item.name} {size}".strip(),
            }
    return picked, short


def check_for_transfer(packing_list: PackingList, point) -> None:
    """Add to each row what the point cannot send (rows are taken in order)."""
    rows = [(r.number, r.item, r.size, r.quantity) for r in packing_list.rows if not r.errors]
    _picked, short = pick_lots(point, rows)
    for row in packing_list.rows:
        if row.number in short:
            row.errors.append(short[row.number])
