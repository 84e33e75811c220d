"""An arriving family placed from the placement desk, in headless Chromium: registered on the
spot, the suggestions read, "Place here" pressed twice (a double click places once)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kamavor.households.models import Household
from kamavor.shelters import services
from kamavor.shelters.models import Placement
from tests.browser.conftest import assert_same_origin, screenshot
from tests.browser.test_desk_links import log_in
from tests.factories import build_world
from tests.shelters.helpers import counters_match, make_shelter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_places_an_arriving_family(page, live_server):
    w = build_world()
    school = make_shelter(w.org, "School No. 5", by=w.coordinator, units={"Room 1": 4})
    services.save_unit(shelter=school, by=w.coordinator, name="Family room", beds=5,
                       family_room=True)  # fmt: skip
    make_shelter(w.org, "Full hostel", by=w.coordinator, units={"Box": 1})
    log_in(page, live_server, w.coordinator)
    page.goto(f"{live_server.url}/desk/shelters/place/")

    page.fill("#c-female_18_59", "1")
    page.fill("#c-male_6_11", "2")
    page.click("#register-here button[type=submit]")
    page.wait_for_selector("#suggestions")
    household = Household.objects.latest("pk")
    assert household.display_code in page.inner_text("main h2")
    first = page.locator("#suggestions li").first
    expect(first).to_contain_text("School No. 5")
    expect(first).to_contain_text("Family room")  # a family with children: a family room first
    expect(page.locator("#suggestions li")).to_have_count(1)  # the full hostel is not offered
    screenshot(page, "placement-desk-suggestions")
    first.locator("button").dblclick()
    page.wait_for_selector("#placed")
    expect(page.locator("#placed")).to_contain_text("School No. 5")
    screenshot(page, "placement-desk-placed")

    assert Placement.objects.filter(household=household).count() == 1
    household.refresh_from_db()
    assert household.shelter_id == school.pk
    assert counters_match(school) and school.occupied == 3
    assert_same_origin(page, live_server.url)
