"""Free beds on the public network page: summed by organisation and area, rounded down to
fives, never a shelter's name, address, unit or resident; a placement shows within the cache's
stated window (MAX_AGE_SECONDS: placements write no stock movement)."""

from __future__ import annotations

import pytest

from kamavor.public import cache as page_cache
from kamavor.shelters import services
from kamavor.shelters.reads import PUBLIC_STEP, public_free_beds
from tests.factories import make_household
from tests.public.test_cache import Clock
from tests.shelters.helpers import make_shelter


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(page_cache, "clock", clock)
    return clock


@pytest.fixture
def shelters(w):
    """Two shelters of the organisation in Goris (12 and 10 beds) and one in Sisian (3)."""
    made = []
    for name, city, units in (
        ("Old factory", "Goris", {"Hall 7": 12}),
        ("School 2", "Goris", {"Gym": 10}),
        ("Hostel", "Sisian", {"Room 9": 3}),
    ):
        shelter = make_shelter(w.org, name, by=w.coordinator, units=units)
        shelter.point.address = f"{name} secret street"
        shelter.point.city = city
        shelter.point.save(update_fields=["address", "city"])
        made.append(shelter)
    page_cache.store.clear()
    page_cache.parts.clear()
    yield made
    page_cache.store.clear()
    page_cache.parts.clear()


def _row(body: str, w, city: str) -> str:
    line = next(li for li in body.split("<li>") if f"</strong> · {city}:" in li)
    return line.split("</li>")[0]


def test_free_beds_are_summed_by_area_and_rounded_down(w, shelters):
    rows = {(r.organisation, r.area): r.free for r in public_free_beds()}
    assert rows == {(w.org.name, "Goris"): 20, (w.org.name, "Sisian"): 0}
    assert all(free % PUBLIC_STEP == 0 for free in rows.values())


def test_the_public_page_shows_no_shelter_unit_address_or_household(w, shelters, client):
    household = make_household(w)
    placement = services.place_household(household=household, shelter=shelters[0], by=w.coordinator)
    body = client.get("/en/").content.decode()
    assert "at least 15 free beds" in _row(body, w, "Goris")  # 22 - 3 = 19: shown as 15
    assert "fewer than 5 free beds" in _row(body, w, "Sisian")
    for secret in (
        household.display_code,
        household.code,
        placement.unit.name,
        "Old factory",
        "School 2",
        "Hostel",
        "secret street",
    ):
        assert secret not in body, secret


def test_a_placement_shows_within_the_stated_window(w, shelters, client, clock):
    assert "at least 20 free beds" in _row(client.get("/en/").content.decode(), w, "Goris")
    services.place_household(household=make_household(w), shelter=shelters[1], by=w.coordinator)
    # No stock moved: the kept page may be sent until it is MAX_AGE_SECONDS old...
    clock.advance(page_cache.MAX_AGE_SECONDS - 1)
    assert "at least 20 free beds" in _row(client.get("/en/").content.decode(), w, "Goris")
    # ...and never after.
    clock.advance(1)
    assert "at least 15 free beds" in _row(client.get("/en/").content.decode(), w, "Goris")


@pytest.mark.parametrize(
    ("lang", "heading", "figure"),
    [
        ("hy", "Ազատ մահճակալներ կացարաններում", "առնվազն 20"),
        ("ru", "Свободные места", "не меньше 20"),
    ],
)
def test_the_section_is_translated(w, shelters, client, lang, heading, figure):
    body = client.get(f"/{lang}/").content.decode()
    assert heading in body and figure in body
