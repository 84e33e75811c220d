"""A treasurer takes a cash donation at a point and prints its receipt in Armenian, in
headless Chromium, with no request leaving the app."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kamavor.money import services
from kamavor.money.models import FundBalance, Record
from kamavor.network.models import Member
from tests.browser.conftest import assert_same_origin, screenshot
from tests.browser.test_desk_links import log_in
from tests.factories import build_world, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_cash_donation_with_a_receipt_in_armenian(page, live_server):
    w = build_world()
    treasurer = make_member(w.org, "nune-treasurer", Member.Role.TREASURER)
    fund = services.create_fund(
        organisation=w.org, name="Դեղորայք", earmark="medicine", currency="AMD", by=w.admin
    )
    log_in(page, live_server, treasurer)  # the password and the second factor (donors' names)
    page.goto(f"{live_server.url}/desk/money/")
    page.click(f"#money-{w.org.pk} >> text=Money donation")
    page.wait_for_selector("#money-form")
    page.select_option("#id_fund", str(fund.pk))
    page.fill("#id_amount", "25 000")
    page.select_option("#id_method", "cash")
    page.select_option("#id_point", str(w.point.pk))
    page.fill("#id_donor", "Անի Պետրոսյան")
    screenshot(page, "money-donation-form")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#record-entries")
    record = Record.objects.get(kind="donation")
    assert FundBalance.objects.get(fund=fund).amount == 2_500_000

    page.click("#receipt-links >> text=HY")
    page.wait_for_selector("#receipt")
    expect(page.locator("html")).to_have_attribute("lang", "hy")
    receipt = page.inner_text("#receipt")
    assert f"Անդորրագիր {record.number}" in receipt
    assert "25\u00a0000.00 AMD" in page.inner_text("#receipt-amount")
    assert "Անի Պետրոսյան" in page.inner_text("#receipt-donor")
    assert "կանխիկ՝ կետում" in receipt and "Դեղորայք" in receipt
    screenshot(page, "money-receipt-hy")
    assert_same_origin(page, live_server.url)
