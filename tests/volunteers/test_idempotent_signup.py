"""A public sign-up sent twice (a double click, a resubmit after a timeout) takes one place and
gets the same answer, also when both arrive at the same moment (see test_concurrency.py)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from kamavor.core.errors import IdempotencyKeyReused
from kamavor.volunteers import services
from kamavor.volunteers.models import SignUp, SignUpReceipt, Volunteer
from tests.volunteers.helpers import make_shift


def _form_key(client, shift) -> str:
    page = client.get(f"/en/shifts/{shift.pk}/").content.decode()
    return re.search(r'name="key" value="([^"]+)"', page).group(1)


def _post(client, shift, key, **data):
    values = {"name": "Ani", "phone": "", "email": "ani@example.org", "languages": ["hy"]}
    values.update(data, key=key)
    return client.post(f"/en/shifts/{shift.pk}/", values, REMOTE_ADDR="10.2.2.2")


def test_the_same_form_sent_twice_takes_one_place_and_answers_the_same(client, w):
    shift = make_shift(w)
    key = _form_key(client, shift)
    first, second = _post(client, shift, key), _post(client, shift, key)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert SignUp.objects.filter(shift=shift).count() == 1 and Volunteer.objects.count() == 1
    assert len(mail.outbox) == 1  # the link is e-mailed once
    token = first["Location"].split("/")[3]
    assert token not in SignUpReceipt.objects.get().link_sealed  # sealed, never in clear


def test_each_form_gets_its_own_key(client, w):
    shift = make_shift(w)
    assert _form_key(client, shift) != _form_key(client, shift)


def test_a_key_sent_again_with_other_values_is_refused_by_the_service(w):
    shift = make_shift(w)
    services.sign_up(shift=shift, name="Ani", phone="091234567", address="a", idempotency_key="k")
    with pytest.raises(IdempotencyKeyReused):
        services.sign_up(
            shift=shift, name="Aram", phone="091234567", address="a", idempotency_key="k"
        )
    assert SignUp.objects.count() == 1


def test_the_form_sent_back_with_other_values_is_another_sign_up(client, w):
    shift = make_shift(w)
    key = _form_key(client, shift)
    first = _post(client, shift, key)
    second = _post(client, shift, key, name="Aram", email="aram@example.org")
    assert first.status_code == second.status_code == 302
    assert first["Location"] != second["Location"]
    assert SignUp.objects.filter(shift=shift).count() == 2


def test_the_same_person_on_a_fresh_form_is_told_and_takes_no_place(client, w):
    shift = make_shift(w)
    _post(client, shift, _form_key(client, shift))
    response = _post(client, shift, _form_key(client, shift), name=" ani ")
    assert response.status_code == 409
    assert "already signed up" in response.content.decode()
    assert "/v/" not in response.content.decode()  # a fresh form never reveals the link
    assert SignUp.objects.filter(shift=shift).count() == 1
    # Someone else giving the same contact (a parent signing up a child) is a new person.
    assert _post(client, shift, _form_key(client, shift), name="Lilit").status_code == 302
    assert SignUp.objects.filter(shift=shift).count() == 2


def test_a_cancelled_sign_up_may_be_made_again(client, w):
    shift = make_shift(w)
    signup, _token = services.sign_up(shift=shift, name="Ani", phone="091234567", address="a")
    services.cancel_sign_up(volunteer=signup.volunteer, signup_id=signup.pk)
    again, _token = services.sign_up(shift=shift, name="Ani", phone="091234567", address="a")
    assert again.pk != signup.pk and not again.cancelled_at
