"""A coordinator changes a household's personal data after registration: audited, sealed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kamavor.households.models import Household, PersonalData
from kamavor.households.services import Personal, personal_data_for
from kamavor.privacy.models import AuditEntry
from tests.factories import desk, make_household, text
from tests.households.raw_database import all_text_in_the_database

OK, LOGIN, HIDDEN, REFUSED = 200, 302, 404, 403
SECRET = Personal(collector_name="Արմեն Սարգսյան", phone="+374 91 111 222", consent=True)
CHANGED = {
    "collector_name": "Арина Саркисова",
    "phone": "+374 98 765 432",
    "document": "BD 3141592",
    "basis": "consent",
    "notice_language": "ru",
    "consent": "on",
}


@pytest.fixture
def household(w):
    return make_household(w, personal=SECRET)


def url(household: Household) -> str:
    return reverse("households:edit_personal", args=[household.code])


def test_each_persona(w, household):
    response = desk().get(url(household))
    assert response.status_code == LOGIN and "/login/" in response["Location"]
    expected = {"outsider": HIDDEN, "partner": REFUSED, "volunteer": REFUSED}
    for persona in ("outsider", "partner", "volunteer", "coordinator", "admin"):
        client = desk(getattr(w, persona))
        assert client.get(url(household)).status_code == expected.get(persona, OK), persona
        if persona in expected:
            assert client.post(url(household), CHANGED).status_code == expected[persona], persona
    assert PersonalData.objects.get(household=household).phone_digest == _digest(SECRET.phone)


def _digest(phone: str) -> str:
    from kamavor.privacy.sealing import phone_digest

    return phone_digest(phone)


def test_the_coordinator_changes_the_sealed_values_and_it_is_audited(w, household):
    client = desk(w.coordinator)
    before = PersonalData.objects.get(household=household)
    page = client.get(url(household))
    assert page.status_code == OK and "Արմեն Սարգսյան" in text(page)
    assert "no-store" in page["Cache-Control"]
    opened = AuditEntry.objects.get(action="view", household=household)
    assert opened.user == w.coordinator

    response = client.post(url(household), CHANGED)
    assert response.status_code == 302
    assert response["Location"] == reverse("households:detail", args=[household.code])
    after = PersonalData.objects.get(household=household)
    assert after.phone_sealed != before.phone_sealed and after.document_sealed
    assert after.phone_digest == _digest(CHANGED["phone"]) and after.notice_language == "ru"
    assert personal_data_for(w.coordinator, household)["collector_name"] == "Арина Саркисова"
    entry = AuditEntry.objects.get(action="update", household=household)
    assert entry.user == w.coordinator
    assert entry.fields == ["collector_name", "phone", "document"]

    values = all_text_in_the_database()
    for secret in ("Арина", "Саркисова", "arina", "765432", "765 432", "3141592", "BD3141592"):
        assert not [(t, c) for t, c, v in values if secret.lower() in v.lower()], secret


def test_personal_data_can_be_added_after_registration(w):
    household = make_household(w)
    client = desk(w.coordinator)
    assert client.get(url(household)).status_code == OK
    assert not AuditEntry.objects.exists()  # nothing was opened
    assert client.post(url(household), CHANGED).status_code == 302
    assert AuditEntry.objects.get(household=household).action == "create"
    detail = text(client.get(reverse("households:detail", args=[household.code])))
    assert url(household) in detail


def test_it_shows_what_is_wrong_and_changes_nothing(w, household):
    client = desk(w.coordinator)
    before = PersonalData.objects.get(household=household)
    no_consent = {**CHANGED, "consent": ""}
    page = client.post(url(household), no_consent)
    assert page.status_code == OK and "needs the person&#x27;s consent" in text(page)
    empty = {**CHANGED, "collector_name": "", "phone": "", "document": ""}
    page = client.post(url(household), empty)
    assert page.status_code == OK and "Erase personal data" in text(page)
    after = PersonalData.objects.get(household=household)
    assert after.phone_sealed == before.phone_sealed
    assert not AuditEntry.objects.filter(action__in=["update", "erase"]).exists()


def test_a_merged_household_is_not_changed(w, household):
    from kamavor.households.services import merge_households

    keep = make_household(w)
    merge_households(keep=keep, merge=household, by=w.coordinator)
    page = desk(w.coordinator).post(url(household), CHANGED)
    assert page.status_code == OK and "merged or closed" in text(page)
    assert not PersonalData.objects.filter(household=household).exists()
