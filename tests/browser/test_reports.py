"""Dashboards and exports in Chromium: the charts draw in each language, with their tables, and
an export link downloads a file while the list stays on the screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from kamavor.stock.services import IntakeLine
from tests.browser.conftest import assert_same_origin, screenshot
from tests.browser.test_desk_links import log_in
from tests.factories import build_world, donate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLES = {
    "hy": "Առկա պաշարն ըստ կատեգորիաների",
    "ru": "Остатки по категориям",
    "en": "Stock on hand by category",
}


@pytest.mark.parametrize("lang", ["hy", "ru", "en"])
def test_the_dashboard_draws_its_charts_in_each_language(page, live_server, lang):
    w = build_world()
    donate(w, IntakeLine(w.soap, 7), IntakeLine(w.rice, 5, expiry=w.later(10)))
    log_in(page, live_server, w.coordinator)
    page.locator(f"form.languages button[value={lang}]").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/desk/reports/{w.point.pk}/dashboard/")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(7)  # with the sorting backlog of a collection point
    for n in range(7):
        box = charts.nth(n).bounding_box()
        assert box and box["width"] > 300 and box["height"] > 20
    heading = page.get_by_role("heading", name=TITLES[lang])
    expect(heading).to_be_visible()
    # The picture is announced by its title; its numbers are in the table beside it.
    stock = page.locator("#chart-stock")
    expect(stock.get_by_role("img", name=TITLES[lang])).to_be_visible()
    expect(stock.locator("table")).to_contain_text("7")
    bars = stock.locator("svg rect")
    assert bars.count() == 2
    assert page.evaluate("document.documentElement.outerHTML.length") < 100_000
    screenshot(page, f"dashboard-{lang}")
    assert_same_origin(page, live_server.url)


def test_an_export_link_downloads_and_the_list_stays(page, live_server):
    w = build_world()
    donate(w, IntakeLine(w.soap, 7))
    log_in(page, live_server, w.coordinator)
    page.goto(f"{live_server.url}/desk/{w.point.pk}/stock/")
    stock_url = page.url
    with page.expect_download() as info:
        page.get_by_role("link", name="Export XLSX").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    assert Path(download.path()).read_bytes()[:2] == b"PK"
    with page.expect_download() as info:
        page.get_by_role("link", name="Export CSV").click()
    assert "Soap bar" in Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert page.url == stock_url
    expect(page.get_by_role("link", name="Export CSV")).to_be_visible()
    assert_same_origin(page, live_server.url)


def test_the_dashboard_and_print_pages_have_no_serious_accessibility_violation(
    browser, live_server
):
    from django.urls import reverse

    from tests.browser.test_screens import AXE, _context

    w = build_world()
    donate(w, IntakeLine(w.soap, 7), IntakeLine(w.rice, 5, expiry=w.later(10)))
    paths = [
        reverse("reports:point_dashboard", args=[w.point.pk]),
        reverse("reports:organisation_dashboard", args=[w.org.pk]),
        reverse("reports:monthly", args=[w.org.pk]),
    ]
    found = []
    for language, width in (("hy", 1280), ("ru", 360)):
        context, page = _context(browser, live_server, w.coordinator, language=language,
                                 width=width, bypass_csp=True)  # fmt: skip
        for path in paths:
            page.goto(live_server.url + path)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(
                "axe.run(document, {resultTypes: ['violations'],"
                " runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})"
            )
            for violation in result["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [node["target"] for node in violation["nodes"][:3]]
                    found.append(f"{path} {language} {width}: {violation['id']} {targets}")
        context.close()
    assert not found, "\n".join(found)
