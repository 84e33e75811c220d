"""A treasurer buys goods for a point with a fund's money at the fund purchase desk, in
headless Chromium: the intake desk's search and line form, the fund chosen, one post; a fund
too small is refused with the reason and nothing changes."""

from __future__ import annotations

import pytest

from kamavor.money import services
from kamavor.money.models import FundBalance, Record
from kamavor.network.models import Member
from kamavor.stock.models import Document
from tests.browser.conftest import assert_same_origin, screenshot
from tests.browser.test_desk_links import log_in
from tests.factories import build_world, make_member, on_hand

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_purchase_paid_from_a_fund(page, live_server):
    w = build_world()
    treasurer = make_member(w.org, "nune-treasurer", Member.Role.TREASURER)
    small = services.create_fund(organisation=w.org, name="Small", currency="AMD", by=w.admin)
    fund = services.create_fund(
        organisation=w.org, name="Medicine", earmark="medicine", currency="AMD", by=w.admin
    )
    services.post_money_donation(
        fund=fund, amount="10000", currency="AMD", method="bank", by=w.admin
    )
    log_in(page, live_server, treasurer)
    page.goto(f"{live_server.url}/desk/money/")
    page.click(f"#purchase-desks >> text={w.point.tr.name}")
    page.fill("#find", w.soap.name)
    page.keyboard.press("Enter")
    page.wait_for_selector("#line-form")
    page.fill("#id_quantity", "12")
    page.fill("#id_unit_cost", "250")
    page.click("#line-form >> button.primary")
    page.wait_for_selector("#lines")

    # Too little money in the small fund: the reason, and nothing posted.
    page.select_option("#id_fund", str(small.pk))
    page.fill("#id_supplier", "Pharmacy 36.6")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    page.wait_for_selector("#post-form .errorlist")
    assert "Not enough money in Small" in page.inner_text("#post-form")
    assert not Document.objects.filter(kind="purchase").exists()
    screenshot(page, "money-purchase-refused")
    assert len(page.console_errors) == 1 and "400" in page.console_errors[0]
    page.console_errors.clear()  # the refusal's own 400, expected; nothing else may fail

    page.select_option("#id_fund", str(fund.pk))
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#recent")
    assert "Pharmacy 36.6" in page.inner_text("#recent")
    record = Record.objects.get(kind="purchase")
    assert record.purchase.supplier == "Pharmacy 36.6"
    assert FundBalance.objects.get(fund=fund).amount == 1_000_000 - 300_000
    assert FundBalance.objects.get(fund=small).amount == 0
    assert on_hand(w.point, w.soap) == 12
    screenshot(page, "money-purchase-posted")
    assert_same_origin(page, live_server.url)
