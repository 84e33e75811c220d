"""The distribution desk: a household's code, what it is due, what is here, hand it out.

A practised volunteer serves a visit in a few keys: the code (typed or scanned) and Enter open
the household with its lines pre-filled from what it is due and this point has; Ctrl+Enter
posts them. The lines live in the session until then, with the idempotency key they will be
posted with.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property, partial

from django.contrib import messages
from django.db.models import Prefetch, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kamavor.allocation.services import planned_for
from kamavor.catalogue.models import Item
from kamavor.core.errors import KamavorError
from kamavor.distribution import adapters, fulfilment, services
from kamavor.distribution.forms import CodeForm, VisitForm, VisitLineForm
from kamavor.distribution.models import Fulfilment
from kamavor.households.models import AGE_BANDS, SEXES, VULNERABILITIES, Household
from kamavor.lib import household_codes
from kamavor.lib.sizes import sort_sizes
from kamavor.needs.models import Standard
from kamavor.needs.services import History, history_of
from kamavor.network.access import Action, may
from kamavor.network.decorators import point_view
from kamavor.stock.access import get_document_for
from kamavor.stock.models import Balance, Document, IdempotencyRecord, Lot
from kamavor.stock.services import LotLine, suggest_picks
from kamavor.stock.views._find import chosen_item, find_and_choose

RECENT = 10
LOTS_SHOWN = 24
LOTS_PER_ITEM = 3
REPEAT_DAYS = services.REPEAT_DAYS


# ---------------------------------------------------------------- the visit's lines


@dataclass
class VisitCart:
    """The lines of one visit at one point, kept in the session with their idempotency key."""

    session: object
    name: str

    @classmethod
    def at(cls, request: HttpRequest, point) -> VisitCart:
        return cls(session=request.session, name=f"cart:distribution:{point.pk}")

    @property
    def data(self) -> dict:
        return self.session.get(self.name) or {}

    def is_for(self, household: Household) -> bool:
        return self.data.get("household") == household.pk

    def start(self, household: Household, lines: list[dict]) -> None:
        self.session[self.name] = {
            "household": household.pk,
            "key": uuid.uuid4().hex,
            "lines": lines,
        }

    @property
    def key(self) -> str:
        return self.data.get("key", "")

    @property
    def lines(self) -> list[dict]:
        return self.data.get("lines", [])

    def set_lines(self, lines: list[dict]) -> None:
        self.session[self.name] = {**self.data, "lines": lines}

    def clear(self) -> None:
        self.session.pop(self.name, None)


def _available(point, item_ids) -> dict[tuple[int, str], int]:
    """Units on hand here that have not expired, per (item, size)."""
    rows = (
        Balance.objects.filter(point=point, item_id__in=item_ids, quantity__gt=0)
        .exclude(lot__expiry__lt=timezone.localdate())
        .values_list("item_id", "lot__size")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    return {(item_id, size): units for item_id, size, units in rows}


@dataclass(frozen=True)
class LotHere:
    """A lot on the shelf here, as the visit page lists it."""

    item: Item
    size: str
    expiry: dt.date | None
    quantity: int

    @property
    def item_id(self) -> int:
        return self.item.pk


@dataclass(frozen=True)
class Reading:
    """What a visit page shows of the household and this point, read once per request: the
    household's history (for dues and repeat warnings alike), its dues, and what is on hand
    here of the items due or on the visit."""

    history: History
    dues: list[adapters.Due]
    lots: list[LotHere]  # here, of the items due or on the visit, first expiry first out
    items: dict[int, Item]
    standards: list[Standard]  # the active ones (their periods are the repeat periods)

    @cached_property
    def available(self) -> dict[tuple[int, str], int]:
        """Units on hand here that have not expired, per (item, size)."""
        units: dict[tuple[int, str], int] = defaultdict(int)
        for lot in self.lots:
            units[(lot.item_id, lot.size)] += lot.quantity
        return dict(units)

    def on_hand(self, item_id: int) -> int:
        return sum(n for (i, _s), n in self.available.items() if i == item_id)

    def sizes(self, item_id: int) -> list[str]:
        return sort_sizes(s for (i, s), _n in self.available.items() if i == item_id and s)


def _read(point, household: Household, cart: VisitCart) -> Reading:
    today = timezone.localdate()
    standards = list(Standard.objects.active().with_item())
    days = max([REPEAT_DAYS, *(standard.period_days for standard in standards)])
    history = history_of(household, timezone.now() - dt.timedelta(days=days))
    dues = adapters.dues_for(household, today, standards=standards, history=history)
    items = {due.item.pk: due.item for due in dues}
    in_cart = [x["item"] for x in cart.lines] if cart.is_for(household) else []
    missing = [pk for pk in in_cart if pk not in items]
    if missing:
        items |= Item.objects.select_related("category").in_bulk(missing)
    return Reading(history, dues, _lots(point, items), items, standards)


def _prefill(reading: Reading) -> list[dict]:
    """A line for each item due that this point has: as many as are due, or as it has."""
    lines = []
    for due in reading.dues:
        have = reading.on_hand(due.item.pk)
        if not have:
            continue
        # The size is the volunteer's to choose.
        quantity = due.quantity if due.item.tracks_size else min(due.quantity, have)
        lines.append({"item": due.item.pk, "size": "", "quantity": quantity, "due": due.quantity})
    return lines


def _with_items(lines: list[dict], known: dict[int, Item] | None = None) -> list[dict]:
    known = known or {}
    missing = [x["item"] for x in lines if x["item"] not in known]
    items = {**known, **Item.objects.select_related("category").in_bulk(missing)}
    return [{**line, "item": items[line["item"]]} for line in lines if line["item"] in items]


def _sizes(point, lines: list[dict]) -> dict[int, list[str]]:
    sized = [x["item"].pk for x in lines if x["item"].tracks_size]
    sizes: dict[int, list[str]] = defaultdict(list)
    for (item_id, size), _units in _available(point, sized).items():
        if size:
            sizes[item_id].append(size)
    return {item_id: sort_sizes(found) for item_id, found in sizes.items()}


def _line_form(point, cart: VisitCart, item: Item, data=None) -> VisitLineForm:
    """The form for one more item: at most what is here and not already on the visit."""
    in_cart: dict[str, int] = defaultdict(int)
    for line in cart.lines:
        if line["item"] == item.pk:
            in_cart[line["size"]] += line["quantity"]
    available = {size: n for (_i, size), n in _available(point, [item.pk]).items()}
    if not item.tracks_size:
        available = {"": sum(available.values())}
    return VisitLineForm(data, item=item, available=available, in_cart=in_cart)


# ---------------------------------------------------------------- the household


def _household(request: HttpRequest, point, code: str) -> Household:
    household = adapters.find_household(request.user, code)
    if household is None:
        raise Http404
    return household


COMPOSITION = [
    (f"{sex}_{band}", sex_label, band_label)
    for sex, sex_label in SEXES
    for band, band_label, *_rest in AGE_BANDS
]


def _brief(household: Household) -> dict:
    """Composition and flags, never a personal field."""
    people = [
        {"sex": sex, "band": band, "count": getattr(household, name)}
        for name, sex, band in COMPOSITION
        if getattr(household, name)
    ]
    flags = [label for name, label in VULNERABILITIES if getattr(household, name)]
    return {"people": people, "size": household.size, "flags": flags}


def _first_out(lots: list[LotHere], item_ids: set[int]) -> list[LotHere]:
    """The lots that go out first: a few of each item, first expiry first out."""
    shown: dict[int, int] = defaultdict(int)
    first = []
    for lot in lots:
        if lot.item_id in item_ids and shown[lot.item_id] < LOTS_PER_ITEM:
            shown[lot.item_id] += 1
            first.append(lot)
    return first[:LOTS_SHOWN]


def _lots(point, items: dict[int, Item]) -> list[LotHere]:
    """This point's lots of these items that may be handed out, first expiry first out (read
    as values: a point may hold many lots of an item)."""
    rows = (
        Lot.objects.at(point)
        .in_stock()
        .exclude(expiry__lt=timezone.localdate())
        .filter(item_id__in=list(items))
        .fefo()
        .values_list("item_id", "size", "expiry", "balance__quantity")
    )
    return [LotHere(items[item_id], size, expiry, units) for item_id, size, expiry, units in rows]


def _render_visit(
    request: HttpRequest,
    point,
    household: Household,
    cart: VisitCart,
    reading: Reading | None = None,
    **context,
) -> HttpResponse:
    reading = reading or _read(point, household, cart)
    dues = reading.dues
    lines = _with_items(cart.lines, reading.items)
    item_ids = {x["item"].pk for x in lines} | {due.item.pk for due in dues}
    periods = services.repeat_periods(item_ids, standards=reading.standards)
    warnings = services.repeat_warnings(household, item_ids, periods, history=reading.history)
    names = {x["item"].pk: x["item"].name for x in lines} | {d.item.pk: d.item.name for d in dues}
    requests = fulfilment.open_requests(reading.history.household_ids)
    handed = [
        fulfilment.Handed(index, x["item"], x["size"], x["quantity"])
        for index, x in enumerate(lines)
    ]
    meets = defaultdict(list)
    for m in fulfilment.match(requests, handed):
        meets[m.key].append(m)
    for index, line in enumerate(lines):
        line["warning"] = warnings.get(line["item"].pk)
        line["fulfils"] = meets[index]
    if any(line["warning"] for line in lines):
        context.setdefault("needs_reason", True)
    browsing = any(k in context for k in ("item", "matches", "query"))
    if "visit_form" not in context:
        context["visit_form"] = VisitForm(
            lines=lines,
            sizes={x["item"].pk: reading.sizes(x["item"].pk) for x in lines},
            focus=not browsing,
            initial={"key": cart.key},
        )
    if context.get("needs_reason"):
        # A repeat is handed out only for a reason (the service refuses it without one).
        context["visit_form"].fields["note"].label = _("Reason to hand it out again")
    return render(
        request,
        "distribution/visit.html",
        {
            "point": point,
            "tab": "distribution",
            "household": household,
            "brief": _brief(household),
            "dues": [(due, reading.on_hand(due.item.pk)) for due in dues],
            "requests": requests[:10],
            "visits": services.last_visits(household, household_ids=reading.history.household_ids),
            "lots": _first_out(reading.lots, item_ids),
            "planned": planned_for(household),
            "warnings": [(names.get(i, ""), w) for i, w in warnings.items()],
            "lines": lines,
            "desk_url": reverse("distribution:visit", args=[point.pk, household.code]),
            "add_url": reverse("distribution:add", args=[point.pk, household.code]),
            "code_form": CodeForm(),
            **context,
        },
    )


def _servable_or_back(request: HttpRequest, point, household: Household) -> HttpResponse | None:
    try:
        services.check_servable(household, point=point)
    except KamavorError as error:
        messages.error(request, error.message)
        return redirect("distribution:desk", point_id=point.pk)
    return None


# ---------------------------------------------------------------- pages


@point_view(Action.DISTRIBUTE)
def desk(request: HttpRequest, point) -> HttpResponse:
    """Type or scan a household code; Enter opens the visit, in the same round trip (a desk
    on a weak connection waits for one page, not a redirect and then the page)."""
    form = CodeForm(request.GET or None)
    if form.is_bound and form.is_valid():
        code = form.cleaned_data["code"]
        household = adapters.find_household(request.user, code)
        if household is not None:
            return _open(request, point, household)
        form.add_error(
            "code",
            _("No household with code %(code)s is registered here. Check the card.")
            % {"code": household_codes.display(code)},
        )
    recent = (
        Document.objects.filter(point=point, kind=Document.Kind.DISTRIBUTION)
        .select_related("household", "created_by")
        .prefetch_related("lines__item")
        .order_by("-created_at", "-pk")[:RECENT]
    )
    return render(
        request,
        "distribution/desk.html",
        {
            "point": point,
            "tab": "distribution",
            "code_form": form,
            "recent": list(recent),
            "may_deliver": may(request.user, point.organisation_id, Action.SEND_TRANSFER),
        },
    )


@point_view(Action.DISTRIBUTE)
def visit(request: HttpRequest, point, code: str) -> HttpResponse:
    """The household, what it is due, what is here, and the lines to hand out."""
    return _open(request, point, _household(request, point, code))


def _open(request: HttpRequest, point, household: Household) -> HttpResponse:
    if (back := _servable_or_back(request, point, household)) is not None:
        return back
    cart = VisitCart.at(request, point)
    reading = _read(point, household, cart)
    if not cart.is_for(household):
        cart.start(household, _prefill(reading))
    return find_and_choose(
        request,
        partial(_render_visit, request, point, household, cart, reading),
        partial(_line_form, point, cart),
    )


@require_POST
@point_view(Action.DISTRIBUTE)
def add(request: HttpRequest, point, code: str) -> HttpResponse:
    """Add an item found with the find box to the visit."""
    household = _household(request, point, code)
    cart = VisitCart.at(request, point)
    if not cart.is_for(household):
        return redirect("distribution:visit", point_id=point.pk, code=household.code)
    item = chosen_item(request)
    if item is None:
        messages.error(request, _("Choose an item first."))
        return redirect("distribution:visit", point_id=point.pk, code=household.code)
    form = _line_form(point, cart, item, data=request.POST)
    if not form.is_valid():
        return _render_visit(request, point, household, cart, item=item, line_form=form)
    cart.set_lines([*cart.lines, {**form.line, "due": None}])
    return redirect("distribution:visit", point_id=point.pk, code=household.code)


@require_POST
@point_view(Action.DISTRIBUTE)
def remove(request: HttpRequest, point, code: str, index: int) -> HttpResponse:
    household = _household(request, point, code)
    cart = VisitCart.at(request, point)
    if cart.is_for(household) and 0 <= index < len(cart.lines):
        cart.set_lines([x for i, x in enumerate(cart.lines) if i != index])
    return redirect("distribution:visit", point_id=point.pk, code=household.code)


@require_POST
@point_view(Action.DISTRIBUTE)
def post(request: HttpRequest, point, code: str) -> HttpResponse:
    """Hand out the lines as edited: lots first expiry first out, one document, once."""
    household = _household(request, point, code)
    cart = VisitCart.at(request, point)
    posted_key = request.POST.get("key", "")
    if posted_key and posted_key != cart.key:
        earlier = _posted_with(request.user, posted_key)
        if earlier is not None:  # a second Ctrl+Enter, or a retry after a weak connection
            return redirect("distribution:receipt", point_id=point.pk, document_id=earlier.pk)
    if not cart.is_for(household):
        messages.error(request, _("This visit was closed in another tab: open it again."))
        return redirect("distribution:visit", point_id=point.pk, code=household.code)
    lines = _with_items(cart.lines)
    form = VisitForm(request.POST, lines=lines, sizes=_sizes(point, lines))
    if not form.is_valid():
        return _render_visit(request, point, household, cart, visit_form=form)
    chosen = [x for x in form.chosen() if x["quantity"] > 0]
    cart.set_lines(chosen)
    if not chosen:
        messages.error(request, _("Nothing to hand out: every quantity is zero."))
        return redirect("distribution:visit", point_id=point.pk, code=household.code)
    picks, shortages = _picks(point, _with_items(chosen))
    if shortages:
        messages.error(request, _("Not enough stock here: nothing was handed out."))
        for shortage in shortages:
            messages.error(request, shortage)
        return redirect("distribution:visit", point_id=point.pk, code=household.code)
    try:
        document = services.record_distribution(
            point=point,
            household=household,
            lines=picks,
            by=request.user,
            note=form.cleaned_data["note"],
            idempotency_key=cart.key,
        )
    except KamavorError as error:
        messages.error(request, error.message)
        return redirect("distribution:visit", point_id=point.pk, code=household.code)
    cart.clear()
    units = sum(x.quantity for x in picks)
    messages.success(
        request,
        _("%(number)s: %(units)d units handed to household %(code)s.")
        % {"number": document.number, "units": units, "code": household.display_code},
    )
    return redirect("distribution:receipt", point_id=point.pk, document_id=document.pk)


def _posted_with(user, key: str) -> Document | None:
    record = (
        IdempotencyRecord.objects.filter(user=user, key=key, document__kind="distribution")
        .select_related("document")
        .first()
    )
    return record.document if record else None


def _picks(point, lines: list[dict]) -> tuple[list[LotLine], list[str]]:
    """Lots to take each line from, first expiry first out, and what is short."""
    picks, shortages = [], []
    for line in lines:
        item = line["item"]
        size = line["size"] if item.tracks_size else None
        found = suggest_picks(point=point, item=item, quantity=line["quantity"], size=size)
        have = sum(take for _lot, take in found)
        if have < line["quantity"]:
            shortages.append(
                _("%(item)s%(size)s: %(want)d to hand out, %(have)d on hand that have not expired.")
                % {
                    "item": item.name,
                    "size": f" ({size})" if size else "",
                    "want": line["quantity"],
                    "have": have,
                }
            )
        picks.extend(LotLine(lot, take) for lot, take in found)
    return picks, shortages


@point_view(Action.DISTRIBUTE)
def receipt(request: HttpRequest, point, document_id: int) -> HttpResponse:
    """What was handed out, to print or show; and the code box for the next household."""
    document = get_document_for(request.user, document_id)
    if document.kind != Document.Kind.DISTRIBUTION or document.point_id != point.pk:
        raise Http404
    lines = document.lines.select_related("item", "lot").prefetch_related(
        Prefetch("fulfilments", queryset=Fulfilment.objects.select_related("request_line__request"))
    )
    return render(
        request,
        "distribution/receipt.html",
        {
            "point": point,
            "tab": "distribution",
            "document": document,
            "household": document.household,
            "lines": list(lines.order_by("pk")),
            "code_form": CodeForm(),
        },
    )


@require_POST
@point_view(Action.DISTRIBUTE)
def cancel(request: HttpRequest, point, code: str) -> HttpResponse:
    """Close the visit without handing anything out."""
    VisitCart.at(request, point).clear()
    return redirect("distribution:desk", point_id=point.pk)
