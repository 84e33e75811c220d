"""The desks offline, in headless Chromium with the network switched off and on: writes wait in
the outbox (IndexedDB), survive the page being closed, and reach the ledger exactly once."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kamavor.offline.models import HeldWrite
from kamavor.stock.models import Document
from tests.browser.conftest import screenshot
from tests.distribution.factories import make_household, stock_up
from tests.factories import PASSWORD, build_world, desk, make_member, on_hand
from tests.offline.factories import soap_rule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, url: str, user) -> None:
    page.goto(f"{url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url("**/desk/")


def open_desk(page, url: str, *, lists: bool = True) -> None:
    """Open a desk online and wait until its page and lists are kept for offline use."""
    page.goto(url)
    page.wait_for_selector("#offline-layer[data-kept]", state="attached")
    if lists:
        # "synced never" is shown at once; a time only when every list of this desk is kept.
        expect(page.locator("#offline-synced")).not_to_be_empty()
        expect(page.locator("#offline-synced")).not_to_contain_text("never", timeout=15_000)


def status(page) -> str:
    return page.inner_text("#offline-status")


def donate_offline(page, name: str, quantity: int, expiry: str = "") -> None:
    page.fill("#offline-item", name)
    page.dispatch_event("#offline-item", "change")
    page.fill("#offline-quantity", str(quantity))
    if expiry:
        page.fill("#offline-expiry", expiry)
    page.click("#offline-save")
    expect(page.locator("#offline-form-error")).to_contain_text("Saved on this device")


def hand_out_offline(page, code: str, quantity: int | None = None) -> None:
    # The layer has started and drawn its outbox once (a page just opened from the kept copy).
    expect(page.locator("#offline-status")).to_contain_text("Offline")
    page.fill("#offline-household", code)
    page.click("#offline-find")
    expect(page.locator("#offline-lines tbody tr").first).to_be_visible(timeout=15_000)
    if quantity is not None:  # the family takes another number than the list offers
        page.fill(".offline-line-quantity", str(quantity))
        page.dispatch_event(".offline-line-quantity", "change")
    page.click("#offline-save")
    expect(page.locator("#offline-form-error")).to_contain_text("Saved on this device")


def test_writes_made_offline_reach_the_ledger_once(browser, live_server):
    w = build_world()
    soap_rule(1)
    stock_up(w, w.soap, 100)
    households = [make_household(w, female_18_59=1) for _ in range(10)]
    context = browser.new_context(locale="en-GB", service_workers="allow")
    page = context.new_page()
    page.set_default_timeout(15_000)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    log_in(page, live_server.url, w.volunteer)
    intake = f"{live_server.url}/desk/{w.point.pk}/intake/"
    distribution = f"{live_server.url}/desk/{w.point.pk}/distribution/"
    open_desk(page, distribution)
    open_desk(page, intake)

    context.set_offline(True)
    page.reload()  # from the kept copy
    expect(page.locator("#offline-form")).to_be_visible()
    for n in range(20):
        if n % 2:
            donate_offline(page, "Rice, 1 kg", n + 1, expiry="2030-05-31")
        else:
            donate_offline(page, "Soap bar", n + 1)
    expect(page.locator("#offline-status")).to_have_text("Offline — 20 waiting")
    page.goto(distribution)
    for household in households:
        hand_out_offline(page, household.display_code)
    expect(page.locator("#offline-status")).to_have_text("Offline — 30 waiting")
    screenshot(page, "offline-desk-waiting")
    page.close()

    # The laptop is opened again, still offline: the outbox is still there.
    page = context.new_page()
    page.goto(intake)
    expect(page.locator("#offline-status")).to_have_text("Offline — 30 waiting")
    assert Document.objects.count() == 1  # only the stock put there first

    context.set_offline(False)
    page.click("#offline-send")
    expect(page.locator("#offline-status")).to_have_text("Everything is sent.", timeout=60_000)
    assert Document.objects.filter(kind="donation").count() == 21
    assert Document.objects.filter(kind="distribution").count() == 10
    assert on_hand(w.point, w.soap) == 100 + sum(range(1, 21, 2)) - 10
    assert not HeldWrite.objects.exists()
    assert all(url.startswith(live_server.url) for url in requests)
    context.close()


def desk_context(browser, live_server, user, w):
    context = browser.new_context(locale="en-GB", service_workers="allow")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, user)
    open_desk(page, f"{live_server.url}/desk/{w.point.pk}/distribution/")
    return context, page


def test_a_cut_mid_send_doubles_nothing(browser, live_server):
    w = build_world()
    soap_rule(1)
    stock_up(w, w.soap, 20)
    households = [make_household(w, female_18_59=1) for _ in range(3)]
    context, page = desk_context(browser, live_server, w.volunteer, w)
    context.set_offline(True)
    for household in households:
        hand_out_offline(page, household.display_code)
    expect(page.locator("#offline-status")).to_have_text("Offline — 3 waiting")

    # The server takes each write, but the answer never reaches the desk (the hotspot drops).
    cut = []

    def drop_the_answer(route):
        if len(cut) < 2:
            cut.append(route.request.url)
            route.fetch()  # the server posts it…
            route.abort("connectionreset")  # …and the desk hears nothing
        else:
            route.continue_()

    page.route("**/desk/offline/outbox/", drop_the_answer)
    context.set_offline(False)
    page.click("#offline-send")
    expect(page.locator("#offline-status")).to_have_text("Everything is sent.", timeout=60_000)
    assert len(cut) == 2
    assert Document.objects.filter(kind="distribution").count() == 3
    assert on_hand(w.point, w.soap) == 17
    context.close()


def test_conflicts_need_a_decision_and_are_resolved(browser, live_server):
    w = build_world()
    soap_rule(2)
    stock_up(w, w.soap, 3)
    household, other = make_household(w, female_18_59=1), make_household(w, female_18_59=1)
    first, desk_one = desk_context(browser, live_server, w.volunteer, w)
    colleague = make_member(w.org, "aram-volunteer", "volunteer")
    second, desk_two = desk_context(browser, live_server, colleague, w)
    first.set_offline(True)
    second.set_offline(True)
    # Two desks offline serve the same household; a third hand-out finds too little stock.
    hand_out_offline(desk_one, household.display_code)
    hand_out_offline(desk_two, household.display_code)
    hand_out_offline(desk_two, other.display_code, quantity=2)
    first.set_offline(False)
    desk_one.click("#offline-send")
    expect(desk_one.locator("#offline-status")).to_have_text("Everything is sent.")
    second.set_offline(False)
    desk_two.click("#offline-send")
    expect(desk_two.locator("#offline-list .offline-held")).to_have_count(2)
    assert "needs a decision" in desk_two.inner_text("#offline-list")
    screenshot(desk_two, "offline-desk-needs-a-decision")
    held = {h.error_code: h for h in HeldWrite.objects.all()}
    assert set(held) == {"repeat_needs_reason", "not_enough_stock"}
    assert Document.objects.filter(kind="distribution").count() == 1

    # The coordinator posts what is possible of the short one and drops the repeat.
    # (The review pages are a coordinator's, behind a second factor: the test client signs in.)
    coordinator = desk(w.coordinator)
    review = coordinator.get(f"/desk/{w.point.pk}/offline/review/")
    assert review.content.decode().count("/desk/offline/held/") == 2
    coordinator.post(
        f"/desk/offline/held/{held['not_enough_stock'].pk}/",
        {"decision": "post", "reason": "one bar was left"},
    )
    coordinator.post(
        f"/desk/offline/held/{held['repeat_needs_reason'].pk}/",
        {"decision": "drop", "reason": "served twice by mistake"},
    )
    assert not HeldWrite.objects.filter(state="open").exists()
    assert on_hand(w.point, w.soap) == 0
    assert Document.objects.filter(kind="distribution", household=other).count() == 1
    assert Document.objects.filter(kind="distribution", household=household).count() == 1
    # On its next sync the desk shows what the coordinator decided.
    desk_two.reload()
    expect(desk_two.locator("#offline-list .offline-decided")).to_have_count(2)
    shown = desk_two.inner_text("#offline-list")
    posted = Document.objects.get(kind="distribution", household=other)
    assert f"decided: posted {posted.number}" in shown
    assert "decided: dropped: served twice by mistake" in shown
    first.close()
    second.close()


def test_a_household_registered_offline_is_registered_once(browser, live_server):
    from kamavor.households.models import Household

    w = build_world()
    context = browser.new_context(locale="en-GB", service_workers="allow")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, w.volunteer)
    register = f"{live_server.url}/desk/households/new/"
    page.goto(register)
    page.wait_for_selector("#offline-layer[data-kept]", state="attached")
    context.set_offline(True)
    page.reload()
    page.fill("#id_female_18_59", "1")
    page.fill("#id_male_0_2", "2")
    page.fill("#id_area", "Abovyan, school 3")
    page.click("form[data-offline=household] button.primary")
    expect(page.locator("#offline-status")).to_have_text("Offline — 1 waiting")
    assert not Household.objects.exists()
    context.set_offline(False)
    page.click("#offline-send")
    expect(page.locator("#offline-status")).to_have_text("Everything is sent.")
    household = Household.objects.get()
    assert (household.female_18_59, household.male_0_2) == (1, 2)
    assert household.area == "Abovyan, school 3"
    assert household.display_code in page.inner_text("#offline-list")
    context.close()


def test_drop_offs_and_sorting_lines_made_offline_are_recorded_once(browser, live_server):
    from kamavor.sorting.models import DropOff, SortingLine
    from kamavor.sorting.services import record_drop_off

    w = build_world()
    open_one = record_drop_off(point=w.point, bags=2, by=w.volunteer)
    context = browser.new_context(locale="en-GB", service_workers="allow")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, w.volunteer)
    door = f"{live_server.url}/desk/{w.point.pk}/sorting/"
    station = f"{live_server.url}/desk/sorting/{open_one.pk}/"
    open_desk(page, door, lists=False)  # the door needs no lists
    open_desk(page, station)

    context.set_offline(True)
    page.goto(door)  # from the kept copy
    page.fill("#id_bags", "3")
    page.click("#drop-off-form button[type=submit]")
    expect(page.locator("#offline-status")).to_have_text("Offline — 1 waiting")
    page.goto(station)
    expect(page.locator("#offline-form")).to_be_visible()
    donate_offline(page, "Soap bar", 4)
    donate_offline(page, "Soap bar", 6)
    expect(page.locator("#offline-status")).to_have_text("Offline — 3 waiting")
    page.close()
    assert DropOff.objects.count() == 1 and not SortingLine.objects.exists()

    page = context.new_page()
    page.goto(station)
    expect(page.locator("#offline-status")).to_have_text("Offline — 3 waiting")
    context.set_offline(False)
    page.click("#offline-send")
    expect(page.locator("#offline-status")).to_have_text("Everything is sent.", timeout=60_000)
    page.click("#offline-send")  # sending again writes nothing more
    expect(page.locator("#offline-status")).to_have_text("Everything is sent.")
    assert DropOff.objects.count() == 2
    assert DropOff.objects.exclude(pk=open_one.pk).get().bags == 3
    assert sorted(SortingLine.objects.values_list("quantity", flat=True)) == [4, 6], (
        page.inner_text("#offline-list"),
        list(HeldWrite.objects.values_list("error_message", flat=True)),
    )
    assert not HeldWrite.objects.exists()
    context.close()
