"""Sign-in throttling per account and per address, kept in the database (so it holds across
several app processes).

After KAMAVOR_LOGIN_ACCOUNT_LIMIT wrong passwords or codes for one account, or
KAMAVOR_LOGIN_ADDRESS_LIMIT from one address, within KAMAVOR_LOGIN_WINDOW minutes, every
attempt is refused, right password or not, until the oldest of those failures leaves the
window. A success forgives only that account's failures from that address: it never resets
what the address did to other accounts.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from kamavor.accounts.models import LoginFailure


def _key(kind: str, value: str) -> str:
    return salted_hmac(f"kamavor.accounts.throttle.{kind}", value).hexdigest()[:64]


def account_key(username: str) -> str:
    # Case and spaces do not make a new account to guess at.
    return _key("account", (username or "").strip().lower())


def address_key(address: str) -> str:
    return _key("address", address or "")


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.KAMAVOR_LOGIN_WINDOW)


def _free_at(field: str, key: str, limit: int, since: dt.datetime) -> dt.datetime | None:
    """When the key's failures fall below the limit again, or None if they are below it now."""
    recent = list(
        LoginFailure.objects.filter(**{field: key}, at__gt=since)
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    return recent[-1] + _window()


def locked_until(username: str, address: str) -> dt.datetime | None:
    """Until when sign-ins to this account, or from this address, are refused; None if not."""
    since = timezone.now() - _window()
    ends = [
        _free_at("account", account_key(username), settings.KAMAVOR_LOGIN_ACCOUNT_LIMIT, since),
        _free_at("address", address_key(address), settings.KAMAVOR_LOGIN_ADDRESS_LIMIT, since),
    ]
    ends = [end for end in ends if end is not None]
    return max(ends) if ends else None


@transaction.atomic
def record_failure(username: str, address: str) -> None:
    """Count one wrong password or code, and forget failures that no longer count."""
    now = timezone.now()
    LoginFailure.objects.filter(at__lt=now - 2 * _window()).delete()
    LoginFailure.objects.create(account=account_key(username), address=address_key(address), at=now)


@transaction.atomic
def forgive(username: str, address: str) -> None:
    """A full sign-in: the member's own slips from this address no longer count."""
    LoginFailure.objects.filter(
        account=account_key(username), address=address_key(address)
    ).delete()
