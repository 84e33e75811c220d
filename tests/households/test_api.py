"""The households API: register, read by code, personal fields only where allowed."""

from __future__ import annotations

import pytest

from kamavor.households.models import Household, PersonalData
from kamavor.network.models import Point
from kamavor.privacy.models import AuditEntry
from tests.api.conftest import assert_error
from tests.factories import make_point

BODY = {
    "composition": {"female_18_59": 1, "male_18_59": 1, "male_6_11": 2},
    "flags": ["chronic_illness"],
    "languages": ["hy"],
    "area": "Ararat",
}
PERSONAL = {
    "collector_name": "Армен Саргсян",
    "phone": "+374 93 111 222",
    "document": "AR0011223",
    "basis": "consent",
    "notice_language": "ru",
    "consent": True,
}


def _body(w, **changes) -> dict:
    return {**BODY, "point": w.point.pk, **changes}


def test_it_registers_a_household(w, api):
    response = api(w.volunteer).post("/households", _body(w, personal=PERSONAL), key="sync-1")
    assert response.status_code == 201, response.content
    data = response.json()
    household = Household.objects.get(code=data["code"])
    assert data["size"] == 4 and data["flags"] == ["chronic_illness"] and data["personal"] is None
    assert PersonalData.objects.filter(household=household).exists()
    again = api(w.volunteer).post("/households", _body(w, personal=PERSONAL), key="sync-1")
    assert again.status_code == 201 and again.json()["code"] == data["code"]
    assert Household.objects.count() == 1


def test_it_registers_in_a_shelter_of_the_organisation_only(w, api):
    shelter = make_point(w.org, "Dormitory 3", Point.Kind.SHELTER)
    response = api(w.coordinator).post("/households", _body(w, shelter=shelter.pk))
    assert response.status_code == 201 and response.json()["shelter"] == shelter.pk
    theirs = make_point(w.other_org, "Goris hostel", Point.Kind.SHELTER)
    assert_error(
        api(w.coordinator).post("/households", _body(w, shelter=theirs.pk)),
        400,
        "unknown_shelter",
    )


def test_it_refuses_what_it_must(w, api):
    assert_error(api().post("/households", _body(w)), 401, "unauthenticated")
    assert_error(api(w.outsider).post("/households", _body(w)), 400, "unknown_point")
    assert_error(api(w.partner).post("/households", _body(w)), 403, "forbidden")
    empty = _body(w, composition={})
    assert_error(api(w.volunteer).post("/households", empty), 400, "empty_household")
    assert_error(
        api(w.volunteer).post("/households", _body(w, composition={"female_0_2": "1"})),
        422,
        "invalid",
    )
    no_consent = {**PERSONAL, "consent": False}
    assert_error(
        api(w.volunteer).post("/households", _body(w, personal=no_consent)),
        400,
        "consent_missing",
    )
    assert Household.objects.count() == 0


def test_a_probable_duplicate_is_refused_until_confirmed(w, api):
    api(w.volunteer).post("/households", _body(w, personal=PERSONAL))
    first = Household.objects.get()
    again = {**PERSONAL, "phone": "093111222", "collector_name": "Armen Sargsyan"}
    body = assert_error(
        api(w.volunteer).post("/households", _body(w, personal=again)), 409, "probable_duplicate"
    )
    assert first.display_code not in body["message"]
    warned = AuditEntry.objects.filter(user=w.volunteer, household=first, action="view")
    assert warned.get().note == "duplicate warning at registration"
    body = assert_error(
        api(w.coordinator).post("/households", _body(w, personal=again)), 409, "probable_duplicate"
    )
    assert first.display_code in body["message"]
    confirmed = _body(w, personal=again, confirm_duplicate=True)
    assert api(w.coordinator).post("/households", confirmed).status_code == 201


@pytest.fixture
def household(w, api):
    response = api(w.volunteer).post("/households", _body(w, personal=PERSONAL))
    return Household.objects.get(code=response.json()["code"])


def test_get_by_code_as_each_persona(w, api, household):
    path = f"/households/{household.display_code}"
    assert api(w.volunteer).get(path).json()["code"] == household.code
    assert_error(api(w.outsider).get(path), 404, "not_found")
    assert_error(api(w.partner).get(path), 403, "forbidden")
    assert_error(api().get(path), 401, "unauthenticated")


def test_personal_fields_only_for_a_coordinator_and_audited(w, api, household):
    path = f"/households/{household.code}"
    assert api(w.coordinator).get(path).json()["personal"] is None
    assert not AuditEntry.objects.filter(action="view").exists()
    assert_error(api(w.volunteer).get(path, personal="true"), 403, "forbidden")
    assert_error(api(w.outsider).get(path, personal="true"), 404, "not_found")
    assert not AuditEntry.objects.filter(action="view").exists()
    data = api(w.coordinator).get(path, personal="true").json()
    assert data["personal"]["phone"] == "+374 93 111 222"
    entry = AuditEntry.objects.get(action="view")
    assert entry.user == w.coordinator and entry.household == household


def test_a_mistyped_code_is_a_clear_error(w, api, household):
    code = household.code
    mistyped = code[:3] + ("A" if code[3] != "A" else "C") + code[4:]
    body = assert_error(
        api(w.volunteer).get(f"/households/{mistyped}"), 400, "mistyped_household_code"
    )
    assert "typing mistake" in body["message"]
    assert_error(api(w.volunteer).get("/households/12"), 400, "invalid_household_code")
