"""An intake with the keyboard only, in headless Chromium, then a reversal."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from kamavor.stock.models import Document
from tests.browser.conftest import assert_same_origin, screenshot
from tests.factories import PASSWORD, build_world, on_hand

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_volunteer_takes_a_donation_with_the_keyboard_and_reverses_it(page, live_server):
    w = build_world()
    keyboard = page.keyboard
    page.goto(f"{live_server.url}/login/")
    expect(page.locator("#id_username")).to_be_focused()
    keyboard.type(w.volunteer.username)  # the username field has the focus
    keyboard.press("Tab")
    keyboard.type(PASSWORD)
    keyboard.press("Enter")
    page.wait_for_url("**/desk/")
    expect(page.locator("#points a").first).to_be_focused()
    keyboard.press("Enter")  # on the first point
    page.wait_for_url(f"**/desk/{w.point.pk}/intake/")

    # A name typed in Latin letters finds the Armenian and Russian item.
    expect(page.locator("#find")).to_be_focused()
    keyboard.type("brindz")
    keyboard.press("Enter")
    page.wait_for_selector("#chosen-item")
    assert "Rice" in page.inner_text("#chosen-item")
    expiry = dt.date.today() + dt.timedelta(days=400)
    # Keys typed before the new page focuses its field are lost.
    expect(page.locator("#line-form [name=quantity]")).to_be_focused()
    keyboard.type("10")
    keyboard.press("Tab")
    keyboard.type(expiry.strftime("%m.%Y"))
    keyboard.press("Enter")
    page.wait_for_selector("#lines")

    # A barcode scanner is a keyboard that ends with Enter.
    expect(page.locator("#find")).to_be_focused()
    keyboard.type("2000000000022")
    keyboard.press("Enter")
    page.wait_for_selector("#chosen-item")
    assert "Soap" in page.inner_text("#chosen-item")
    expect(page.locator("#line-form [name=quantity]")).to_be_focused()
    keyboard.type("4")
    keyboard.press("Enter")
    expect(page.locator("#lines tbody tr")).to_have_count(2)
    screenshot(page, "intake-desk-lines")

    keyboard.press("Control+Enter")
    page.wait_for_selector(".messages li")
    assert "posted: 14 units in 2 lines" in page.inner_text(".messages")
    assert on_hand(w.point, w.rice) == 10
    assert on_hand(w.point, w.soap) == 4
    donation = Document.objects.get(kind=Document.Kind.DONATION)
    screenshot(page, "intake-desk-posted")

    # The volunteer sees the mistake and reverses it.
    page.click(f"#recent a[href$='/documents/{donation.pk}/#reverse']")
    page.wait_for_selector("#reverse")
    page.fill("#id_reason", "typed the wrong point")
    page.click("#reverse button[type=submit]")
    page.wait_for_selector(".messages li")
    assert "reversed" in page.inner_text(".messages")
    donation.refresh_from_db()
    assert donation.status == Document.Status.REVERSED
    assert on_hand(w.point, w.rice) == 0 and on_hand(w.point, w.soap) == 0
    assert_same_origin(page, live_server.url)
