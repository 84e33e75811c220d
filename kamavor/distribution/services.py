"""Handing goods to households: the ledger side of the distribution desk.

A distribution is a stock document of kind `distribution` that names the household served;
its movements take the units out of the point's lots, in one transaction, once per
idempotency key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.catalogue.models import Item
from kamavor.core.errors import InvalidInput
from kamavor.distribution import adapters
from kamavor.households.models import Household
from kamavor.network.access import Action
from kamavor.network.models import Point
from kamavor.stock.ledger import Posting, idempotent
from kamavor.stock.models import Document, DocumentLine, Movement
from kamavor.stock.services._common import (
    LotLine,
    _check_lines_present,
    _check_lot_line,
    _clean_text,
    _line_error,
    _new_document,
    _require,
)

__all__ = ["RepeatWarning", "household_family", "record_distribution", "repeat_warnings"]


# ---------------------------------------------------------------- households


def household_family(household: Household) -> set[int]:
    """The household and every household merged into it (at any depth): one history."""
    family = {household.pk}
    frontier = {household.pk}
    while frontier:
        frontier = (
            set(Household.objects.filter(merged_into__in=frontier).values_list("pk", flat=True))
            - family
        )
        family |= frontier
    return family


def _final(household: Household) -> Household:
    """The household a merged one lives on as (merges may chain)."""
    seen = {household.pk}
    while household.merged_into_id and household.merged_into_id not in seen:
        seen.add(household.merged_into_id)
        household = Household.objects.get(pk=household.merged_into_id)
    return household


def check_servable(household: Household, *, point: Point) -> None:
    """Refuse a household that cannot be served here: merged, closed, or of another organisation."""
    if household.status == Household.Status.MERGED:
        survivor = _final(household)
        raise InvalidInput(
            _(
                "Household %(code)s was merged into household %(into)s. Serve %(into)s: "
                "its card is the one to use."
            )
            % {"code": household.display_code, "into": survivor.display_code},
            code="household_merged",
            field="household",
        )
    if household.status != Household.Status.ACTIVE:
        raise InvalidInput(
            _("Household %(code)s is closed: it cannot be served.")
            % {"code": household.display_code},
            code="household_inactive",
            field="household",
        )
    if household.organisation_id != point.organisation_id:
        # Least data: a desk serves the households its own organisation registered.
        raise InvalidInput(
            _("Household %(code)s is not registered with %(organisation)s.")
            % {"code": household.display_code, "organisation": point.organisation.name},
            code="household_elsewhere",
            field="household",
        )


# ---------------------------------------------------------------- posting


def record_distribution(
    *,
    point: Point,
    household: Household,
    lines: Sequence[LotLine],
    by,
    note: str = "",
    idempotency_key: str | None,
) -> Document:
    """Hand goods from this point's lots to a household: one document, its movements out of
    stock, and the household's last activity, in one transaction, once per key."""
    _require(by, point, Action.DISTRIBUTE)
    if not isinstance(household, Household):
        raise InvalidInput(_("Choose a household."), field="household")
    note = _clean_text(note, limit=2000, label=_("Note"))
    _check_lines_present(lines)
    today = timezone.localdate()
    for n, line in enumerate(lines, 1):
        _check_lot_line(line, point=point, number=n)
        if line.lot.expiry is not None and line.lot.expiry < today:
            raise _line_error(
                n,
                _("%(lot)s expired on %(date)s: do not hand it out; dispose of it.")
                % {"lot": line.lot, "date": line.lot.expiry.isoformat()},
                "lot",
            )
    request = {
        "kind": "distribution",
        "point": point.pk,
        "household": household.pk,
        "note": note,
        "lines": [(x.lot.pk, x.quantity) for x in lines],
    }

    def work() -> Document:
        # Read the household again under a lock: a merge or closure a moment ago wins.
        current = Household.objects.select_for_update().get(pk=household.pk)
        check_servable(current, point=point)
        document = _new_document(
            kind=Document.Kind.DISTRIBUTION, point=point, by=by, household=current, note=note
        )
        posting = Posting(document=document, by=by)
        for x in lines:
            line = DocumentLine.objects.create(
                document=document,
                item_id=x.lot.item_id,
                lot=x.lot,
                quantity=x.quantity,
                expiry=x.lot.expiry,
                size=x.lot.size,
                condition=x.lot.condition,
            )
            posting.move(lot=x.lot, delta=-x.quantity, kind=Movement.Kind.DISTRIBUTION, line=line)
        posting.save()
        adapters.record_activity(household, posting.at)
        return document

    return idempotent(by=by, key=idempotency_key, request=request, work=work)


# ---------------------------------------------------------------- reads


@dataclass(frozen=True)
class RepeatWarning:
    """An item the household already received within the period: how much, and when last."""

    item_id: int
    quantity: int
    last_at: dt.datetime
    within_days: int


def repeat_warnings(
    household: Household,
    items: Iterable[Item | int],
    within_days: int | Mapping[int, int],
    *,
    now: dt.datetime | None = None,
) -> dict[int, RepeatWarning]:
    """Which of these items the household (or a household merged into it) already received
    within the period, by item id. `within_days` is one period, or a period per item id."""
    item_ids = {item if isinstance(item, int) else item.pk for item in items}
    if not item_ids:
        return {}

    def days(item_id: int) -> int:
        if isinstance(within_days, Mapping):
            return int(within_days.get(item_id, 0))
        return int(within_days)

    now = now or timezone.now()
    longest = max(days(i) for i in item_ids)
    if longest <= 0:
        return {}
    rows = (
        Movement.objects.filter(
            kind=Movement.Kind.DISTRIBUTION,
            document__household_id__in=household_family(household),
            document__status=Document.Status.POSTED,
            item_id__in=item_ids,
            at__gte=now - dt.timedelta(days=longest),
        )
        .values_list("item_id", "quantity", "at")
        .order_by()
    )
    found: dict[int, RepeatWarning] = {}
    for item_id, quantity, at in rows:
        period = days(item_id)
        if period <= 0 or at < now - dt.timedelta(days=period):
            continue
        earlier = found.get(item_id)
        found[item_id] = RepeatWarning(
            item_id=item_id,
            quantity=(earlier.quantity if earlier else 0) - quantity,
            last_at=max(at, earlier.last_at) if earlier else at,
            within_days=period,
        )
    return found


def last_visits(household: Household, *, limit: int = 5) -> list[Document]:
    """The household's latest distributions (merged households included), newest first."""
    return list(
        Document.objects.filter(
            kind=Document.Kind.DISTRIBUTION, household_id__in=household_family(household)
        )
        .select_related("point", "household")
        .prefetch_related("lines__item")
        .order_by("-created_at", "-pk")[:limit]
    )
