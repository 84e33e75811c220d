"""Volunteers' contact data is protected like households' personal data: sealed at rest (the
raw database holds no name, phone or e-mail), erased after the retention time, re-sealed when
the keys rotate, and the board orders shifts by where hands are missing."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from kamavor.volunteers import services
from kamavor.volunteers.board import open_shifts
from kamavor.volunteers.models import Shift, SignUp, Volunteer
from tests.factories import desk
from tests.households.raw_database import all_text_in_the_database
from tests.volunteers.helpers import make_shift

SECRETS = ["Նարինե", "narine.h@example.org", "94876543", "876543", "876 543"]


def test_no_contact_value_is_stored_in_plain_text(client, w):
    shift = make_shift(w)
    response = client.post(
        f"/hy/shifts/{shift.pk}/",
        {"name": "Նարինե", "phone": "+374 94 876 543", "email": "narine.h@example.org",
         "languages": ["hy"]},
        REMOTE_ADDR="198.51.100.23",
    )  # fmt: skip
    assert response.status_code == 302
    # A coordinator looks at the roster and exports it.
    coordinator = desk(w.coordinator)
    assert "Նարինե" in coordinator.get(f"/desk/{w.point.pk}/shifts/{shift.pk}/").content.decode()
    coordinator.get(f"/desk/{w.point.pk}/shifts/{shift.pk}/roster.csv")
    text = "\n".join(value for _table, _column, value in all_text_in_the_database())
    assert Shift.objects.get().notes in text  # the reader does see the data
    for secret in [*SECRETS, "198.51.100.23", response["Location"].split("/")[3]]:
        assert secret not in text, secret


def test_contacts_are_erased_after_the_retention_time(w):
    old = make_shift(w)
    recent = make_shift(w, in_hours=48)
    gone, _t = services.sign_up(shift=old, name="Old", phone="091000000", address="10.0.0.1")
    kept, _t = services.sign_up(shift=recent, name="New", phone="091000001", address="10.0.0.2")
    Shift.objects.filter(pk=old.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=400),
        ends_at=timezone.now() - dt.timedelta(days=400) + dt.timedelta(hours=4),
    )
    out = StringIO()
    call_command("erase_inactive_personal_data", stdout=out)
    assert "contact data of 1 volunteer" in out.getvalue()
    erased = Volunteer.objects.get(pk=gone.volunteer_id)
    assert (erased.name_sealed, erased.phone_sealed, erased.phone_digest) == ("", "", "")
    assert SignUp.objects.filter(pk=gone.pk).exists()  # the sign-up (hours) stays
    assert Volunteer.objects.get(pk=kept.volunteer_id).name_sealed


def test_key_rotation_reseals_contacts_and_keeps_private_links(client, w):
    with override_settings(ENCRYPTION_KEY="old-key-1"):
        shift = make_shift(w)
        signup, token = services.sign_up(
            shift=shift, name="Aram", email="aram@example.org", address="10.0.0.1"
        )
        before = Volunteer.objects.get()
    with override_settings(ENCRYPTION_KEY="new-key-2,old-key-1"):
        call_command("rotate_encryption_keys", stdout=StringIO())
        after = Volunteer.objects.get()
        assert after.name_sealed != before.name_sealed
        assert after.email_digest != before.email_digest
    with override_settings(ENCRYPTION_KEY="new-key-2"):
        signup = SignUp.objects.select_related("volunteer").get(pk=signup.pk)
        contacts = services.contacts_for(by=w.coordinator, shift=shift, signups=[signup])
        assert contacts[signup.volunteer_id].email == "aram@example.org"
        assert client.get(f"/en/v/{token}/").status_code == 200


def test_the_board_shows_empty_places_first_then_the_soonest(w):
    full_soon = make_shift(w, in_hours=2, hands=1)
    services.sign_up(shift=full_soon, name="Ani", phone="091000000", address="10.0.0.1")
    later = make_shift(w, in_hours=30)
    sooner = make_shift(w, in_hours=5)
    make_shift(w, in_hours=24 * 20)  # too far ahead for the board
    make_shift(w, in_hours=-3, hours=2)  # over
    board = open_shifts()
    assert [s.pk for s in board] == [sooner.pk, later.pk, full_soon.pk]
    assert [s.left for s in board] == [3, 3, 0]
