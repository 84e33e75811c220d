"""The second factor: set up, signing in with a code, recovery codes, who must have one."""

from __future__ import annotations

import re

from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.conftest import code_for, sign_in
from tests.factories import desk, make_member


def intake(w) -> str:
    return reverse("stock:intake", args=[w.point.pk])


def test_a_coordinator_without_a_device_sets_one_up_before_any_desk(w):
    coordinator = make_member(w.org, "new-coordinator", "coordinator")
    client, response = sign_in(coordinator)
    assert response["Location"].startswith("/account/two-factor/")
    # No desk, no admin, no account page before the second factor.
    for path in (intake(w), "/desk/", "/account/", "/admin/", "/desk/households/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/account/two-factor/"), path
    page = client.get("/account/two-factor/", follow=True)
    html = page.content.decode()
    assert page.redirect_chain[-1][0].startswith("/account/two-factor/setup/")
    assert "<svg" in html and 'id="secret"' in html
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    secret = re.search(r'id="secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    assert len(secret) >= 32  # the same secret as text, for typing by hand

    wrong = client.post("/account/two-factor/setup/", {"code": "000000", "next": intake(w)})
    assert "not right" in wrong.content.decode()
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed

    done = client.post("/account/two-factor/setup/", {"code": code_for(device), "next": intake(w)})
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert StaticToken.objects.filter(device__user=coordinator).count() == 10
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get(intake(w)).status_code == 200


def test_login_asks_for_the_code_after_the_password(w):
    device = TOTPDevice.objects.get(user=w.coordinator)
    client, response = sign_in(w.coordinator)
    assert response.status_code == 302
    verify_url = response["Location"]
    assert verify_url.startswith("/account/two-factor/?next=")
    assert client.get(intake(w))["Location"].startswith("/account/two-factor/")
    refused = client.post(verify_url, {"code": "123456"})
    assert "not right" in refused.content.decode()
    passed = client.post(verify_url, {"code": code_for(device)})
    assert passed.status_code == 302
    assert client.get(intake(w)).status_code == 200


def test_a_code_is_taken_once(w):
    device = TOTPDevice.objects.get(user=w.coordinator)
    code = code_for(device)
    first, _ = sign_in(w.coordinator)
    assert first.post("/account/two-factor/", {"code": code}).status_code == 302
    second, _ = sign_in(w.coordinator)
    assert second.post("/account/two-factor/", {"code": code}).status_code == 200
    assert second.get(intake(w)).status_code == 302


def test_a_recovery_code_works_once(w):
    from kamavor.accounts.second_factor import new_recovery_codes

    codes = new_recovery_codes(user=w.coordinator)
    client, _ = sign_in(w.coordinator)
    assert client.post("/account/two-factor/", {"code": codes[0].upper()}).status_code == 302
    assert client.get(intake(w)).status_code == 200
    again, _ = sign_in(w.coordinator)
    assert again.post("/account/two-factor/", {"code": codes[0]}).status_code == 200
    assert again.get(intake(w)).status_code == 302
    assert again.post("/account/two-factor/", {"code": codes[1]}).status_code == 302


def test_wrong_codes_count_toward_the_lock(w, settings):
    settings.KAMAVOR_LOGIN_ACCOUNT_LIMIT = 3
    device = TOTPDevice.objects.get(user=w.coordinator)
    client, _ = sign_in(w.coordinator)
    for _ in range(3):
        client.post("/account/two-factor/", {"code": "000000"})
    refused = client.post("/account/two-factor/", {"code": code_for(device)})
    assert "Too many wrong attempts" in refused.content.decode()
    assert client.get(intake(w)).status_code == 302


def test_a_volunteer_reaches_the_desks_without_a_second_factor(w):
    client, response = sign_in(w.volunteer)
    assert response["Location"] == "/desk/"
    assert client.get(intake(w)).status_code == 200


def test_a_volunteer_who_set_one_up_is_asked_for_it(w):
    TOTPDevice.objects.create(user=w.volunteer, name="phone", confirmed=True)
    client, response = sign_in(w.volunteer)
    assert response["Location"].startswith("/account/two-factor/")
    assert client.get(intake(w)).status_code == 302


def test_the_password_alone_cannot_replace_the_authenticator(w):
    client, _ = sign_in(w.coordinator)
    response = client.get("/account/two-factor/setup/")
    assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/")
    assert client.post("/account/two-factor/setup/", {"code": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=w.coordinator).count() == 1


def test_a_verified_member_moves_to_a_new_phone_and_gets_new_recovery_codes(w):
    client = desk(w.coordinator)
    old = TOTPDevice.objects.get(user=w.coordinator)
    assert client.get("/account/two-factor/setup/").status_code == 200
    new = TOTPDevice.objects.get(user=w.coordinator, confirmed=False)
    assert client.post("/account/two-factor/setup/", {"code": code_for(new)}).status_code == 200
    assert list(TOTPDevice.objects.filter(user=w.coordinator)) == [new]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    page = client.post("/account/two-factor/recovery-codes/").content.decode()
    assert len(re.findall(r"<li><code>", page)) == 10


def test_a_superuser_needs_it_for_the_admin(w):
    from tests.factories import make_user

    root = make_user("root", superuser=True)
    client = desk()
    client.force_login(root, verified=False)
    assert client.get("/admin/")["Location"].startswith("/account/two-factor/")
    assert desk(root).get("/admin/").status_code == 200


def test_the_public_pages_and_logout_stay_open(w):
    client, _ = sign_in(w.coordinator)
    assert client.get("/en/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/desk/")["Location"].startswith("/login/")
