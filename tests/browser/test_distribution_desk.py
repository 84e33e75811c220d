"""A whole visit at the distribution desk with the keyboard only, in headless Chromium:
code, Enter, check the pre-filled lines, Ctrl+Enter; then a mistyped code for the next one."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from kamavor.distribution import adapters
from kamavor.stock.models import Document
from tests.browser.conftest import assert_same_origin, screenshot
from tests.distribution.factories import make_household, stock_up
from tests.factories import PASSWORD, build_world, on_hand

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_volunteer_serves_a_household_with_the_keyboard(page, live_server, monkeypatch):
    w = build_world()
    household = make_household(w, female_18_59=1, male_3_5=2, single_caregiver=True)
    stock_up(w, w.soap, 20)
    stock_up(w, w.rice, 10)
    due = {w.soap: 3, w.rice: 2}
    monkeypatch.setattr(
        adapters,
        "dues_for",
        lambda h, on, **_: [
            adapters.Due(item=i, quantity=q, period_days=30) for i, q in due.items()
        ],
    )
    keyboard = page.keyboard
    page.goto(f"{live_server.url}/login/")
    expect(page.locator("#id_username")).to_be_focused()
    keyboard.type(w.volunteer.username)
    keyboard.press("Tab")
    keyboard.type(PASSWORD)
    keyboard.press("Enter")
    page.wait_for_url("**/desk/")
    page.goto(f"{live_server.url}/desk/{w.point.pk}/distribution/")

    started = time.monotonic()
    # The card's code, typed in lower case with its hyphen (a QR scanner types it the same way).
    expect(page.locator("#id_code")).to_be_focused()
    keyboard.type(household.display_code.lower())
    keyboard.press("Enter")
    page.wait_for_selector("#visit-form")
    assert household.display_code in page.inner_text("#household-code")
    assert "single caregiver" in page.inner_text("aside")
    expect(page.locator("#lines tbody tr")).to_have_count(2)
    # The first quantity has the focus: the family takes 2 bars of soap, not 3.
    expect(page.locator("#id_quantity-0")).to_be_focused()
    keyboard.press("Control+A")
    keyboard.type("2")
    screenshot(page, "distribution-desk-visit")
    keyboard.press("Control+Enter")
    page.wait_for_selector("#receipt")
    elapsed = time.monotonic() - started
    assert "units handed to household" in page.inner_text(".messages")
    assert household.display_code in page.inner_text("#receipt-household")
    screenshot(page, "distribution-desk-receipt")
    assert elapsed < 60
    assert on_hand(w.point, w.soap) == 18 and on_hand(w.point, w.rice) == 8
    document = Document.objects.get(kind="distribution")
    assert document.household == household

    # The next household: its code, with two characters swapped.
    expect(page.locator("#id_code")).to_be_focused()
    code = household.code
    swapped = code[1] + code[0] + code[2:]
    keyboard.type(swapped if swapped != code else code[:-1] + "A")
    keyboard.press("Enter")
    page.wait_for_selector("#code-error")
    assert "typing mistake" in page.inner_text("#code-error")

    # Back at the same household: the warning names what it already received.
    keyboard.press("Control+A")
    keyboard.type(household.code)
    keyboard.press("Enter")
    page.wait_for_selector("#repeat-warnings")
    assert "received" in page.inner_text("#repeat-warnings")
    screenshot(page, "distribution-desk-repeat-warning")
    assert_same_origin(page, live_server.url)
