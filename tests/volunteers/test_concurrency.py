"""Two people taking the last place of a shift at the same moment, and a flood spread over
several connections (as several app processes would see it): the limits hold.

Runs on real, separate database connections (threads), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.test import override_settings

from kamavor.core.errors import Conflict
from kamavor.volunteers import services
from kamavor.volunteers.models import FormHit, SignUp, Volunteer
from tests.factories import build_world
from tests.stock.test_concurrency import run_together
from tests.volunteers.helpers import make_shift

pytestmark = pytest.mark.django_db(transaction=True)


def _sign(shift, name: str, ip: str):
    def call():
        return services.sign_up(shift=shift, name=name, phone="091234567", address=ip)

    return call


def test_two_people_taking_the_last_place_one_wins():
    w = build_world()
    shift = make_shift(w, hands=1)
    results = run_together(_sign(shift, "Ani", "10.0.0.1"), _sign(shift, "Aram", "10.0.0.2"))
    assert len([r for r in results if isinstance(r, tuple)]) == 1, results
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == 1 and refused[0].code == "shift_full", results
    assert SignUp.objects.count() == 1 and Volunteer.objects.count() == 1


@override_settings(KAMAVOR_PUBLIC_FORM_LIMIT=2)
def test_a_flood_over_several_connections_is_still_limited():
    w = build_world()
    shift = make_shift(w, hands=20)
    calls = [_sign(shift, f"Flood {n}", "10.6.6.6") for n in range(5)]
    results = run_together(*calls)
    accepted = [r for r in results if isinstance(r, tuple)]
    limited = [r for r in results if isinstance(r, services.RateLimited)]
    assert len(accepted) == 2 and len(limited) == 3, results
    assert SignUp.objects.count() == len(accepted)
    assert FormHit.objects.count() == len(accepted)


def test_two_submissions_of_one_form_at_the_same_moment_take_one_place():
    w = build_world()
    shift = make_shift(w, hands=5)

    def submit():
        return services.sign_up(
            shift=shift, name="Ani", phone="091234567", address="10.3.3.3",
            idempotency_key="form-1",
        )  # fmt: skip

    results = run_together(submit, submit, submit)
    assert all(isinstance(r, tuple) for r in results), results
    assert len({(signup.pk, token) for signup, token in results}) == 1
    assert sorted(signup.replayed for signup, _token in results) == [False, True, True]
    assert SignUp.objects.count() == 1 and Volunteer.objects.count() == 1


def test_the_same_person_on_two_forms_at_the_same_moment_takes_one_place():
    w = build_world()
    shift = make_shift(w, hands=5)

    def submit(key):
        def call():
            return services.sign_up(
                shift=shift, name="Ani", email="ani@example.org", address="10.4.4.4",
                idempotency_key=key,
            )  # fmt: skip

        return call

    results = run_together(submit("form-a"), submit("form-b"))
    assert len([r for r in results if isinstance(r, tuple)]) == 1, results
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == 1 and refused[0].code == "already_signed_up", results
    assert SignUp.objects.count() == 1
