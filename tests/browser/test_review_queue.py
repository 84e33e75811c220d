"""The coordinators' review queue in Chromium, in hy, ru and en: the evidence in words in each
language, then a pair dismissed with the keyboard, and no personal value on the page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from kamavor.households.services import Personal
from kamavor.matching.models import Pair
from tests.browser.conftest import assert_same_origin, screenshot
from tests.factories import DeskClient, build_world, make_household

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANNA = Personal(given_name="Աննա", family_name="Զոհրաբյան", birth_date="1970-02-03",
                phone="091 555 111", consent=True)  # fmt: skip
ANNA_RU = Personal(given_name="Анна", family_name="Зограбян", birth_date="3.2.1970",
                   phone="+374 91 555111", consent=True)  # fmt: skip
SAID = {  # "same phone" and "birth date agrees", as each language says it
    "en": ("same phone", "birth date agrees", "Not the same"),
    "ru": ("тот же телефон", "дата рождения совпадает", "Не одно и то же"),
    "hy": ("նույն հեռախոսը", "ծննդյան ամսաթիվը համընկնում է", "Նույնը չեն"),
}


def _open(browser, live_server, user, language):
    client = DeskClient()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    context.add_cookies([
        {"name": settings.SESSION_COOKIE_NAME,
         "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url},
        {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
    ])  # fmt: skip
    page = context.new_page()
    page.requests_made = []
    page.console_errors = []
    page.on("request", lambda request: page.requests_made.append(request.url))
    page.set_default_timeout(15_000)
    return context, page


def test_the_review_queue_speaks_each_language_and_dismisses_with_the_keyboard(
    browser, live_server
):
    w = build_world()
    make_household(w, personal=ANNA)
    make_household(w, personal=ANNA_RU)
    pair = Pair.objects.get()
    for language, (phone, birth, dismiss) in SAID.items():
        context, page = _open(browser, live_server, w.coordinator, language)
        page.goto(live_server.url + reverse("households:review"))
        assert page.locator("html").get_attribute("lang") == language
        row = page.inner_text("#review tbody")
        assert pair.first.display_code in row and phone in row and birth in row
        for secret in ("Աննա", "Анна", "555", "1970"):
            assert secret not in page.content()
        assert page.locator(f"button:has-text('{dismiss}')").count() == 1
        screenshot(page, f"review-queue-{language}")
        assert_same_origin(page, live_server.url)
        context.close()
    context, page = _open(browser, live_server, w.coordinator, "en")
    page.goto(live_server.url + reverse("households:review"))
    page.locator("button:has-text('Not the same')").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Marked as not the same household.")
    assert "Nothing to review." in page.inner_text("#review")
    context.close()
    pair.refresh_from_db()
    assert pair.status == "dismissed" and pair.decided_by == w.coordinator
