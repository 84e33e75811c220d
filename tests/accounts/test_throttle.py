"""Sign-in throttling per account and per address, in the database."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import authenticate
from django.test import RequestFactory

from kamavor.accounts.models import LoginFailure
from tests.accounts.conftest import sign_in
from tests.factories import make_member


def fail(user, times: int, **extra) -> None:
    for _ in range(times):
        _client, response = sign_in(user, "wrong password", **extra)
        assert response.status_code == 200


def test_it_locks_an_account_after_five_wrong_passwords_even_for_the_right_one(w, settings):
    settings.KAMAVOR_LOGIN_ACCOUNT_LIMIT = 5
    fail(w.volunteer, 4)
    client, response = sign_in(w.volunteer)
    assert response.status_code == 302  # four slips are forgiven by a success
    fail(w.volunteer, 5)
    client, response = sign_in(w.volunteer)
    assert response.status_code == 200
    assert "Too many wrong attempts" in response.content.decode()
    assert client.get("/desk/").status_code == 302  # not signed in


def test_the_fifth_wrong_password_already_says_so(w, settings):
    settings.KAMAVOR_LOGIN_ACCOUNT_LIMIT = 5
    fail(w.volunteer, 4)
    _client, response = sign_in(w.volunteer, "still wrong")
    assert "Too many wrong attempts" in response.content.decode()


def test_the_lock_ends_when_the_window_has_passed(w, settings):
    settings.KAMAVOR_LOGIN_ACCOUNT_LIMIT = 3
    fail(w.volunteer, 3)
    assert sign_in(w.volunteer)[1].status_code == 200
    LoginFailure.objects.update(at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert sign_in(w.volunteer)[1].status_code == 302


def test_the_account_lock_holds_from_any_address(w, settings):
    settings.KAMAVOR_LOGIN_ACCOUNT_LIMIT = 3
    fail(w.volunteer, 3, REMOTE_ADDR="10.0.0.1")
    _client, response = sign_in(w.volunteer, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 200 and "Too many" in response.content.decode()


def test_an_address_that_guesses_at_many_accounts_is_locked(w, settings):
    settings.KAMAVOR_LOGIN_ACCOUNT_LIMIT = 100
    settings.KAMAVOR_LOGIN_ADDRESS_LIMIT = 6
    others = [make_member(w.org, f"someone-{n}", "volunteer") for n in range(3)]
    for user in others:
        fail(user, 2, REMOTE_ADDR="10.9.9.9")
    # A right password from that address is refused; from elsewhere it works.
    assert sign_in(w.partner, REMOTE_ADDR="10.9.9.9")[1].status_code == 200
    assert sign_in(w.partner, REMOTE_ADDR="10.9.9.8")[1].status_code == 302


def test_a_success_does_not_reset_the_address_counter_of_other_accounts(w, settings):
    settings.KAMAVOR_LOGIN_ACCOUNT_LIMIT = 100
    settings.KAMAVOR_LOGIN_ADDRESS_LIMIT = 4
    fail(w.partner, 3, REMOTE_ADDR="10.1.1.1")
    # The attacker's own account signs in fine (3 failures < 4) ...
    assert sign_in(w.volunteer, REMOTE_ADDR="10.1.1.1")[1].status_code == 302
    fail(w.partner, 1, REMOTE_ADDR="10.1.1.1")
    # ... and did not wipe the count: the fourth failure locks the address.
    assert sign_in(w.volunteer, REMOTE_ADDR="10.1.1.1")[1].status_code == 200


def test_behind_proxies_the_forwarded_address_is_counted(w, settings):
    settings.KAMAVOR_LOGIN_ACCOUNT_LIMIT = 100
    settings.KAMAVOR_LOGIN_ADDRESS_LIMIT = 2
    settings.KAMAVOR_PROXY_HOPS = 1
    fail(w.partner, 2, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    locked = sign_in(w.volunteer, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    other = sign_in(w.volunteer, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert locked[1].status_code == 200 and other[1].status_code == 302


def test_every_way_to_check_a_password_is_throttled(w, settings):
    """The admin's sign-in goes to the same page, and any authenticate() call is counted and
    refused alike (the API takes no passwords at all, only tokens)."""
    settings.KAMAVOR_LOGIN_ACCOUNT_LIMIT = 2
    client, _ = sign_in(w.volunteer, "x")
    assert client.get("/admin/login/?next=/admin/")["Location"].startswith("/login/")
    request = RequestFactory().post("/elsewhere/")
    assert authenticate(request, username=w.volunteer.username, password="y") is None
    from tests.factories import PASSWORD

    assert authenticate(request, username=w.volunteer.username, password=PASSWORD) is None
    assert LoginFailure.objects.count() == 2


def test_the_api_takes_no_password(w):
    import base64

    basic = base64.b64encode(f"{w.volunteer.username}:x".encode()).decode()
    response = sign_in(w.volunteer)[0].get("/api/v1/points", HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_the_lock_message_is_translated(w, settings):
    settings.KAMAVOR_LOGIN_ACCOUNT_LIMIT = 1
    fail(w.volunteer, 1)
    for language, word in (("hy", "Չափազանց"), ("ru", "Слишком")):
        _client, response = sign_in(w.volunteer, HTTP_ACCEPT_LANGUAGE=language)
        assert word in response.content.decode()
