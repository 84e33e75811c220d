"""A drop-off from the door to another point, in headless Chromium: three bags recorded in two
keys, their tags, two volunteers sorting one bag (with set-aside lines), closing, packing the
goods into a box, the box scanned into a transfer and received at the other point."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from kamavor.network.models import Member
from kamavor.sorting.models import DropOff
from kamavor.stock import services
from kamavor.stock.models import Container, Document
from tests.browser.conftest import assert_same_origin, screenshot
from tests.browser.test_desk_links import log_in
from tests.factories import build_world, make_member, on_hand

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_bag(page, live_server, w, code: str) -> None:
    page.goto(f"{live_server.url}/desk/{w.point.pk}/sorting/")
    page.fill("#find-bag [name=code]", code.lower())  # as typed, or as a scanner sends it
    page.keyboard.press("Enter")
    page.wait_for_selector("#sorting-lines, #find")


def add_line(
    page, query: str, quantity: str, *, expiry: str = "", size: str = "", set_aside: str = ""
) -> None:
    expect(page.locator("#find")).to_be_focused()
    page.keyboard.type(query)
    page.keyboard.press("Enter")
    page.wait_for_selector("#chosen-item")
    expect(page.locator("#line-form [name=quantity]")).to_be_focused()
    page.keyboard.type(quantity)
    if expiry:
        page.fill("#line-form [name=expiry]", expiry)
    if size:
        page.select_option("#line-form [name=size]", size)
    if set_aside:
        page.select_option("#line-form [name=set_aside]", set_aside)
    page.click("#line-form button[type=submit]")
    page.wait_for_selector("#sorting-lines")


def test_a_drop_off_is_sorted_by_two_volunteers_boxed_and_sent(page, live_server, browser):
    w = build_world()
    second = make_member(w.org, "aram-volunteer", Member.Role.VOLUNTEER)
    log_in(page, live_server, w.volunteer)
    page.goto(f"{live_server.url}/desk/{w.point.pk}/sorting/")

    # Three bags of mixed goods: "3", Enter.
    expect(page.locator("#drop-off-form [name=bags]")).to_be_focused()
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    page.wait_for_selector(".tag")
    expect(page.locator(".tag svg")).to_have_count(3)
    drop_off = DropOff.objects.get()
    codes = [bag.display_code for bag in drop_off.bag_set.all()]
    assert all(page.locator(f"text={code}").count() for code in codes)
    assert "tags.css" in " ".join(page.evaluate("[...document.styleSheets].map(s => s.href)"))
    screenshot(page, "sorting-tags")

    # The first volunteer opens a bag by its code and sorts part of it.
    open_bag(page, live_server, w, codes[0])
    later = (dt.date.today() + dt.timedelta(days=400)).strftime("%m.%Y")
    add_line(page, "brindz", "10", expiry=later)
    add_line(page, "brindz", "2", expiry="01.2020", set_aside="expired")

    # A second volunteer, in another sitting, sorts the rest of the same bag.
    page.context.clear_cookies()
    log_in(page, live_server, second)
    open_bag(page, live_server, w, codes[0])
    add_line(page, "мыло", "6")
    add_line(page, "kurtka", "3", size="110")
    add_line(page, "мыло", "1", set_aside="damaged")
    expect(page.locator("#sorting-lines tbody tr")).to_have_count(5)
    assert "lilit-volunteer" in page.inner_text("#drop-off-facts")
    assert "aram-volunteer" in page.inner_text("#drop-off-facts")
    screenshot(page, "sorting-station")

    page.click("#close-form button")
    page.wait_for_selector(".messages li")
    assert "is in stock" in page.inner_text(".messages")
    assert on_hand(w.point, w.rice) == 10 and on_hand(w.point, w.soap) == 6
    assert on_hand(w.point, w.jacket) == 3
    assert "No bags are waiting" in page.inner_text("#sorting-backlog")
    drop_off.refresh_from_db()
    assert drop_off.donation.donor == "" and drop_off.disposal.lines.count() == 2

    # Packed into a box in one click, its label printed.
    page.goto(f"{live_server.url}/desk/sorting/{drop_off.pk}/")
    page.click("#pack-drop-off button")
    page.wait_for_selector("#contents")
    box = Container.objects.get()
    expect(page.locator("#contents tbody tr")).to_have_count(3)
    screenshot(page, "sorting-box")

    # A coordinator scans the box's label and sends it whole to the warehouse.
    page.context.clear_cookies()
    log_in(page, live_server, w.coordinator)
    page.goto(f"{live_server.url}/desk/{w.point.pk}/containers/")
    page.fill("#find-container [name=code]", box.code)
    page.keyboard.press("Enter")
    page.wait_for_selector("#send-form")
    page.select_option("#send-form [name=destination]", str(w.warehouse.pk))
    page.click("#send-form button")
    page.wait_for_url("**/transfers/*/")
    transfer = Document.objects.get(kind=Document.Kind.TRANSFER)
    assert transfer.lines.count() == 3
    services.send_transfer(transfer=transfer, by=w.coordinator)
    page.goto(f"{live_server.url}/desk/transfers/{transfer.pk}/")
    page.click("#receive-form button[type=submit]")
    page.wait_for_selector(".messages li")
    box.refresh_from_db()
    assert box.point == w.warehouse
    assert on_hand(w.warehouse, w.soap) == 6 and on_hand(w.warehouse, w.rice) == 10
    assert on_hand(w.point, w.soap) == 0
    page.goto(f"{live_server.url}/desk/containers/{box.pk}/")
    expect(page.locator("#contents tbody tr")).to_have_count(3)
    screenshot(page, "sorting-box-arrived")
    assert_same_origin(page, live_server.url)
