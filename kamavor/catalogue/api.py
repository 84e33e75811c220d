"""API endpoints of the catalogue app: categories and items, shared by the whole network.

Any member with a token may read the catalogue: it holds no stock and no personal data.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import get_language
from ninja import Path, Query, Router, Schema

from kamavor.catalogue.models import Barcode, Category, Item, KitComponent, name_in
from kamavor.core import rows as rows_sql
from kamavor.core.numbers import PathId
from kamavor.core.paging import OFFSET, paged
from kamavor.network.api import ERRORS, NO_NUL, one_of

router = Router(tags=["catalogue"])

ITEM_LIMIT = 100
Unit = one_of(Item.Unit)


class _Named(Schema):
    """A catalogue entry's id, code and names (`name` in the request's language)."""

    id: int
    code: str
    name: str
    name_hy: str
    name_ru: str
    name_en: str


class CategoryOut(_Named):
    position: int


class ComponentOut(Schema):
    item: int
    quantity: int

    @staticmethod
    def resolve_item(component) -> int:
        return component.item_id


class ItemOut(_Named):
    category: int
    category_code: str
    unit: Unit
    tracks_expiry: bool
    tracks_size: bool
    sizes: list[str]
    season: str
    is_kit: bool
    active: bool
    barcodes: list[str]
    components: list[ComponentOut]

    @staticmethod
    def resolve_category(item: Item) -> int:
        return item.category_id

    @staticmethod
    def resolve_category_code(item: Item) -> str:
        return item.category.code

    @staticmethod
    def resolve_barcodes(item: Item) -> list[str]:
        codes = getattr(item, "barcode_codes", None)  # read along by _shown
        return codes if codes is not None else [barcode.code for barcode in item.barcodes.all()]

    @staticmethod
    def resolve_components(item: Item) -> list:
        # Only kits have components: other items ask for none (and _items prefetches none).
        return list(item.components.all()) if item.is_kit else []


def _items() -> QuerySet[Item]:
    return Item.objects.select_related("category")


def _shown(items: Iterable[Item]) -> list[Item]:
    """The items with their barcodes (one query, codes only: no model per barcode) and their
    kits' components (one query more, only when a kit is among them)."""
    items = list(items)
    codes: dict[int, list[str]] = {item.pk: [] for item in items}
    barcodes = Barcode.objects.filter(item__in=list(codes)).order_by("pk")
    for item_id, code in barcodes.values_list("item_id", "code"):
        codes[item_id].append(code)
    for item in items:
        item.barcode_codes = codes[item.pk]
    prefetch_related_objects([item for item in items if item.is_kit], "components")
    return items


@router.get("/categories", response={200: list[CategoryOut], **ERRORS})
def list_categories(request: HttpRequest) -> QuerySet[Category]:
    """The catalogue's categories, in their display order; names in the request's language."""
    return Category.objects.all()


# The columns of ItemOut, in its order, read as plain values for a page of items.
_ITEM_COLUMNS = (
    *("id", "code", "name_hy", "name_ru", "name_en", "category_id", "category__code", "unit"),
    *("tracks_expiry", "tracks_size", "sizes", "season", "is_kit", "active"),
)


def _item_rows(items: Iterable[tuple]) -> list[dict]:
    """ItemOut's rows for the items, built from plain values: a page of a hundred items
    resolved field by field through the schema cost three times the whole answer now.
    Barcodes in one query,
    kits' components in one more (only when a kit is among them); tests hold the rows to
    ItemOut's."""
    language = get_language()
    rows, kits = [], []
    for values in items:  # rows of _ITEM_COLUMNS
        row = dict(zip(_ITEM_COLUMNS, values, strict=True))
        names = {"hy": row["name_hy"], "ru": row["name_ru"], "en": row["name_en"]}
        row["name"] = name_in(names, language)
        row["category"] = row.pop("category_id")
        row["category_code"] = row.pop("category__code")
        row["barcodes"], row["components"] = [], []
        rows.append(row)
        if row["is_kit"]:
            kits.append(row["id"])
    by_id = {row["id"]: row for row in rows}
    # Hand-written (kamavor.core.rows): the ORM's compilation of an IN of a hundred ids cost
    # more than the statements.
    if by_id:
        for item_id, code in _select(
            f"SELECT item_id, code FROM {rows_sql.table(Barcode)} WHERE item_id IN "
            f"({rows_sql.marks(by_id)}) ORDER BY id",
            list(by_id),
        ):
            by_id[item_id]["barcodes"].append(code)
    if kits:
        for kit_id, item_id, quantity in _select(
            f"SELECT kit_id, item_id, quantity FROM {rows_sql.table(KitComponent)} "
            f"WHERE kit_id IN ({rows_sql.marks(kits)}) ORDER BY id",
            kits,
        ):
            by_id[kit_id]["components"].append({"item": item_id, "quantity": quantity})
    return [{field: row[field] for field in ItemOut.model_fields} for row in rows]


def _select(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@router.get("/items", response={200: list[ItemOut], **ERRORS})
def list_items(
    request: HttpRequest,
    q: str = Query(
        "", max_length=100, pattern=NO_NUL, description="Any name in any script, or a barcode."
    ),
    category: str = Query(
        "", max_length=60, pattern=NO_NUL, description="A category's code (see /categories)."
    ),
    limit: int = Query(20, ge=1, le=ITEM_LIMIT),
    offset: int = OFFSET,
    *,
    response: HttpResponse,
) -> JsonResponse:
    """Active items: found by a name typed in Armenian, Russian or English letters (in any
    script), or by a barcode; without `q`, all of them in catalogue order. Paged: `limit` and
    `offset`, the next page in the `Link` header."""
    items = _items().active()
    if q.strip():
        items = items.search(q)
    if category:
        items = items.filter(category__code=category)
    items = items.order_by("category__position", "name_en", "pk")
    page = paged(items.values_list(*_ITEM_COLUMNS), request, response, limit=limit, offset=offset)
    answer = JsonResponse(_item_rows(page), safe=False)
    if "Link" in response.headers:
        answer.headers["Link"] = response.headers["Link"]
    return answer


@router.get("/items/barcode/{code}", response={200: ItemOut, **ERRORS})
def get_item_by_barcode(
    request: HttpRequest, code: str = Path(..., max_length=64, pattern=NO_NUL)
) -> Item:
    """The item with this barcode (EAN/UPC), as a scanner at a desk would look it up."""
    item = _items().filter(barcodes__code=code.strip()).first()
    if item is None:
        raise Http404
    return _shown([item])[0]


@router.get("/items/{item_id}", response={200: ItemOut, **ERRORS})
def get_item(request: HttpRequest, item_id: PathId) -> Item:
    """One item, active or not (old documents still name retired items)."""
    item = _items().filter(pk=item_id).first()
    if item is None:
        raise Http404
    return _shown([item])[0]
