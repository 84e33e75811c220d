"""The demo's money: funds of each organisation, money donations of every kind, a purchase of
medicine paid from a fund, some spending, exchange rates of the last days and in-kind values,
all posted through the money services (once: a refreshed demo keeps what it has)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from kamavor.catalogue.models import Item
from kamavor.money import services, values
from kamavor.money.models import Fund, Method
from kamavor.money.purchases import buy_with_fund
from kamavor.network.models import Organisation, Point
from kamavor.stock.models import Document
from kamavor.stock.services import IntakeLine

# (name, earmark, currency)
FUNDS = [("General fund", "", "AMD"), ("Medicine", "medicine", "AMD"), ("Winter", "winter", "USD")]
# Units of AMD per unit, roughly as in late 2023 (the demo asks no rate service).
RATES = {
    "USD": Decimal("402.5"),
    "EUR": Decimal("428.1"),
    "RUB": Decimal("4.35"),
    "GEL": Decimal("150.2"),
}
VALUES = {"medical": 1800, "food": 900, "hygiene": 600, "baby": 2500, "clothing": 5000}
DONORS = ["", "", "", "Anna M.", "Diaspora collection (Glendale)", "Armen K.", "Tumo students"]


def build_money(*, coordinators: dict[str, object], rng: random.Random) -> int:
    """Funds and some money for each organisation (by slug, with its coordinator) that has none
    yet; how many money records were posted."""
    posted = 0
    today = timezone.localdate()
    for slug, by in coordinators.items():
        organisation = Organisation.objects.get(slug=slug)
        if Fund.objects.filter(organisation=organisation).exists():
            continue
        funds = [
            services.create_fund(
                organisation=organisation, name=name, earmark=earmark, currency=code, by=by
            )
            for name, earmark, code in FUNDS
        ]
        point = Point.objects.filter(organisation=organisation, active=True).first()
        for _ in range(12):
            fund = rng.choice(funds)
            method = rng.choice([Method.CASH, Method.BANK, Method.CARD, Method.ONLINE])
            amount = (
                rng.choice([5000, 10000, 20000, 50000, 100000])
                if fund.currency_id == "AMD"
                else rng.choice([20, 50, 100])
            )
            services.post_money_donation(
                fund=fund,
                amount=str(amount),
                currency=fund.currency_id,
                method=method if point or method != Method.CASH else Method.BANK,
                point=point if method == Method.CASH else None,
                donor=rng.choice(DONORS),
                by=by,
            )
            posted += 1
        services.record_spending(fund=funds[0], amount="15000", purpose="Fuel for the van", by=by)
        posted += 1
        medicine = list(Item.objects.filter(category__code="medical", is_kit=False)[:2])
        if point is not None and medicine:
            lines = [
                IntakeLine(
                    item=item,
                    quantity=10,
                    expiry=today + dt.timedelta(days=365) if item.tracks_expiry else None,
                    size=(item.sizes or [""])[0] if item.tracks_size else "",
                    unit_cost=Decimal(1200),
                )
                for item in medicine
            ]
            # A gift for the purchase first, then the medicine bought with it.
            services.post_money_donation(
                fund=funds[1], amount="30000", currency="AMD", method=Method.BANK, by=by
            )
            record = buy_with_fund(
                fund=funds[1], point=point, lines=lines, supplier="Natali Pharm", by=by
            )
            # Dated by the demo's clock (which may be earlier today), like the demo's other
            # documents: the model's default captured the real clock.
            Document.objects.filter(pk=record.purchase_id).update(created_at=timezone.now())
            posted += 2
        for days_ago in range(7):
            for code, rate in RATES.items():
                values.set_rate(
                    organisation=organisation,
                    currency=code,
                    day=today - dt.timedelta(days=days_ago),
                    rate=rate + Decimal(rng.randint(-20, 20)) / 10,
                    by=by,
                )
        for code, value in VALUES.items():
            for item in Item.objects.filter(category__code=code, is_kit=False)[:15]:
                values.set_item_value(organisation=organisation, item=item, value=str(value), by=by)
    return posted
