"""Every desk page in Chromium at a 360 px phone and a 1280 px desk, in hy, ru and en.

Each page is photographed into test-artifacts/screens/ (to look at, not compared) and must not
scroll sideways: a page wider than the window hides its buttons on a phone. The main desk pages
also go through axe-core (installed from the npm registry by `make browser`), which must find
no serious or critical accessibility violation.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from kamavor.stock.services import IntakeLine
from tests.browser.conftest import ARTIFACTS
from tests.factories import DeskClient, build_world, donate, make_household

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (360, 1280)
MAX_HEIGHT = 2400
LANGUAGES = ("hy", "ru", "en")
# The pages a volunteer or coordinator uses every day: these go through axe-core too.
MAIN = {"intake", "stock", "distribution", "visit", "households", "register", "requests",
        "shifts", "catalogue", "public", "count-refused"}  # fmt: skip


def _data(w) -> dict:
    """A little of everything, so that pages show rows, not only their empty states."""
    from kamavor.volunteers.services import create_shift

    expiry = timezone.localdate() + dt.timedelta(days=20)
    document = donate(w, IntakeLine(w.rice, 40, expiry=expiry), IntakeLine(w.soap, 25))
    donate(w, IntakeLine(w.jacket, 6, size="110"))
    household = make_household(w, female_0_2=1)
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    start += dt.timedelta(days=1)
    create_shift(point=w.point, task="intake", starts_at=start,
                 ends_at=start + dt.timedelta(hours=4), hands_needed=3,
                 notes="Bring gloves", by=w.coordinator)  # fmt: skip
    lot = w.rice.lots.filter(point=w.point).first()
    return {"document": document, "household": household, "lot": lot}


def _pages(w, data) -> list[tuple[str, str]]:
    p = {"point_id": w.point.pk}
    code = data["household"].code
    pages = [
        ("home", reverse("home") + "?all=1"),
        ("intake", reverse("stock:intake", kwargs=p)),
        ("stock", reverse("stock:point_stock", kwargs=p)),
        ("item", reverse("stock:point_item", kwargs={**p, "item_id": w.rice.pk})),
        ("expiry", reverse("stock:expiry", kwargs=p)),
        ("lot", reverse("stock:lot", kwargs={**p, "lot_id": data["lot"].pk})),
        ("document", reverse("stock:document", kwargs={"document_id": data["document"].pk})),
        ("all-stock", reverse("stock:organisation_stock")),
        ("transfers", reverse("stock:transfers", kwargs=p)),
        ("transfer-new", reverse("stock:transfer_new", kwargs=p)),
        ("counts", reverse("stock:counts", kwargs=p)),
        # A count without items goes back to the counts with an error message.
        ("count-refused", reverse("stock:count_new", kwargs=p)),
        ("kits", reverse("stock:kits", kwargs=p)),
        ("distribution", reverse("distribution:desk", kwargs=p)),
        ("visit", reverse("distribution:visit", kwargs={**p, "code": code})),
        ("deliveries", reverse("distribution:deliveries", kwargs=p)),
        ("in-transit", reverse("distribution:shelter_deliveries")),
        ("households", reverse("households:index")),
        ("register", reverse("households:register")),
        ("household", reverse("households:detail", kwargs={"code": code})),
        ("household-edit", reverse("households:edit", kwargs={"code": code})),
        ("requests", reverse("needs:requests")),
        ("standards", reverse("needs:standards")),
        ("plans", reverse("allocation:plans")),
        ("shifts", reverse("volunteers:shifts", kwargs=p)),
        ("volunteers", reverse("volunteers:hours", kwargs=p)),
        ("public", reverse("public_desk:page", kwargs=p)),
        ("catalogue", reverse("catalogue:items")),
        ("catalogue-item", reverse("catalogue:item", kwargs={"item_id": w.hygiene_kit.pk})),
        ("catalogue-new", reverse("catalogue:item_new")),
        ("field-data", reverse("exchange:queue")),
        ("imports", reverse("exchange:imports")),
    ]
    return pages


def _session_cookie(user, url: str) -> dict:
    client = DeskClient()
    client.force_login(user)  # past the second factor, for the roles that need one
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": url}


def _context(browser, live_server, user, *, language: str, width: int, bypass_csp=False):
    context = browser.new_context(
        viewport={"width": width, "height": 800}, locale="en-GB", bypass_csp=bypass_csp
    )
    context.add_cookies(
        [
            _session_cookie(user, live_server.url),
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _photograph(page, path: Path, width: int) -> None:
    """The page from its top, at most a few screens long: JPEG, and no taller than that, keeps
    the 180 photographs within the test's time (a PNG of a long page costs seconds)."""
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
    page.screenshot(
        path=str(path),
        full_page=True,
        clip={"x": 0, "y": 0, "width": width, "height": height},
        type="jpeg",
        quality=70,
        animations="disabled",
    )


