"""The requests desk and the standards page, as each persona."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kamavor.needs import services
from kamavor.needs.models import Request
from tests.factories import desk, page_messages, text
from tests.needs.helpers import make_household, make_shelter, make_standard

REQUESTS = "/desk/needs/requests/"


@pytest.fixture
def places(w):
    shelter = make_shelter(w.org, "School No. 5 shelter")
    other_shelter = make_shelter(w.other_org, "Goris hostel")
    household = make_household(w)
    ours = services.create_request(
        by=w.volunteer, household=household, lines=[services.LineIn(2, w.soap)], reason="baby"
    )
    theirs = services.create_request(
        by=w.partner, shelter=shelter, number_of_people=30, lines=[services.LineIn(50, w.rice)]
    )
    other = services.create_request(
        by=w.outsider, shelter=other_shelter, number_of_people=9, lines=[services.LineIn(1, w.soap)]
    )
    return {"shelter": shelter, "other_shelter": other_shelter, "household": household,
            "ours": ours, "theirs": theirs, "other": other}  # fmt: skip


def test_the_pages_need_a_login(w, places):
    for url in (REQUESTS, "/desk/needs/standards/"):
        response = desk().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_coordinator_sees_the_organisations_requests(w, places):
    page = text(desk(w.coordinator).get(REQUESTS))
    assert places["household"].display_code in page and "School No. 5 shelter" in page
    assert "Goris hostel" not in page
    assert 'id="household-request"' in page and 'id="shelter-request"' in page


def test_a_partner_sees_only_its_shelters_requests(w, places):
    page = text(desk(w.partner).get(REQUESTS))
    assert "School No. 5 shelter" in page
    assert places["household"].display_code not in page and "Goris hostel" not in page
    assert 'id="household-request"' not in page and 'id="shelter-request"' in page


def test_a_volunteer_asks_for_households_only(w, places):
    page = text(desk(w.volunteer).get(REQUESTS))
    assert 'id="household-request"' in page and 'id="shelter-request"' not in page


def test_the_outsider_sees_nothing_of_ours(w, places):
    page = text(desk(w.outsider).get(REQUESTS))
    assert "Goris hostel" in page and "School No. 5 shelter" not in page


def test_a_household_request_from_the_desk(w, places):
    client = desk(w.volunteer)
    form = {"code": places["household"].code.lower(), "item": w.jacket.pk, "size": "110",
            "quantity": "1", "urgency": "high", "reason": "cold", "key": "form-1"}  # fmt: skip
    response = client.post(reverse("needs:household_request"), form, follow=True)
    assert "recorded" in page_messages(response)[0]
    client.post(reverse("needs:household_request"), form)  # a double click
    created = Request.objects.get(idempotency_key="form-1")
    assert created.urgency == "high" and created.lines.get().size == "110"
    assert Request.objects.filter(created_by=w.volunteer).count() == 2  # with the fixture's


def test_a_mistyped_or_unknown_code_is_explained(w, places):
    client = desk(w.volunteer)
    response = client.post(
        reverse("needs:household_request"),
        {"code": "ZZZZ", "item": w.soap.pk, "quantity": "1"},
        follow=True,
    )
    assert "is not a household code" in page_messages(response)[0]
    other = make_household(w, org=w.other_org)
    response = client.post(
        reverse("needs:household_request"),
        {"code": other.code, "item": w.soap.pk, "quantity": "1"},
        follow=True,
    )
    assert page_messages(response) == ["No household with this code."]


def test_a_partner_sends_a_shelter_request_with_lines(w, places):
    form = {"shelter": places["shelter"].pk, "number_of_people": "25", "urgency": "critical",
            "item_1": w.soap.pk, "quantity_1": "50",
            "item_2": w.rice.pk, "quantity_2": "10"}  # fmt: skip
    response = desk(w.partner).post(reverse("needs:shelter_request"), form, follow=True)
    assert "recorded" in page_messages(response)[0]
    created = Request.objects.latest("pk")
    assert created.shelter == places["shelter"] and created.number_of_people == 25
    assert [(x.item, x.quantity) for x in created.lines.order_by("pk")] == [
        (w.soap, 50),
        (w.rice, 10),
    ]


def test_shelter_requests_refuse_other_shelters_and_volunteers(w, places):
    form = {"shelter": places["other_shelter"].pk, "number_of_people": "5",
            "item_1": w.soap.pk, "quantity_1": "1"}  # fmt: skip
    assert desk(w.partner).post(reverse("needs:shelter_request"), form).status_code == 404
    form["shelter"] = places["shelter"].pk
    assert desk(w.volunteer).post(reverse("needs:shelter_request"), form).status_code == 403
    response = desk(w.partner).post(
        reverse("needs:shelter_request"), {**form, "number_of_people": ""}, follow=True
    )
    assert page_messages(response) == ["Say how many people the request is for."]
    assert Request.objects.count() == 3


def test_cancel_from_the_desk(w, places):
    url = reverse("needs:cancel", args=[places["theirs"].pk])
    assert desk(w.outsider).post(url).status_code == 404
    assert desk(w.volunteer).post(url).status_code == 403  # sees it, may not change it
    assert Request.objects.get(pk=places["theirs"].pk).state == "open"
    assert (
        desk(w.partner).post(reverse("needs:cancel", args=[places["ours"].pk])).status_code == 404
    )
    response = desk(w.partner).post(url, follow=True)
    assert page_messages(response) == [f"Request #{places['theirs'].pk} cancelled."]
    assert Request.objects.get(pk=places["theirs"].pk).state == "cancelled"


def test_the_standards_page_lists_each_rule_with_its_source(w):
    make_standard("soap-monthly", w.soap, quantity=3, source="Sphere Handbook 2018, WASH")
    page = text(desk(w.partner).get("/desk/needs/standards/"))
    assert "Sphere Handbook 2018, WASH" in page and "Soap bar" in page


def test_the_requests_list_takes_a_fixed_number_of_queries(
    w, places, django_assert_max_num_queries
):
    for _ in range(10):
        lines = [services.LineIn(1, w.soap), services.LineIn(1, w.rice)]
        services.create_request(by=w.volunteer, household=places["household"], lines=lines)
    client = desk(w.coordinator)
    client.get(REQUESTS)
    with django_assert_max_num_queries(14):
        client.get(REQUESTS)


def test_the_open_requests_page_by_page(w, places):
    for n in range(105):  # with the two of the fixture: 107 open requests, two pages
        services.create_request(
            by=w.volunteer, household=places["household"], lines=[services.LineIn(n + 1, w.soap)]
        )
    client = desk(w.coordinator)
    first = text(client.get(REQUESTS))
    assert "Page 1 of 2" in first and f"× {w.rice.name_en}" in first  # oldest first
    second = text(client.get(REQUESTS, {"page": 2}))
    assert "Page 2 of 2" in second and f"× {w.rice.name_en}" not in second
    assert second.count("× Soap bar") == 7
