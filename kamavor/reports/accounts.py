"""Public accounts: what came in and went out of an organisation, by category and week.

Aggregated only (units per category per week, from the ledger's daily flows); nothing about any
household, donor or volunteer. Shown only for an organisation that chose to publish it.

"What was bought with donated money" comes from the money app's public funds (per fund and
category, in each fund's currency); an organisation without public funds shows the goods that
entered stock as purchases, which is what the ledger knows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from kamavor.catalogue.models import Category
from kamavor.network.models import Organisation, Point
from kamavor.reports.dashboard import INTAKE, OUTFLOW

WEEKS = 8


def weekly_accounts(organisation: Organisation, *, today: dt.date, weeks: int = WEEKS) -> dict:
    """Units in and out per category for each of the last `weeks` weeks (Monday to Sunday,
    this week included), and the units bought (purchases) per category."""
    from kamavor.stock.models import DailyFlow

    monday = today - dt.timedelta(days=today.weekday())
    starts = [monday - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    points = Point.objects.filter(organisation=organisation).values("pk")
    flows = (
        DailyFlow.objects.filter(point_id__in=points, day__gte=starts[0], kind__in=INTAKE + OUTFLOW)
        .values_list("day", "item__category_id", "kind")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    cells: dict[int, dict[dt.date, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    bought: dict[int, int] = defaultdict(int)
    for day, category_id, kind, units in flows:
        week = day - dt.timedelta(days=day.weekday())
        if kind in INTAKE:
            cells[category_id][week][0] += units
            if kind == "purchase":
                bought[category_id] += units
        else:
            cells[category_id][week][1] -= units
    categories = list(Category.objects.filter(pk__in=cells).order_by("position", "pk"))
    rows = [
        {"category": c.name, "weeks": [tuple(cells[c.pk][week]) for week in starts],
         "total_in": sum(cells[c.pk][w][0] for w in starts),
         "total_out": sum(cells[c.pk][w][1] for w in starts)}
        for c in categories
    ]  # fmt: skip
    totals = [
        (sum(r["weeks"][n][0] for r in rows), sum(r["weeks"][n][1] for r in rows))
        for n in range(len(starts))
    ]
    purchases = [(c.name, bought[c.pk]) for c in categories if bought[c.pk]]
    return {"weeks": starts, "rows": rows, "totals": totals, "purchases": purchases}


@require_safe
def public_accounts(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    """The public page, in the URL's language, of an organisation that publishes it (else 404)."""
    from django.conf import settings

    from kamavor.public.cache import cache_page
    from kamavor.public.http import public_page

    organisation = get_object_or_404(Organisation, slug=slug)
    if not getattr(getattr(organisation, "public_accounts", None), "published", False):
        raise Http404
    today = timezone.localdate()
    figures = weekly_accounts(organisation, today=today)
    page = public_page(
        request,
        "reports/public_accounts.html",
        {
            "network_name": getattr(settings, "KAMAVOR_NETWORK_NAME", "Kamavor"),
            "organisation": organisation,
            "figures": figures,
            "today": today,
            "money_purchases": _bought_with_funds(organisation),
            "funds_url": reverse("public:accounts", args=[lang, organisation.slug]),
        },
        lang=lang,
    )
    return cache_page(page)


def _bought_with_funds(organisation: Organisation) -> list[str] | None:
    """Lines "fund · category: amount" of the organisation's public funds, None without any."""
    from kamavor.money.reads import organisation_accounts

    accounts = organisation_accounts(organisation.pk, public_only=True)
    if not accounts.funds:
        return None
    return [
        f"{fund.name} · {bought.category}: {bought.amount}"
        for fund in accounts.funds
        for bought in fund.bought
    ]