def test_every_desk_page_fits_a_phone_and_a_desk_in_every_language(browser, live_server):
    w = build_world()
    pages = _pages(w, _data(w))
    folder = ARTIFACTS / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    overflow, broken = [], []
    for language in LANGUAGES:
        for width in WIDTHS:
            context, page = _context(browser, live_server, w.coordinator,
                                     language=language, width=width)  # fmt: skip
            for name, path in pages:
                response = page.goto(live_server.url + path)
                if response is None or response.status != 200:
                    broken.append((name, path, response and response.status))
                    continue
                assert page.locator("html").get_attribute("lang") == language
                wide = page.evaluate("document.documentElement.scrollWidth")
                if wide > width:
                    overflow.append(f"{name} {language} {width}: {wide} px")
                _photograph(page, folder / f"{name}-{language}-{width}.jpg", width)
            context.close()
    assert not broken, broken
    assert not overflow, overflow


def test_the_main_desk_pages_have_no_serious_accessibility_violation(browser, live_server):
    assert AXE.exists(), "axe-core is missing: run `make browser`"
    w = build_world()
    pages = [(name, path) for name, path in _pages(w, _data(w)) if name in MAIN]
    pages.append(("login", reverse("login")))
    found = []
    for language, width in (("hy", 1280), ("en", 360)):
        context, page = _context(browser, live_server, w.coordinator, language=language,
                                 width=width, bypass_csp=True)  # fmt: skip
        for name, path in pages:
            if name == "login":
                context.clear_cookies()
            page.goto(live_server.url + path)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(
                "axe.run(document, {resultTypes: ['violations'],"
                " runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa',"
                " 'best-practice']}})"
            )
            for violation in result["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [node["target"] for node in violation["nodes"][:3]]
                    found.append(f"{name} {language} {width}: {violation['id']} {targets}")
        context.close()
    assert not found, "\n".join(found)


def test_on_a_phone_the_frame_is_small_and_the_registration_grid_fits(browser, live_server):
    w = build_world()
    context, page = _context(browser, live_server, w.coordinator, language="hy", width=360)
    page.set_viewport_size({"width": 360, "height": 640})
    page.goto(live_server.url + reverse("households:register"))
    header = page.evaluate("document.querySelector('header').getBoundingClientRect().height")
    assert header <= 640 * 0.2, f"the frame takes {header} px of 640"
    # The point's tabs are there, on a page that belongs to no point.
    intake = reverse("stock:intake", kwargs={"point_id": w.point.pk})
    assert page.locator(f'.tab-list a[href="{intake}"]').count() == 1
    grid = page.evaluate("document.querySelector('table.composition').scrollWidth")
    assert grid <= 360 - 16, f"the composition grid is {grid} px wide"
    # Every box of the grid has its own label (band and sex), read out by screen readers.
    assert page.get_by_label("0–2").count() == 2
    # The menus open without JavaScript's help: <details>.
    page.locator(".more-menu > summary").click()
    expect(page.locator(".more-menu .menu-panel")).to_be_visible()
    context.close()
