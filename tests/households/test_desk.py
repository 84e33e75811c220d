"""The household desk pages, as each persona, then the database."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kamavor.households.models import Household, PersonalData
from kamavor.households.services import Personal
from kamavor.privacy.models import AuditEntry
from tests.factories import desk, make_household, text

OK, LOGIN, HIDDEN, REFUSED = 200, 302, 404, 403
SECRET = Personal(
    collector_name="Անահիտ Պետրոսյան",
    phone="+374 91 234 567",
    document="AN1234567",
    consent=True,
    birth_date="1985-03-14",
)
FORM = {
    "point": None,
    "female_18_59": "1",
    "male_18_59": "1",
    "female_3_5": "1",
    "flags": ["single_caregiver"],
    "languages": ["hy", "ru"],
    "area": "Abovyan",
    "basis": "consent",
    "notice_language": "hy",
    "key": "form-key-1",
}


@pytest.fixture
def household(w):
    return make_household(w, personal=SECRET)


def _form(w, **changes) -> dict:
    return {**FORM, "point": w.point.pk, **changes}


PAGES = [
    ("households:index", False, {"outsider": OK, "partner": REFUSED}),
    ("households:register", False, {"outsider": HIDDEN, "partner": REFUSED}),
    ("households:detail", True, {"outsider": HIDDEN, "partner": REFUSED}),
    ("households:card", True, {"outsider": HIDDEN, "partner": REFUSED}),
    ("households:edit", True, {"outsider": HIDDEN, "partner": REFUSED, "volunteer": REFUSED}),
    ("households:erase", True, {"outsider": HIDDEN, "partner": REFUSED, "volunteer": REFUSED}),
    ("households:merge", True, {"outsider": HIDDEN, "partner": REFUSED, "volunteer": REFUSED}),
    ("households:audit", False, {"outsider": REFUSED, "partner": REFUSED, "volunteer": REFUSED,
                                 "coordinator": REFUSED}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "by_code", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_each_page_for_each_persona(w, household, name, by_code, expected):
    url = reverse(name, args=[household.code] if by_code else [])
    response = desk().get(url)
    assert response.status_code == LOGIN and "/login/" in response["Location"]
    for persona in ("outsider", "partner", "volunteer", "coordinator", "admin"):
        if persona == "outsider" and name == "households:register":
            # the outsider may register in their own organisation: the page is theirs
            continue
        status = desk(getattr(w, persona)).get(url).status_code
        assert status == expected.get(persona, OK), (persona, url, status)


def test_it_registers_a_household_and_shows_its_code(w):
    response = desk(w.volunteer).post(reverse("households:register"), _form(w))
    household = Household.objects.get(registered_by=w.volunteer)
    assert response.status_code == 302 and household.code in response["Location"]
    assert (
        household.size == 3 and household.single_caregiver and household.languages == ["hy", "ru"]
    )
    page = text(desk(w.volunteer).get(response["Location"]))
    assert household.display_code in page


def test_it_registers_once_when_the_form_is_sent_twice(w):
    client = desk(w.volunteer)
    client.post(reverse("households:register"), _form(w))
    client.post(reverse("households:register"), _form(w))
    assert Household.objects.filter(registered_by=w.volunteer).count() == 1


def test_it_shows_duplicate_candidates_to_a_coordinator_before_creating(w, household):
    data = _form(
        w,
        given_name="Анаит",
        family_name="Петросян",
        birth_date="14.3.1985",
        consent="on",
        key="k2",
    )
    page = desk(w.coordinator).post(reverse("households:register"), data)
    assert page.status_code == 200
    body = text(page)
    assert household.display_code in body, body[body.find("<main") :][:3000]
    assert "names agree" in body, body[body.find("<main") :][:1500]
    assert Household.objects.count() == 1
    confirmed = desk(w.coordinator).post(reverse("households:register"), {**data, "confirmed": "1"})
    assert confirmed.status_code == 302 and Household.objects.count() == 2


def test_a_volunteer_is_told_to_ask_a_coordinator_without_seeing_candidates(w, household):
    data = _form(w, phone="091 234567", consent="on", key="k3")
    page = text(desk(w.volunteer).post(reverse("households:register"), data))
    assert "ask a coordinator" in page
    assert household.display_code not in page and household.code not in page
    assert Household.objects.count() == 1
    # The warning told the volunteer the phone is known: that is audited for administrators.
    (entry,) = AuditEntry.objects.filter(user=w.volunteer, household=household)
    assert entry.fields == ["phone"] and entry.note == "duplicate warning at registration"
    assert "091" not in str(entry.note) + str(entry.fields)


def test_the_volunteer_never_sees_personal_fields(w, household):
    page = text(desk(w.volunteer).get(reverse("households:detail", args=[household.code])))
    assert "Պետրոսյան" not in page and "Show personal data" not in page
    response = desk(w.volunteer).post(reverse("households:personal", args=[household.code]))
    assert response.status_code == REFUSED
    assert not AuditEntry.objects.filter(action="view").exists()


def test_the_coordinator_sees_personal_fields_on_request_and_it_is_audited(w, household):
    url = reverse("households:detail", args=[household.code])
    page = text(desk(w.coordinator).get(url))
    assert "Show personal data" in page and "Պետրոսյան" not in page
    response = desk(w.coordinator).post(reverse("households:personal", args=[household.code]))
    assert response.status_code == OK and "Անահիտ Պետրոսյան" in text(response)
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="view", household=household)
    assert entry.user == w.coordinator and entry.fields == [
        "collector_name", "birth_date", "phone", "document"
    ]  # fmt: skip


def test_the_outsider_cannot_see_personal_fields(w, household):
    response = desk(w.outsider).post(reverse("households:personal", args=[household.code]))
    assert response.status_code == HIDDEN
    assert not AuditEntry.objects.filter(action="view").exists()


def test_the_audit_log_is_for_admins(w, household):
    desk(w.coordinator).post(reverse("households:personal", args=[household.code]))
    page = desk(w.admin).get(reverse("households:audit"))
    assert page.status_code == OK and w.coordinator.username in text(page)
    assert desk(w.outsider).get(reverse("households:audit")).status_code == REFUSED


def test_a_mistyped_code_gives_a_clear_error(w, household):
    code = household.code
    swapped = code[1] + code[0] + code[2:] if code[0] != code[1] else code[:6] + code[7] + code[6]
    page = text(desk(w.volunteer).get(reverse("households:index"), {"code": swapped}))
    assert "typing mistake" in page
    page = text(desk(w.volunteer).get(reverse("households:index"), {"code": "hello"}))
    assert "is not a household code" in page
    found = desk(w.volunteer).get(reverse("households:index"), {"code": household.display_code})
    assert found.status_code == 302 and household.code in found["Location"]
    hidden = desk(w.outsider).get(reverse("households:index"), {"code": household.code})
    assert hidden.status_code == OK and "No household has the code" in text(hidden)


def test_edit_and_erase_and_merge(w, household):
    client = desk(w.coordinator)
    edit = reverse("households:edit", args=[household.code])
    data = {"female_18_59": "1", "male_60": "1", "flags": ["disability"], "area": "Masis"}
    assert client.post(edit, data).status_code == 302
    household.refresh_from_db()
    assert household.size == 2 and household.disability and household.area == "Masis"

    assert client.post(reverse("households:erase", args=[household.code])).status_code == 302
    assert not PersonalData.objects.filter(household=household).exists()

    other = make_household(w)
    merge = reverse("households:merge", args=[household.code])
    check = client.post(merge, {"code": other.display_code})
    assert check.status_code == OK and "will be marked as merged" in text(check)
    assert client.post(merge, {"code": other.code, "confirmed": "1"}).status_code == 302
    other.refresh_from_db()
    assert other.merged_into == household and other.status == "merged"


def test_cards_hold_the_code_and_a_qr_and_nothing_personal(w, household):
    page = text(desk(w.volunteer).get(reverse("households:card", args=[household.code])))
    assert household.display_code in page and "<svg" in page
    assert "Պետրոսյան" not in page and "234" not in page.replace(household.display_code, "")
    sheet = desk(w.volunteer).get(reverse("households:cards"), {"code": [household.code]})
    assert text(sheet).count("household-card") >= 1


@pytest.mark.parametrize("name", ["households:index", "households:audit"])
def test_lists_take_a_fixed_number_of_queries(w, name, django_assert_max_num_queries):
    """However many households and audit entries there are, each list reads them once."""
    client = desk(w.admin)
    url = reverse(name)
    counts = []
    for more in (1, 12):
        for _ in range(more):
            household = make_household(w, personal=SECRET)
            client.post(reverse("households:personal", args=[household.code]))  # audited
        with django_assert_max_num_queries(12) as captured:
            assert client.get(url).status_code == OK
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.VIEW).count() >= 13


def test_the_audit_log_pages_and_keeps_its_filter(w, household, django_assert_max_num_queries):
    AuditEntry.objects.bulk_create(
        AuditEntry(user=w.coordinator, organisation=w.org, household=household, action="view")
        for _ in range(150)
    )
    client = desk(w.admin)
    first = client.get(reverse("households:audit"), {"household": household.code})
    assert "Page 1 of 2" in text(first)
    assert f"household={household.code}" in first.content.decode()  # the links keep the filter
    with django_assert_max_num_queries(10):
        second = text(client.get(reverse("households:audit"), {"page": 2}))
    assert "Page 2 of 2" in second


def test_cards_name_the_organisation_and_its_contact(w, household):
    w.org.contact = "+374 10 000 001"
    w.org.save(update_fields=["contact"])
    page = text(desk(w.volunteer).get(reverse("households:card", args=[household.code])))
    assert w.org.name in page and "+374 10 000 001" in page
    sheet = text(desk(w.volunteer).get(reverse("households:cards"), {"code": [household.code]}))
    assert w.org.name in sheet and "+374 10 000 001" in sheet
