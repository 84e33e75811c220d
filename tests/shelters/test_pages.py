"""The shelter pages through their URLs: capacity, headcount, residents, board and desk."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kamavor.households.models import Household
from kamavor.privacy.models import AuditEntry
from kamavor.shelters import services
from kamavor.shelters.models import Facility, Headcount, Placement, Unit
from tests.factories import desk, make_household, page_messages, text
from tests.shelters.helpers import counters_match, make_shelter


@pytest.fixture
def shelter(w):
    found = make_shelter(w.org, "School No. 5", by=w.coordinator, units={"Room 1": 4, "Gym": 20})
    services.set_partner(shelter=found, by=w.coordinator, partner=w.partner)
    return found


def test_the_partner_adds_a_unit_from_its_page(w, shelter):
    client = desk(w.partner)
    page = client.get(reverse("shelters:shelter", args=[shelter.pk]))
    assert page.status_code == 200 and "Room 1" in text(page)
    response = client.post(
        reverse("shelters:unit", args=[shelter.pk]),
        {"name": "Tent A", "kind": "tent", "beds": "8", "wheelchair": "1"},
        follow=True,
    )
    assert "Tent A saved." in page_messages(response)
    unit = Unit.objects.get(name="Tent A")
    assert unit.beds == 8 and unit.wheelchair and unit.kind == "tent"


def test_negative_beds_from_the_page_are_refused(w, shelter):
    response = desk(w.coordinator).post(
        reverse("shelters:unit", args=[shelter.pk]), {"name": "Attic", "beds": "-3"}, follow=True
    )
    assert "Beds cannot be negative." in page_messages(response)
    assert not Unit.objects.filter(name="Attic").exists()


def test_a_unit_of_another_shelter_from_the_page_is_refused(w, shelter):
    other = make_shelter(w.org, "Hostel", by=w.coordinator, units={"Dorm": 10})
    dorm = other.units.get()
    response = desk(w.coordinator).post(
        reverse("shelters:unit", args=[shelter.pk]),
        {"unit": dorm.pk, "name": "Dorm", "beds": "99", "active": "1"},
        follow=True,
    )
    assert "This unit belongs to another shelter." in page_messages(response)
    dorm.refresh_from_db()
    assert dorm.beds == 10


def test_facilities_and_headcount_from_the_page(w, shelter):
    client = desk(w.partner)
    client.post(
        reverse("shelters:facility", args=[shelter.pk]),
        {"kind": "heating", "state": "needs_repair", "count": "2"},
    )
    assert Facility.objects.get(shelter=shelter).state == "needs_repair"
    client.post(reverse("shelters:headcount", args=[shelter.pk]), {"people": "12"})
    assert Headcount.objects.get(shelter=shelter).people == 12


def test_residents_are_shown_to_the_partner_and_every_look_is_audited(w, shelter):
    household = make_household(w)
    services.place_household(household=household, shelter=shelter, by=w.coordinator)
    before = AuditEntry.objects.filter(household=household, action="view").count()
    page = desk(w.partner).get(reverse("shelters:residents", args=[shelter.pk]))
    assert household.display_code in text(page)
    assert AuditEntry.objects.filter(household=household, action="view").count() == before + 1


def test_residents_are_hidden_from_others(w, shelter):
    url = reverse("shelters:residents", args=[shelter.pk])
    assert desk(w.outsider).get(url).status_code == 404
    assert desk(w.volunteer).get(url).status_code == 403
    services.set_partner(shelter=shelter, by=w.coordinator, partner=w.partner, linked=False)
    assert desk(w.partner).get(url).status_code == 404


def test_check_out_before_check_in_from_the_page_changes_nothing(w, shelter):
    placement = services.place_household(
        household=make_household(w), shelter=shelter, by=w.coordinator
    )
    response = desk(w.partner).post(
        reverse("shelters:check_out", args=[placement.pk]), {"on": "2020-01-01"}, follow=True
    )
    assert any("cannot be before the check-in" in m for m in page_messages(response))
    placement.refresh_from_db()
    assert placement.checked_out_on is None and counters_match(shelter)


def test_the_board_lists_free_beds_with_filters(w, shelter):
    make_shelter(w.other_org, "Goris hostel", by=w.outsider, units={"Dorm": 30}, wheelchair=True)
    client = desk(w.coordinator)

    def names(**query):
        return [
            row.name for row in client.get(reverse("shelters:board"), query).context["board"].rows
        ]

    assert names() == ["Goris hostel", "School No. 5"]  # the whole network, most free first
    assert names(wheelchair="1") == ["Goris hostel"]
    assert names(size="25") == ["Goris hostel"]
    assert names(region="Goris") == []
    assert "30 free beds" in text(client.get(reverse("shelters:board"), {"size": "25"}))
    assert desk(w.partner).get(reverse("shelters:board")).status_code == 403


def test_the_board_costs_the_same_queries_for_more_shelters(w, shelter, django_assert_num_queries):
    client = desk(w.coordinator)
    client.get(reverse("shelters:board"))
    for n in range(5):
        make_shelter(w.org, f"Extra {n}", by=w.coordinator, units={"Hall": 10 + n})
    with django_assert_num_queries(8):
        client.get(reverse("shelters:board"))


def test_the_desk_registers_an_arrival_and_places_it(w, shelter):
    client = desk(w.coordinator)
    response = client.post(
        reverse("shelters:register_here"),
        {"female_18_59": "1", "male_6_11": "2", "key": "arrival-1"},
    )
    household = Household.objects.latest("pk")
    assert household.size == 3
    page = client.get(response["Location"])
    assert "Place here" in text(page)
    suggestion = page.context["suggestions"][0]
    assert suggestion.unit.name == "Room 1"  # the best fit keeps the gym for larger families
    body = {
        "code": household.code,
        "shelter": suggestion.shelter.pk,
        "unit": suggestion.unit.pk,
        "key": "place-1",
    }
    client.post(reverse("shelters:place"), body)
    client.post(reverse("shelters:place"), body)  # a double click places once
    assert Placement.objects.filter(household=household).count() == 1
    household.refresh_from_db()
    assert household.shelter_id == shelter.pk and counters_match(shelter)


def test_the_desk_keeps_wheelchair_users_to_accessible_units(w, shelter):
    services.save_unit(shelter=shelter, by=w.coordinator, name="Ground", beds=5, wheelchair=True)
    household = make_household(w)
    household.disability = True
    household.save(update_fields=["disability"])
    page = desk(w.coordinator).get(reverse("shelters:desk"), {"code": household.code})
    assert [s.unit.name for s in page.context["suggestions"]] == ["Ground"]


@pytest.mark.parametrize("language", ["hy", "ru"])
def test_the_shelter_pages_speak_armenian_and_russian(w, shelter, language):
    client = desk(w.coordinator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    words = {"hy": ("Ազատ մահճակալներ ցանցում", "Ավելացնել միավոր"),
             "ru": ("Свободные кровати в сети", "Добавить помещение")}[language]  # fmt: skip
    assert words[0] in text(client.get(reverse("shelters:board")))
    assert words[1] in text(client.get(reverse("shelters:shelter", args=[shelter.pk])))


def test_writes_refuse_anonymous_and_the_outsider(w, shelter):
    placement = services.place_household(
        household=make_household(w), shelter=shelter, by=w.coordinator
    )
    posts = [
        reverse("shelters:unit", args=[shelter.pk]),
        reverse("shelters:facility", args=[shelter.pk]),
        reverse("shelters:settings", args=[shelter.pk]),
        reverse("shelters:headcount", args=[shelter.pk]),
        reverse("shelters:building_request", args=[shelter.pk]),
        reverse("shelters:check_out", args=[placement.pk]),
        reverse("shelters:move", args=[placement.pk]),
    ]
    for url in posts:
        assert desk().post(url, {"name": "X", "beds": "1"}).status_code == 302, url
        assert desk(w.outsider).post(url, {"name": "X", "beds": "1"}).status_code == 404, url
        assert desk(w.volunteer).post(url, {"name": "X", "beds": "1"}).status_code == 403, url
    assert not Unit.objects.filter(name="X").exists()
    placement.refresh_from_db()
    assert placement.checked_out_on is None


def test_the_board_exports_aggregated_counts_with_hxl_tags(w, shelter):
    import csv
    import io

    household = make_household(w)
    services.place_household(household=household, shelter=shelter, by=w.coordinator)
    response = desk(w.coordinator).get(reverse("shelters:board_csv"))
    assert household.code not in response.content.decode()  # counts only, never who
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Shelter", "Organisation", "City"]
    assert rows[1][0] == "#loc+name"
    assert rows[2][:6] == ["School No. 5", w.org.name, "Yerevan", "24", "3", "21"]
    assert desk(w.partner).get(reverse("shelters:board_csv")).status_code == 403
