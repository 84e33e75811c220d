"""A member's own page: password, sessions and API tokens."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kamavor.accounts.models import SessionRecord
from kamavor.network.models import ApiToken
from kamavor.network.services import create_token, user_for_token
from tests.accounts.conftest import sign_in
from tests.factories import PASSWORD, desk

PHONE = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Mobile Safari/537.36"
)


def test_the_page_is_reached_from_the_user_menu(w):
    page = desk(w.volunteer).get("/desk/?all=1").content.decode()
    assert 'href="/account/"' in page


def test_a_member_changes_their_password_and_other_sessions_end(w):
    phone, _ = sign_in(w.volunteer, HTTP_USER_AGENT=PHONE)
    client, _ = sign_in(w.volunteer)
    weak = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert weak.status_code == 200 and "too common" in weak.content.decode()
    new = "a long new passphrase 42"
    done = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert done.status_code == 302
    w.volunteer.refresh_from_db()
    assert w.volunteer.check_password(new)
    assert client.get("/desk/?all=1").status_code == 200  # this session stays
    assert phone.get("/desk/?all=1").status_code == 302  # the phone's ended
    assert SessionRecord.objects.filter(user=w.volunteer).count() == 1


def test_a_wrong_old_password_changes_nothing(w):
    client = desk(w.volunteer)
    client.post(
        "/account/password/",
        {"old_password": "nope", "new_password1": "x long passphrase", "new_password2": "x"},
    )
    w.volunteer.refresh_from_db()
    assert w.volunteer.check_password(PASSWORD)


def test_sessions_are_listed_with_their_device_and_ended(w):
    phone, _ = sign_in(w.volunteer, HTTP_USER_AGENT=PHONE)
    laptop, _ = sign_in(w.volunteer, HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux) Firefox/125.0")
    other, _ = sign_in(w.partner)
    page = laptop.get("/account/").content.decode()
    assert "Chrome on Android" in page and "Firefox on Linux" in page
    assert page.count("this session") == 1
    phone_record = SessionRecord.objects.get(user=w.volunteer, system="Android")
    # Nobody ends another member's session.
    assert other.post(f"/account/sessions/{phone_record.pk}/end/").status_code == 404
    assert phone.get("/desk/?all=1").status_code == 200
    assert laptop.post(f"/account/sessions/{phone_record.pk}/end/").status_code == 302
    assert phone.get("/desk/?all=1").status_code == 302
    assert laptop.get("/desk/?all=1").status_code == 200


def test_end_every_other_session(w):
    clients = [sign_in(w.volunteer)[0] for _ in range(3)]
    keep = clients[0]
    assert keep.post("/account/sessions/end-others/").status_code == 302
    assert keep.get("/desk/?all=1").status_code == 200
    assert [c.get("/desk/?all=1").status_code for c in clients[1:]] == [302, 302]


def test_logging_out_forgets_the_session(w):
    client, _ = sign_in(w.volunteer)
    assert SessionRecord.objects.filter(user=w.volunteer).count() == 1
    client.post("/logout/")
    assert not SessionRecord.objects.filter(user=w.volunteer).exists()


def test_a_member_makes_a_named_token_shown_once_and_it_works(w):
    client = desk(w.volunteer)
    page = client.post("/account/tokens/new/", {"name": "stock bot", "days": 30}).content.decode()
    token = page.split('id="new-token">')[1].split("<")[0]
    stored = ApiToken.objects.get(user=w.volunteer)
    assert stored.name == "stock bot" and token not in stored.digest
    assert dt.timedelta(days=29) < stored.expires_at - timezone.now() <= dt.timedelta(days=30)
    assert client.get("/api/v1/points", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    again = client.get("/account/").content.decode()
    assert "stock bot" in again and token not in again


def test_a_token_needs_a_name_and_a_known_life(w):
    client = desk(w.volunteer)
    assert client.post("/account/tokens/new/", {"name": "", "days": 30}).status_code == 200
    assert client.post("/account/tokens/new/", {"name": "x", "days": 9999}).status_code == 200
    assert not ApiToken.objects.filter(user=w.volunteer).exists()


def test_a_member_revokes_their_own_token_only(w):
    token = create_token(user=w.volunteer, name="phone app")
    stored = ApiToken.objects.get(user=w.volunteer)
    assert desk(w.partner).post(f"/account/tokens/{stored.pk}/revoke/").status_code == 404
    assert user_for_token(token) == w.volunteer
    assert desk(w.volunteer).post(f"/account/tokens/{stored.pk}/revoke/").status_code == 302
    response = desk().get("/api/v1/points", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_an_expired_token_is_refused_with_the_json_401(w):
    token = create_token(user=w.volunteer, name="expired-bot", days=1)
    ApiToken.objects.filter(user=w.volunteer).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    response = desk().get("/api/v1/points", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401 and set(response.json()) >= {"code", "message"}
    assert "expired-bot" not in desk(w.volunteer).get("/account/").content.decode()


def test_the_token_lookup_is_one_query(w, django_assert_num_queries):
    token = create_token(user=w.volunteer, name="fast")
    user_for_token(token)  # the first use is written down
    with django_assert_num_queries(1):
        assert user_for_token(token) == w.volunteer


def test_the_token_command_names_and_expires_tokens(w):
    out = io.StringIO()
    call_command("token", w.volunteer.username, "--name", "form server", "--days", "7", stdout=out)
    stored = ApiToken.objects.get(user=w.volunteer)
    assert stored.name == "form server"
    assert stored.expires_at - timezone.now() <= dt.timedelta(days=7)
    assert user_for_token(out.getvalue().strip()) == w.volunteer
    with pytest.raises(CommandError):
        call_command("token", w.volunteer.username, "--days", "0", stdout=io.StringIO())


def test_tokens_default_to_ninety_days(w):
    create_token(user=w.volunteer)
    left = ApiToken.objects.get(user=w.volunteer).expires_at - timezone.now()
    assert dt.timedelta(days=89) < left <= dt.timedelta(days=90)


def test_pages_need_a_login(w):
    for path in ("/account/", "/account/password/"):
        assert desk().get(path)["Location"].startswith("/login/")


def test_a_session_opened_before_sessions_were_recorded_is_ended_too(w):
    phone, _ = sign_in(w.volunteer)
    SessionRecord.objects.filter(user=w.volunteer).delete()  # as before this version
    anonymous = SessionStore()
    anonymous["something"] = 1
    anonymous.create()
    laptop, _ = sign_in(w.volunteer)
    laptop.post("/account/sessions/end-others/")
    assert phone.get("/desk/?all=1").status_code == 302
    assert laptop.get("/desk/?all=1").status_code == 200
    assert Session.objects.filter(session_key=anonymous.session_key).exists()
