"""Links from the desks (whose pages htmx swaps in place) to what is not a desk page: a CSV
download must download a file, and a page with its own stylesheet (the public page, the cards
to print) must open whole, with that stylesheet applied."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_same_origin
from tests.factories import build_world, make_household
from tests.volunteers.helpers import make_shift, sign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user) -> None:
    """Signed in with the password and, for a coordinator, past the second factor (its own
    browser test signs in by hand)."""
    from django.conf import settings

    from tests.factories import DeskClient

    client = DeskClient()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/desk/")


def stylesheets(page) -> list[str]:
    return page.evaluate("[...document.styleSheets].map(s => s.href || '')")


def test_it_downloads_the_roster_as_a_file(page, live_server):
    w = build_world()
    shift = make_shift(w)
    sign(shift, name="Ani")
    log_in(page, live_server, w.coordinator)
    page.goto(f"{live_server.url}/desk/{w.point.pk}/shifts/{shift.pk}/")
    roster_url = page.url
    with page.expect_download() as info:
        page.get_by_role("link", name="Export (CSV)").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    assert "Ani" in Path(download.path()).read_text(encoding="utf-8-sig")
    # The roster stays on the screen: the page was not swapped for the CSV's text.
    assert page.url == roster_url
    expect(page.get_by_role("link", name="Export (CSV)")).to_be_visible()
    assert_same_origin(page, live_server.url)


def test_it_opens_the_public_page_with_its_stylesheet(page, live_server):
    w = build_world()
    log_in(page, live_server, w.coordinator)
    page.goto(f"{live_server.url}/desk/{w.point.pk}/public/")
    page.get_by_role("link", name="See the public page").click()
    page.wait_for_url(f"**/en/{w.point.slug}/")
    sheets = stylesheets(page)
    assert any(href.endswith("public.css") for href in sheets), sheets
    assert not any(href.endswith("kamavor.css") for href in sheets), sheets
    # The stylesheet is applied, not only listed: public pages set the body's type size.
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "17px"
    # The page is the public page only: no desk header left from the page before.
    assert page.locator("header.top").count() == 0
    assert_same_origin(page, live_server.url)


def test_it_opens_the_cards_to_print_with_their_stylesheet(page, live_server):
    w = build_world()
    make_household(w, female_18_59=1)
    log_in(page, live_server, w.coordinator)
    page.goto(f"{live_server.url}/desk/households/")
    page.get_by_role("link", name="Print cards").click()
    page.wait_for_url("**/households/cards/**")
    sheets = stylesheets(page)
    assert any(href.endswith("cards.css") for href in sheets), sheets
    assert not any(href.endswith("kamavor.css") for href in sheets), sheets
    assert_same_origin(page, live_server.url)


def test_the_card_shows_its_code_on_one_line(page, live_server):
    w = build_world()
    household = make_household(w, female_18_59=1)
    log_in(page, live_server, w.coordinator)
    page.goto(f"{live_server.url}/desk/households/{household.code}/card/")
    code = page.locator(".household-card .code")
    expect(code).to_have_text(household.display_code)
    lines = code.evaluate(
        "element => { const range = document.createRange(); range.selectNodeContents(element);"
        " return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; }"
    )
    assert lines == 1
    # Nothing of the card's text spills out of the card.
    spill = page.locator(".household-card").evaluate(
        "card => card.scrollWidth - card.clientWidth + card.scrollHeight - card.clientHeight"
    )
    assert spill <= 0
    assert w.org.name in page.inner_text(".household-card")
