"""A coordinator finds a household by its exact phone or document number; each lookup is
audited and the value typed is stored nowhere."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kamavor.households.services import Personal
from kamavor.privacy.models import AuditEntry
from tests.factories import desk, make_household, text
from tests.households.raw_database import all_text_in_the_database

OK, LOGIN, HIDDEN, REFUSED = 200, 302, 404, 403
PHONE = "+374 93 456 789"
DOCUMENT = "AK 5566778"
SECRET = Personal(collector_name="Սոնա Մարտիրոսյան", phone=PHONE, document=DOCUMENT, consent=True)
LOOKUP = reverse("households:lookup")


@pytest.fixture
def household(w):
    return make_household(w, personal=SECRET)


def look_up(user, value: str, by: str = "phone"):
    return desk(user).post(LOOKUP, {"by": by, "value": value})


def lookup_part(page) -> str:
    """The lookup form and its result (the page also lists the latest registrations)."""
    html = text(page)
    start = html.index('id="lookup"')
    return html[start : html.index("</form>", start)]


def test_it_finds_the_household_by_phone_however_it_is_typed(w, household):
    other = make_household(w, personal=Personal(phone="+374 99 000 111", consent=True))
    page = look_up(w.coordinator, "093-45-67-89")
    assert page.status_code == OK and "no-store" in page["Cache-Control"]
    found = lookup_part(page)
    assert reverse("households:detail", args=[household.code]) in found
    assert "1 household has it" in found and other.display_code not in found
    assert "093-45-67-89" not in text(page)  # what was typed is not shown again
    entry = AuditEntry.objects.get(action="view")
    assert (entry.user, entry.household, entry.fields, entry.note) == (
        w.coordinator,
        household,
        ["phone"],
        "lookup by phone",
    )


def test_it_finds_the_household_by_document(w, household):
    page = look_up(w.admin, "ak5566778", by="document")
    assert household.display_code in lookup_part(page)
    entry = AuditEntry.objects.get(action="view")
    assert (entry.user, entry.household, entry.fields, entry.note) == (
        w.admin,
        household,
        ["document"],
        "lookup by document",
    )


def test_a_lookup_that_finds_nothing_is_audited_too(w, household):
    page = look_up(w.coordinator, "+374 10 000 000")
    assert "No household has it." in lookup_part(page)
    entry = AuditEntry.objects.get(action="view")
    assert entry.household is None and entry.organisation == w.org
    assert entry.note == "lookup by phone"


def test_it_refuses_what_is_not_a_phone_or_a_document_without_auditing(w, household):
    assert "too short" in lookup_part(look_up(w.coordinator, "12"))
    assert "letters and digits" in lookup_part(look_up(w.coordinator, "--", by="document"))
    assert look_up(w.coordinator, "").status_code == OK
    assert not AuditEntry.objects.filter(action="view").exists()


def test_the_outsider_finds_nothing_of_another_organisation(w, household):
    page = look_up(w.outsider, PHONE)
    assert page.status_code == OK and household.display_code not in lookup_part(page)
    entry = AuditEntry.objects.get(action="view")
    assert entry.organisation == w.other_org and entry.household is None


def test_only_roles_that_see_personal_data_have_the_form(w, household):
    index = reverse("households:index")
    assert 'id="lookup"' in text(desk(w.coordinator).get(index))
    assert 'id="lookup"' not in text(desk(w.volunteer).get(index))
    response = desk().post(LOOKUP, {"by": "phone", "value": PHONE})
    assert response.status_code == LOGIN and "/login/" in response["Location"]
    for persona in ("volunteer", "partner"):
        assert look_up(getattr(w, persona), PHONE).status_code == REFUSED, persona
    assert desk(w.coordinator).get(LOOKUP).status_code == 405
    assert not AuditEntry.objects.filter(action="view").exists()


def test_the_value_looked_up_is_stored_nowhere(w, household):
    look_up(w.coordinator, PHONE)
    look_up(w.coordinator, "+374 77 123 987")
    look_up(w.coordinator, "XZ 9988776", by="document")
    values = all_text_in_the_database()
    assert any(note == "lookup by phone" for _t, _c, note in values)
    for secret in ("456789", "456 789", "123987", "123 987", "9988776", "5566778"):
        assert not [(t, c) for t, c, value in values if secret in value], secret
