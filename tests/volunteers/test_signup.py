"""Signing up for a shift without an account, the private link, cancelling, and bad input."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from kamavor.privacy.sealing import vault
from kamavor.volunteers.models import FormHit, SignUp, Volunteer
from tests.volunteers.helpers import make_shift, sign

LANGS = ("hy", "ru", "en")


def _post(client, shift, lang="en", ip="10.1.1.1", **data):
    values = {"name": "Ani", "phone": "091 234567", "email": "", "languages": ["hy", "ru"]}
    values.update(data)
    return client.post(f"/{lang}/shifts/{shift.pk}/", values, REMOTE_ADDR=ip)


def test_it_signs_up_and_leads_to_the_private_link(client, w):
    shift = make_shift(w)
    response = _post(client, shift, email="ani@example.org")
    assert response.status_code == 302
    link = response["Location"].split("?")[0]
    assert re.fullmatch(r"/en/v/[\w-]{30,}/", link)
    signup = SignUp.objects.get(shift=shift)
    volunteer = signup.volunteer
    assert volunteer.languages == ["hy", "ru"]
    # The contact data is sealed; the link is kept only as a digest.
    assert "Ani" not in volunteer.name_sealed and vault().open(volunteer.name_sealed) == "Ani"
    assert "234567" not in volunteer.phone_sealed
    token = link.split("/")[3]
    assert token not in volunteer.link_digest
    page = client.get(response["Location"])
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert shift.point.name in page.content.decode()
    assert "You are signed up" in page.content.decode()
    # The link was e-mailed.
    assert len(mail.outbox) == 1 and link in mail.outbox[0].body


@pytest.mark.parametrize("lang", LANGS)
def test_the_sign_up_form_exists_in_each_language(client, w, lang):
    shift = make_shift(w)
    response = client.get(f"/{lang}/shifts/{shift.pk}/")
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.content.decode()
    assert response["Content-Language"] == lang


def test_it_cancels_through_the_private_link(client, w):
    shift = make_shift(w)
    signup, token = sign(shift)
    response = client.post(f"/en/v/{token}/cancel/{signup.pk}/", follow=True)
    assert "Your sign-up is cancelled" in response.content.decode()
    signup.refresh_from_db()
    assert signup.cancelled_at is not None
    # The place is free again.
    assert shift.signups.active().count() == 0


def test_a_wrong_link_shows_nothing(client, w):
    shift = make_shift(w)
    signup, token = sign(shift)
    assert client.get(f"/en/v/{token[:-2]}xx/").status_code == 404
    assert client.post(f"/en/v/{token[:-2]}xx/cancel/{signup.pk}/").status_code == 404
    assert SignUp.objects.get(pk=signup.pk).cancelled_at is None


def test_one_cannot_cancel_someone_elses_sign_up(client, w):
    shift = make_shift(w)
    theirs, _token = sign(shift, ip="10.0.0.2")
    _mine, token = sign(shift, name="Aram", ip="10.0.0.3")
    response = client.post(f"/en/v/{token}/cancel/{theirs.pk}/")
    assert response.status_code == 400
    assert SignUp.objects.get(pk=theirs.pk).cancelled_at is None


def test_the_private_link_joins_another_shift(client, w):
    first, second = make_shift(w), make_shift(w, in_hours=48)
    _signup, token = sign(first)
    page = client.get(f"/en/v/{token}/").content.decode()
    assert f"/en/v/{token}/join/{second.pk}/" in page
    assert client.post(f"/en/v/{token}/join/{second.pk}/").status_code == 302
    assert SignUp.objects.filter(shift=second).count() == 1
    # Sent twice (a double click), it keeps its one place and answers the same.
    response = client.post(f"/en/v/{token}/join/{second.pk}/")
    assert response.status_code == 302 and response["Location"].endswith("?joined=1")
    assert SignUp.objects.filter(shift=second).count() == 1


def test_a_full_shift_refuses(client, w):
    shift = make_shift(w, hands=1)
    sign(shift)
    response = _post(client, shift)
    assert response.status_code == 409
    assert SignUp.objects.filter(shift=shift).count() == 1
    assert Volunteer.objects.count() == 1


BAD = [
    ({"name": ""}, "Give a name or a nickname."),
    ({"name": "x" * 81}, "too long"),
    ({"name": "<script>alert(1)</script>"}, "A name may hold letters"),
    ({"phone": "", "email": ""}, "Give a phone number or an e-mail address."),
    ({"phone": "<b>call me</b>"}, "This is not a phone number."),
    ({"phone": "1" * 31}, "too long"),
    ({"email": "not-an-address"}, "This is not an e-mail address."),
    ({"email": "a@example.org<script>"}, "This is not an e-mail address."),
    ({"email": "a" * 200 + "@example.org"}, "too long"),
    ({"languages": ["xx"]}, "Choose languages from the list."),
]


@pytest.mark.parametrize(("data", "error"), BAD, ids=[e for _d, e in BAD])
def test_bad_input_is_refused_and_writes_nothing(client, w, data, error):
    shift = make_shift(w)
    response = _post(client, shift, **data)
    assert response.status_code == 200  # the form again, with its error
    page = response.content.decode()
    assert error in page
    assert "<script>alert" not in page and "<b>call" not in page
    assert not SignUp.objects.exists() and not Volunteer.objects.exists()
    assert not FormHit.objects.exists()


def test_errors_come_in_the_pages_language(client, w):
    shift = make_shift(w)
    response = _post(client, shift, lang="hy", name="")
    assert response.status_code == 200
    assert "Give a name" not in response.content.decode()
    assert re.search(r"[\u0531-\u058f]", response.content.decode())


def test_a_flood_from_one_address_is_rate_limited(client, w, settings):
    settings.KAMAVOR_PUBLIC_FORM_LIMIT = 3
    shift = make_shift(w, hands=50)
    for n in range(3):
        assert _post(client, shift, name=f"Flood {n}", ip="10.9.9.9").status_code == 302
    response = _post(client, shift, name="Flood 4", ip="10.9.9.9")
    assert response.status_code == 429
    assert "Too many sign-ups from your connection" in response.content.decode()
    assert SignUp.objects.filter(shift=shift).count() == 3
    assert Volunteer.objects.count() == 3
    # Someone else, on another connection, still signs up.
    assert _post(client, shift, name="Other", ip="10.9.9.10").status_code == 302


def test_the_rate_limit_stores_no_address(w):
    shift = make_shift(w)
    sign(shift, ip="203.0.113.7")
    hit = FormHit.objects.get()
    assert "203.0.113.7" not in hit.key


def test_a_started_shift_refuses_sign_ups(client, w):
    shift = make_shift(w, in_hours=-1, hours=3)
    assert client.get(f"/en/shifts/{shift.pk}/").status_code == 404
    assert _post(client, shift).status_code == 404
    assert not SignUp.objects.exists()


def test_behind_a_proxy_the_limit_counts_each_visitor(client, w, settings):
    settings.KAMAVOR_PUBLIC_FORM_LIMIT = 1
    settings.KAMAVOR_PROXY_HOPS = 1
    shift = make_shift(w, hands=10)
    proxy = "10.0.0.254"

    def post(name, forwarded):
        return client.post(
            f"/en/shifts/{shift.pk}/",
            {"name": name, "phone": "091234567"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    assert post("Ani", "203.0.113.1").status_code == 302
    assert post("Aram", "203.0.113.2").status_code == 302  # another visitor, same proxy
    # A forged header does not help: the proxy appends the address it saw.
    assert post("Forger", "198.51.100.9, 203.0.113.1").status_code == 429
    assert SignUp.objects.filter(shift=shift).count() == 2


def test_the_private_pages_forms_refuse_bad_input_and_floods(client, w, settings):
    settings.KAMAVOR_PUBLIC_FORM_LIMIT = 2
    shifts = [make_shift(w, in_hours=24 + n) for n in range(3)]
    _signup, token = sign(shifts[0], ip="10.4.4.4")  # the first of two allowed
    # Garbage in the URLs finds nothing and writes nothing.
    assert client.post(f"/en/v/{token}/cancel/999999/").status_code == 400
    assert client.post(f"/en/v/{token}/join/999999/").status_code == 404
    assert client.post(f"/en/v/<script>/join/{shifts[1].pk}/").status_code == 404
    assert client.get(f"/en/v/{token}/join/{shifts[1].pk}/").status_code == 405
    assert (
        client.post(f"/en/v/{token}/join/{shifts[1].pk}/", REMOTE_ADDR="10.4.4.4").status_code
        == 302
    )
    response = client.post(f"/en/v/{token}/join/{shifts[2].pk}/", REMOTE_ADDR="10.4.4.4")
    assert response.status_code == 429
    assert "Too many sign-ups from your connection" in response.content.decode()
    assert SignUp.objects.filter(shift=shifts[2]).count() == 0
    assert SignUp.objects.active().count() == 2
