"""The second factor, with django-otp: a TOTP authenticator app, and single-use recovery codes
for the day the phone is lost. Setting one up, checking a code, and making new recovery codes.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import segno
from django.db import transaction
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp import login as otp_login
from django_otp import verify_token as otp_verify
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10
AUTHENTICATOR = "authenticator"
RECOVERY = "recovery"
# Set in the session at sign-in when the member has a second factor (anyone may set one up):
# then it is asked for even where their role would not require it.
HAS_DEVICE = "kamavor_has_second_factor"


@dataclass
class Setup:
    """What the set-up page shows: the QR code (SVG) and the same secret as text."""

    device: TOTPDevice
    qr_svg: str
    secret: str


def has_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32 as authenticator apps take it by hand, in groups of four."""
    secret = base64.b32encode(bytes(device.bin_key)).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def start_setup(user) -> Setup:
    """The member's authenticator waiting to be confirmed (made now if there is none yet)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4, border=2, omitsize=True)
    return Setup(device=device, qr_svg=qr, secret=secret_text(device))


@transaction.atomic
def demo_authenticator(user) -> str:
    """A demo login's confirmed authenticator (made once, kept on refresh); its secret as text,
    for `kamavor demo` to print next to the demo password."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=True)
    return secret_text(device)


def _clean(code: str) -> str:
    return "".join((code or "").split()).replace("-", "")[:16]


@transaction.atomic
def confirm_setup(*, user, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the waiting authenticator with a code it shows; it replaces any earlier one,
    and new recovery codes replace the old. None when the code is not right."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("-pk")
        .first()
    )
    if device is None or not device.verify_token(_clean(code)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, new_recovery_codes(user=user)


@transaction.atomic
def new_recovery_codes(*, user) -> list[str]:
    """Ten new single-use recovery codes; the old ones stop working. Shown once."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY, defaults={"confirmed": True}
    )
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def verify(*, user, code: str):
    """The device that accepts this code (an authenticator's code, or a recovery code, which is
    used up), or None. django-otp slows down repeated wrong codes per device."""
    code = _clean(code)
    if not code:
        return None
    # Digits are an authenticator's code; anything else can only be a recovery code (each kind
    # of device counts its own wrong codes, so neither is tried with the other's).
    kind = TOTPDevice if code.isdigit() else StaticDevice
    code = code if code.isdigit() else code.lower()
    for device in devices_for_user(user, confirmed=True):
        if isinstance(device, kind):
            found = otp_verify(user, device.persistent_id, code)
            if found is not None:
                return found
    return None


def mark_verified(request: HttpRequest, device) -> None:
    """This session has passed the second factor with `device`."""
    otp_login(request, device)
    request.session[HAS_DEVICE] = True


def is_verified(request: HttpRequest) -> bool:
    """Whether this session passed the second factor (reads the device only if it says so)."""
    if not request.session.get(DEVICE_ID_SESSION_KEY):
        return False
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())
