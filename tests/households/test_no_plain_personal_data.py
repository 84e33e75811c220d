"""Read the raw database after registering through the desk and the API, viewing, checking
for duplicates and rotating keys: no personal value is anywhere in plain text."""

from __future__ import annotations

from django.urls import reverse

from kamavor.households import services
from kamavor.households.models import Household
from kamavor.households.services import Personal
from tests.api.conftest import Api
from tests.factories import desk
from tests.households.raw_database import all_text_in_the_database

NAME = "Նարինե Հովհաննիսյան"
NAME_RU = "Нарине Оганесян"
PHONE = "+374 94 876 543"
DOCUMENT = "AT 7654321"

# Every form a leak could take: as typed, in other scripts, normalised, folded for search.
SECRETS = [
    "Նարինե",
    "Հովհաննիսյան",
    "Нарине",
    "Оганесян",
    "narine",
    "hovhannisyan",
    "ovanisan",
    "oganesan",
    "94876543",
    "876543",
    "876 543",
    "7654321",
    "AT7654321",
]


def test_no_personal_value_is_stored_in_plain_text(w):
    coordinator = desk(w.coordinator)
    form = {
        "point": w.point.pk,
        "female_18_59": "1",
        "female_0_2": "1",
        "collector_name": NAME,
        "phone": PHONE,
        "document": DOCUMENT,
        "basis": "consent",
        "notice_language": "hy",
        "consent": "on",
        "key": "privacy-1",
        "notes": "control-marker-7",
    }
    assert coordinator.post(reverse("households:register"), form).status_code == 302
    household = Household.objects.get()
    # The same person again, in Russian: the duplicate check, then registered anyway.
    again = {**form, "collector_name": NAME_RU, "key": "privacy-2"}
    assert coordinator.post(reverse("households:register"), again).status_code == 200
    coordinator.post(reverse("households:register"), {**again, "confirmed": "1"})
    # Through the API, and read back with its personal fields.
    api = Api(w.token(w.coordinator))
    body = {
        "point": w.point.pk,
        "composition": {"female_18_59": 1, "female_0_2": 1},
        "personal": {
            "collector_name": NAME,
            "phone": PHONE,
            "document": DOCUMENT,
            "basis": "consent",
            "notice_language": "ru",
            "consent": True,
        },
        "confirm_duplicate": True,
    }
    assert api.post("/households", body, key="privacy-3").status_code == 201
    assert api.get(f"/households/{household.code}", personal="true").status_code == 200
    coordinator.post(reverse("households:personal", args=[household.code]))
    services.find_by_phone(organisation_ids=[w.org.pk], phone=PHONE)
    services.set_personal_data(
        household=household,
        personal=Personal(collector_name=NAME, phone=PHONE, document=DOCUMENT, consent=True),
        by=w.coordinator,
    )
    assert Household.objects.count() == 3

    values = all_text_in_the_database()
    assert any(table == "households_personaldata" for table, _c, _v in values)
    assert any("control-marker-7" in value for _t, _c, value in values)  # the scan sees text
    leaks = [
        (table, column, secret)
        for table, column, value in values
        for secret in SECRETS
        if secret.lower() in value.lower()
    ]
    assert leaks == []
