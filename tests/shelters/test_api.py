"""The shelters through the API: placing (idempotent), bad input, who sees residents."""

from __future__ import annotations

import pytest

from kamavor.privacy.models import AuditEntry
from kamavor.shelters import services
from kamavor.shelters.models import Placement, Unit
from tests.api.conftest import assert_error
from tests.factories import make_household
from tests.shelters.helpers import counters_match, make_shelter


@pytest.fixture
def shelter(w):
    found = make_shelter(w.org, "School No. 5", by=w.coordinator, units={"Room 1": 4, "Gym": 20})
    services.set_partner(shelter=found, by=w.coordinator, partner=w.partner)
    return found


def test_it_places_a_household_once_per_key(w, api, shelter):
    household = make_household(w)
    body = {"household": household.display_code, "shelter": shelter.pk}
    first = api(w.coordinator).post("/placements", body, key="arrival-7")
    assert first.status_code == 201, first.content
    again = api(w.coordinator).post("/placements", body, key="arrival-7")
    assert again.status_code == 201 and again.json() == first.json()
    assert first.json()["people"] == 3 and first.json()["unit"] is not None
    assert Placement.objects.filter(household=household).count() == 1
    assert counters_match(shelter) and shelter.occupied == 3
    reused = api(w.coordinator).post(
        "/placements", {**body, "checked_in_on": "2020-01-01"}, key="arrival-7"
    )
    assert_error(reused, 422, "idempotency_key_reused")


def test_the_last_bed_is_refused_with_a_clear_error(w, api, shelter):
    room = shelter.units.get(name="Room 1")
    services.place_household(household=make_household(w), shelter=shelter, unit=room,
                             by=w.coordinator)  # fmt: skip
    body = {"household": make_household(w).display_code, "shelter": shelter.pk, "unit": room.pk}
    assert_error(api(w.coordinator).post("/placements", body), 409, "no_free_beds")
    assert counters_match(shelter) and shelter.occupied == 3


def test_bad_units_and_dates_change_nothing(w, api, shelter):
    other = make_shelter(w.org, "Hostel", by=w.coordinator, units={"Dorm": 10})
    as_coordinator = api(w.coordinator)
    negative = as_coordinator.post(f"/shelters/{shelter.pk}/units", {"name": "Attic", "beds": -1})
    assert_error(negative, 400, "negative_number")
    foreign = as_coordinator.post(
        f"/shelters/{shelter.pk}/units",
        {"name": "Dorm", "beds": 50, "unit": other.units.get().pk},
    )
    assert_error(foreign, 400, "unit_of_other_shelter")
    assert not Unit.objects.filter(name="Attic").exists()
    assert other.units.get().beds == 10
    placement = services.place_household(
        household=make_household(w), shelter=shelter, by=w.coordinator
    )
    early = as_coordinator.post(
        f"/placements/{placement.pk}/check-out", {"checked_out_on": "2020-01-01"}
    )
    assert_error(early, 400, "check_out_before_check_in")
    placement.refresh_from_db()
    assert placement.checked_out_on is None


def test_check_out_and_move(w, api, shelter):
    other = make_shelter(w.org, "Hostel", by=w.coordinator, units={"Dorm": 10})
    placement = services.place_household(
        household=make_household(w), shelter=shelter, by=w.coordinator
    )
    moved = api(w.coordinator).post(f"/placements/{placement.pk}/move", {"shelter": other.pk})
    assert moved.status_code == 201 and moved.json()["shelter"] == other.pk
    done = api(w.coordinator).post(f"/placements/{moved.json()['id']}/check-out", {})
    assert done.status_code == 200 and done.json()["checked_out_on"]
    assert counters_match(shelter) and counters_match(other) and other.occupied == 0


def test_residents_only_for_the_partner_and_coordinators_and_audited(w, api, shelter):
    household = make_household(w)
    services.place_household(household=household, shelter=shelter, by=w.coordinator)
    seen = api(w.partner).get(f"/shelters/{shelter.pk}/residents")
    assert seen.status_code == 200 and seen.json()[0]["household"] == household.display_code
    assert AuditEntry.objects.filter(household=household, action="view", user=w.partner).exists()
    assert_error(api(w.outsider).get(f"/shelters/{shelter.pk}/residents"), 404, "not_found")
    assert_error(api(w.volunteer).get(f"/shelters/{shelter.pk}/residents"), 403, "forbidden")
    other = make_shelter(w.org, "Hostel", by=w.coordinator)
    assert_error(api(w.partner).get(f"/shelters/{other.pk}"), 404, "not_found")
    assert [s["id"] for s in api(w.partner).get("/shelters").json()] == [shelter.pk]


def test_the_board_and_headcounts(w, api, shelter):
    board = api(w.outsider).get("/shelters/board", size=5).json()
    assert [row["shelter"] for row in board["rows"]] == [shelter.pk]
    assert board["free_beds"] == 24
    assert api(w.partner).get("/shelters/board").status_code == 404
    counted = api(w.partner).post(f"/shelters/{shelter.pk}/headcounts", {"people": 17})
    assert counted.status_code == 200 and counted.json()["people"] == 17
    assert_error(
        api(w.partner).post(f"/shelters/{shelter.pk}/headcounts", {"people": -4}),
        400,
        "negative_number",
    )


def test_every_write_answers_a_retry_with_the_first_answer(w, api, shelter):
    client = api(w.coordinator)
    unit = {"name": "Tent B", "beds": 6, "kind": "tent"}
    first = client.post(f"/shelters/{shelter.pk}/units", unit, key="u1")
    assert client.post(f"/shelters/{shelter.pk}/units", unit, key="u1").json() == first.json()
    assert Unit.objects.filter(name="Tent B").count() == 1
    changed = client.post(f"/shelters/{shelter.pk}/units", {**unit, "beds": 9}, key="u1")
    assert_error(changed, 422, "idempotency_key_reused")
    placement = services.place_household(
        household=make_household(w), shelter=shelter, by=w.coordinator
    )
    out = client.post(f"/placements/{placement.pk}/check-out", {}, key="out-1")
    again = client.post(f"/placements/{placement.pk}/check-out", {}, key="out-1")
    assert out.status_code == again.status_code == 200 and out.json() == again.json()
    assert counters_match(shelter) and shelter.occupied == 0


def test_residents_page_and_audit_only_what_they_show(w, api, shelter):
    households = [make_household(w) for _ in range(3)]
    for household in households:
        services.place_household(household=household, shelter=shelter, by=w.coordinator)
    before = AuditEntry.objects.filter(action="view").count()
    first = api(w.partner).get(f"/shelters/{shelter.pk}/residents", limit=2)
    assert len(first.json()) == 2 and 'rel="next"' in first["Link"]
    assert AuditEntry.objects.filter(action="view").count() == before + 2
    rest = api(w.partner).get(f"/shelters/{shelter.pk}/residents", limit=2, offset=2)
    assert len(rest.json()) == 1 and "Link" not in rest
    shown = {p["household"] for p in first.json() + rest.json()}
    assert shown == {h.display_code for h in households}
