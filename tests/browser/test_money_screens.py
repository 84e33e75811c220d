"""The money pages in every language on a phone and a desk: no page wider than the screen, and
no serious accessibility violation (axe-core) on the overview and the donation form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kamavor.money import services, values
from kamavor.network.models import Member
from tests.browser.conftest import screenshot
from tests.browser.test_screens import AXE, LANGUAGES, WIDTHS, _context
from tests.factories import build_world, give_second_factor, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _pages(w) -> tuple[object, list[tuple[str, str]]]:
    treasurer = make_member(w.org, "screen-treasurer", Member.Role.TREASURER)
    give_second_factor(treasurer)
    fund = services.create_fund(
        organisation=w.org, name="Medicine", earmark="medicine", currency="AMD", by=w.admin
    )
    dollars = services.create_fund(organisation=w.org, name="Dollars", currency="USD", by=w.admin)
    record = services.post_money_donation(
        fund=fund, amount="125000", currency="AMD", method="cash", point=w.point, by=treasurer
    )
    services.post_money_donation(
        fund=dollars, amount="300", currency="USD", method="card", by=treasurer
    )
    values.set_rate(organisation=w.org, currency="USD", day="2026-01-01", rate="387.5", by=w.admin)
    org = {"organisation_id": w.org.pk}
    return treasurer, [
        ("money", reverse("money:index")),
        ("money-fund", reverse("money:fund", args=[fund.pk])),
        ("money-donation", reverse("money:donation_new", kwargs=org)),
        ("money-record", reverse("money:record", args=[record.pk])),
        ("money-receipt", reverse("money:receipt", args=[record.pk, "hy"])),
        ("money-transfer", reverse("money:transfer_new", kwargs=org)),
        ("money-cash", reverse("money:cash", kwargs=org)),
        ("money-rates", reverse("money:rates", kwargs=org)),
        ("money-values", reverse("money:values", kwargs=org)),
        ("money-public", reverse("public:accounts", args=["ru", w.org.slug])),
    ]


def test_money_pages_fit_a_phone_and_pass_axe(browser, live_server):
    w = build_world()
    treasurer, pages = _pages(w)
    overflow, broken, found = [], [], []
    for language in LANGUAGES:
        for width in WIDTHS:
            context, page = _context(browser, live_server, treasurer, language=language,
                                     width=width, bypass_csp=True)  # fmt: skip
            for name, path in pages:
                response = page.goto(live_server.url + path)
                if response is None or response.status != 200:
                    broken.append((name, response and response.status))
                    continue
                if language == "hy" and width == 1280:
                    screenshot(page, f"{name}-hy")
                wide = page.evaluate("document.documentElement.scrollWidth")
                if wide > width:
                    overflow.append(f"{name} {language} {width}: {wide} px")
                if name in ("money", "money-donation", "money-receipt", "money-public"):
                    page.add_script_tag(path=str(AXE))
                    result = page.evaluate(
                        "axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag',"
                        " values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice']}})"
                    )
                    found += [
                        f"{name} {language} {width}: {v['id']}"
                        for v in result["violations"]
                        if v["impact"] in ("serious", "critical")
                    ]
            context.close()
    assert not broken, broken
    assert not overflow, overflow
    assert not found, found
