"""A coordinator signs in with a password and a code from the authenticator app, in headless
Chromium; a first sign-in sets the authenticator up from the page (its secret as text)."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.conftest import assert_same_origin, screenshot
from tests.factories import PASSWORD, build_world, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(secret: str, ahead: int = 0) -> str:
    raw = secret.replace(" ", "")
    key = base64.b32decode(raw + "=" * (-len(raw) % 8))
    return f"{totp(key, drift=ahead):06d}"


def _password(page, url: str, username: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")


def test_a_coordinator_sets_up_the_second_factor_then_signs_in_with_it(page, live_server):
    w = build_world()
    coordinator = make_member(w.org, "new-coordinator", "coordinator")
    _password(page, live_server.url, coordinator.username)
    page.wait_for_url("**/account/two-factor/setup/**")
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.inner_text("#secret")
    screenshot(page, "second-factor-setup")
    page.fill("#id_code", _code(secret))
    page.keyboard.press("Enter")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.click("text=I have kept them: continue")
    page.wait_for_url("**/desk/**")
    assert TOTPDevice.objects.get(user=coordinator).confirmed

    # Next time: the password, then the code.
    page.click(".user-menu summary")  # the user menu holds "Log out"
    page.click("text=Log out")
    page.wait_for_url("**/login/")
    _password(page, live_server.url, coordinator.username)
    page.wait_for_url("**/account/two-factor/?next=*")
    expect(page.locator("#id_code")).to_be_focused()
    page.keyboard.type(_code(secret, ahead=1))  # the set-up's code is never taken twice
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk/**")
    page.goto(f"{live_server.url}/account/")
    expect(page.locator("#sessions")).to_contain_text("this session")
    screenshot(page, "account-page")
    assert_same_origin(page, live_server.url)
