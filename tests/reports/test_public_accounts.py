"""Public accounts: optional per organisation, aggregated, in three languages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kamavor.reports.models import PublicAccounts
from kamavor.stock import services
from kamavor.stock.services import IntakeLine
from tests.factories import desk, donate


def _url(w, lang: str = "en") -> str:
    return reverse("public_reports:accounts", args=[lang, w.org.slug])


def _publish(client, w, published: bool):
    url = reverse("reports:publish_accounts", args=[w.org.pk])
    return client.post(url, {"published": "1" if published else "0"})


def test_it_is_hidden_until_the_organisation_publishes_it(w):
    assert desk().get(_url(w)).status_code == 404
    client = desk(w.coordinator)
    assert _publish(client, w, True).status_code == 302
    assert desk().get(_url(w)).status_code == 200
    _publish(client, w, False)
    assert desk().get(_url(w)).status_code == 404
    assert PublicAccounts.objects.get(organisation=w.org).changed_by == w.coordinator


def test_only_those_who_publish_may_switch_it(w):
    assert _publish(desk(w.volunteer), w, True).status_code == 403
    assert _publish(desk(w.outsider), w, True).status_code == 404
    assert _publish(desk(), w, True).status_code == 302
    assert not PublicAccounts.objects.exists()


@pytest.mark.parametrize(
    ("lang", "word"), [("hy", "Հիգիենա"), ("ru", "Гигиена"), ("en", "Hygiene")]
)
def test_it_shows_units_in_and_out_by_category_and_week(w, lang, word):
    donate(w, IntakeLine(w.soap, 7))
    services.post_purchase(
        point=w.warehouse, lines=[IntakeLine(w.soap, 5)], by=w.coordinator, supplier="Shop"
    )
    donate(w, IntakeLine(w.soap, 100), point=w.other_point, by=w.outsider)
    _publish(desk(w.coordinator), w, True)
    response = desk().get(_url(w, lang))
    body = response.content.decode()
    assert response["Content-Language"] == lang
    assert word in body and "12 / 0" in body and "100" not in body
    assert 'id="bought-with-donated-money"' in body
    assert response.context is None or "money_purchases" in response.context
    assert "Shop" not in body and w.coordinator.username not in body


def test_it_shows_what_public_funds_bought(w):
    from decimal import Decimal

    from kamavor.money.purchases import buy_with_fund
    from kamavor.money.services import create_fund, post_money_donation

    fund = create_fund(organisation=w.org, name="Winter", currency="AMD", by=w.coordinator)
    post_money_donation(fund=fund, amount="10000", currency="AMD", method="bank", by=w.coordinator)
    buy_with_fund(
        fund=fund,
        point=w.point,
        lines=[IntakeLine(w.soap, 10, unit_cost=Decimal("250"))],
        supplier="Pharmacy 36.6",
        by=w.coordinator,
    )
    _publish(desk(w.coordinator), w, True)
    body = desk().get(_url(w, "en")).content.decode()
    section = body[body.index('id="bought-with-donated-money"') :]
    assert re.search(r"Winter · Hygiene: 2[\s,\u00a0\u202f]?500(\.00)? AMD", section), section[:600]
    assert reverse("public:accounts", args=["en", w.org.slug]) in section
    assert "Pharmacy" not in body
