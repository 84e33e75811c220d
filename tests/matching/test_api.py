"""Registering through the API with the identity fields: the scored warning, its evidence in
words for a coordinator only, and bad input refused."""

from __future__ import annotations

from kamavor.households.models import Household, PersonalData
from kamavor.privacy.models import AuditEntry
from tests.api.conftest import assert_error

BODY = {"composition": {"female_18_59": 1, "female_0_2": 1}}
GAYANE = {
    "given_name": "Գայանե",
    "family_name": "Սաֆարյան",
    "birth_date": "1988-11-05",
    "sex": "female",
    "member_names": "Անի",
    "basis": "consent",
    "notice_language": "hy",
    "consent": True,
}
GAYANE_LATIN = {**GAYANE, "given_name": "Gayane", "family_name": "Safarian",
                "birth_date": "05.11.1988", "member_names": "Ani"}  # fmt: skip


def _body(w, personal) -> dict:
    return {**BODY, "point": w.point.pk, "personal": personal}


def test_the_same_person_in_latin_is_warned_with_evidence_in_words(w, api):
    assert api(w.volunteer).post("/households", _body(w, GAYANE)).status_code == 201
    first = Household.objects.get()
    record = PersonalData.objects.get(household=first)
    assert record.given_name_sealed and "Գայանե" not in record.given_name_sealed
    body = assert_error(
        api(w.volunteer).post("/households", _body(w, GAYANE_LATIN)), 409, "probable_duplicate"
    )
    assert first.display_code not in body["message"] and "1988" not in body["message"]
    body = assert_error(
        api(w.coordinator).post("/households", _body(w, GAYANE_LATIN)), 409, "probable_duplicate"
    )
    assert first.display_code in body["message"]
    assert "names agree" in body["message"] and "birth date agrees" in body["message"]
    warned = AuditEntry.objects.filter(household=first, note="duplicate warning at registration")
    assert warned.count() == 2 and all(e.fields == ["identity"] for e in warned)


def test_an_unreadable_birth_date_or_sex_is_refused_and_nothing_is_written(w, api):
    response = api(w.volunteer).post(
        "/households", _body(w, {**GAYANE, "birth_date": "31.02.1988"})
    )
    assert_error(response, 400, "invalid")
    response = api(w.volunteer).post("/households", _body(w, {**GAYANE, "sex": "x"}))
    assert response.status_code in (400, 422)
    assert not Household.objects.exists()
