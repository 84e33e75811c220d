"""Helpers of the account tests: codes computed by django-otp itself, and plain sign-ins."""

from __future__ import annotations

import pytest
from django_otp.oath import totp

from tests.factories import PASSWORD, DeskClient


def code_for(device, ahead: int = 0) -> str:
    """The code the member's authenticator app shows now (or `ahead` steps later: a code once
    used is never taken again, so a second sign-in in the same 30 s uses the next one)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, ahead):0{device.digits}d}"


def sign_in(user, password: str = PASSWORD, **extra) -> tuple[DeskClient, object]:
    """A fresh browser that posts the login form; returns it and the response."""
    client = DeskClient(**{"HTTP_ACCEPT_LANGUAGE": "en", **extra})
    response = client.post("/login/", {"username": user.username, "password": password})
    return client, response


@pytest.fixture(autouse=True)
def no_code_delay(settings):
    """django-otp makes one wait 1, 2, 4 … s after a wrong code; tests do not wait."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
