"""A donor's phone in Armenian: the point's page, the hands-needed board, a sign-up, the
private page, and a cancellation, in headless Chromium, with every request to the app itself."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kamavor.volunteers.models import SignUp
from tests.browser.conftest import assert_same_origin, screenshot
from tests.factories import build_world
from tests.volunteers.helpers import make_shift

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_volunteer_signs_up_for_a_shift_in_armenian(page, live_server):
    w = build_world()
    shift = make_shift(w, hands=2, task="sorting")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{live_server.url}/hy/{w.point.slug}/")
    assert page.get_attribute("html", "lang") == "hy"
    expect(page.locator("h2").first).to_have_text("Հիմա պետք է")
    page.get_by_role("link", name="Ձեռքեր են պետք").first.click()
    page.wait_for_url("**/hy/shifts/")
    page.get_by_role("link", name="Գրանցվել").first.click()
    page.wait_for_url(f"**/hy/shifts/{shift.pk}/")
    # A mistake first: neither phone nor e-mail.
    page.fill("#name", "Անահիտ")
    page.get_by_role("button", name="Գրանցվել").click()
    expect(page.locator("#error")).to_contain_text("հեռախոսահամար կամ էլ. փոստի հասցե")
    assert not SignUp.objects.exists()
    page.fill("#phone", "+374 91 234567")
    page.check("input[name=languages][value=hy]")
    page.check("input[name=languages][value=ru]")
    screenshot(page, "shift-signup-hy")
    page.get_by_role("button", name="Գրանցվել").click()
    expect(page.locator("#signed-up")).to_contain_text("Դուք գրանցված եք")
    assert "/hy/v/" in page.url
    signup = SignUp.objects.get()
    assert signup.shift == shift and signup.volunteer.languages == ["hy", "ru"]
    screenshot(page, "shift-private-page-hy")
    page.get_by_role("button", name="Չեղարկել իմ գրանցումը").click()
    page.wait_for_url("**?cancelled=1")
    signup.refresh_from_db()
    assert signup.cancelled_at is not None
    assert_same_origin(page, live_server.url)
