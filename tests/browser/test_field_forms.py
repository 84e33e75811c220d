"""Kamavor's served XForms filled by a real form client: ODK Web Forms' engine
(@getodk/xforms-engine, from the npm registry for the tests only; `make browser` installs it)
runs in Chromium, loads each form as the OpenRosa server serves it, is filled in, and the
instance it produces is posted to the OpenRosa server from the page, as a web form would."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from kamavor.exchange.models import Submission
from kamavor.households.models import Household
from kamavor.network.models import Point
from kamavor.shelters.access import shelter_record
from kamavor.shelters.models import Headcount
from kamavor.shelters.services import set_partner
from kamavor.stock.models import Document
from tests.factories import PASSWORD, build_world, make_point, on_hand

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENGINE = (
    Path(__file__).resolve().parents[2] / ".tools/node_modules/@getodk/xforms-engine/dist/index.js"
)
LANGUAGES = ["Հայերեն (hy)", "Русский (ru)", "English (en)"]

# Runs in the page: load the served form, set the answers, post the instance it serializes.
FILL_AND_SEND = """async ({formUrl, submitUrl, auth, answers}) => {
  const engine = await import('/__test__/xforms-engine.js');
  const headers = {Authorization: auth, 'X-OpenRosa-Version': '1.0'};
  const xml = await (await fetch(formUrl, {headers})).text();
  const {root} = await engine.createInstance(xml);
  const find = (path) => {
    let found = null;
    const walk = (node) => {
      if (node.definition?.nodeset === path) found = node;
      (node.currentState?.children ?? []).forEach(walk);
    };
    walk(root);
    if (!found) throw new Error('no field ' + path);
    return found;
  };
  for (const [path, value] of answers) {
    if (path.endsWith('+')) { find(path.slice(0, -1)).addChildren(); continue; }
    const node = find(path);
    if (node.nodeType === 'select') {
      if (node.selectValues && Array.isArray(value)) node.selectValues(value);
      else node.selectValue(value);
    } else node.setValue(value);
  }
  const labels = root.languages.map((l) => l.language);
  const payload = await root.prepareInstancePayload();
  const response = await fetch(submitUrl, {method: 'POST', headers, body: payload.data[0]});
  return {status: payload.status, labels, answer: response.status, body: await response.text()};
}"""


@pytest.fixture
def engine_page(page, live_server):
    if not ENGINE.exists():
        pytest.fail("ODK Web Forms' engine is missing: run `make browser`")
    page.route(
        "**/__test__/xforms-engine.js",
        lambda route: route.fulfill(path=str(ENGINE), content_type="text/javascript"),
    )
    page.route(
        "**/__test__/blank",
        lambda route: route.fulfill(
            body="<!doctype html><title>t</title>", content_type="text/html"
        ),
    )
    page.goto(f"{live_server.url}/__test__/blank")
    return page


def fill_and_send(page, live_server, org, user, secret, form_id, answers):
    auth = "Basic " + base64.b64encode(f"{user.username}:{secret}".encode()).decode()
    base = f"{live_server.url}/openrosa/{org.slug}"
    return page.evaluate(
        FILL_AND_SEND,
        {
            "formUrl": f"{base}/forms/{form_id}.xml",
            "submitUrl": f"{base}/submission",
            "auth": auth,
            "answers": answers,
        },
    )


def test_a_household_registered_in_odk_web_forms_lands_sealed(engine_page, live_server):
    w = build_world()
    shelter = make_point(w.org, "Dormitory 3", Point.Kind.SHELTER)
    result = fill_and_send(
        engine_page, live_server, w.org, w.volunteer, PASSWORD, "household",
        [
            ["/data/composition/female_18_59", 1],
            ["/data/composition/male_6_11", 2],
            ["/data/flags", ["disability", "chronic_illness"]],
            ["/data/shelter", shelter.slug],
            ["/data/languages", ["hy", "ru"]],
            ["/data/personal", "yes"],
            ["/data/personal_data/basis", "consent"],
            ["/data/personal_data/notice_language", "ru"],
            ["/data/personal_data/consent", "yes"],
            ["/data/personal_data/collector_name", "Анаит Петросян"],
            ["/data/personal_data/phone", "+374 91 234567"],
        ],
    )  # fmt: skip
    assert result["labels"] == LANGUAGES
    assert result["status"] == "ready" and result["answer"] == 201, result["body"]
    household = Household.objects.get()
    assert (household.female_18_59, household.male_6_11, household.shelter) == (1, 2, shelter)
    assert (
        household.disability and household.chronic_illness and household.languages == ["hy", "ru"]
    )
    assert "Петросян" not in household.personal.collector_name_sealed
    assert Submission.objects.get().status == "accepted"


def test_an_intake_count_and_a_headcount_from_odk_web_forms(engine_page, live_server):
    w = build_world()
    shelter = make_point(w.org, "Dormitory 3", Point.Kind.SHELTER)
    result = fill_and_send(
        engine_page, live_server, w.org, w.volunteer, PASSWORD, "intake",
        [["/data/point", w.point.slug], ["/data/line/item", "soap-bar"],
         ["/data/line/quantity", 6]],
    )  # fmt: skip
    assert result["answer"] == 201, result["body"]
    assert on_hand(w.point, w.soap) == 6 and Document.objects.count() == 1
    token_user = w.partner
    set_partner(shelter=shelter_record(shelter), by=w.coordinator, partner=w.partner)
    result = fill_and_send(
        engine_page, live_server, w.org, token_user, PASSWORD, "headcount",
        [["/data/shelter", shelter.slug], ["/data/people", 37]],
    )  # fmt: skip
    assert result["labels"] == LANGUAGES and result["answer"] == 201, result["body"]
    assert Headcount.objects.get(shelter__point=shelter).people == 37


def test_a_request_for_a_shelter_from_odk_web_forms(engine_page, live_server):
    w = build_world()
    shelter = make_point(w.org, "Dormitory 3", Point.Kind.SHELTER)
    result = fill_and_send(
        engine_page, live_server, w.org, w.partner, PASSWORD, "request",
        [
            ["/data/target", "shelter"],
            ["/data/shelter", shelter.slug],
            ["/data/number_of_people", 30],
            ["/data/urgency", "high"],
            ["/data/line/item", "rice-1kg"],
            ["/data/line/quantity", 30],
        ],
    )  # fmt: skip
    assert result["labels"] == LANGUAGES and result["answer"] == 201, result["body"]
    from kamavor.needs.models import Request

    request = Request.objects.get()
    assert (request.shelter, request.urgency, request.lines.get().quantity) == (shelter, "high", 30)


def test_the_field_data_pages_fit_a_phone_and_pass_axe(browser, live_server):
    from django.urls import reverse

    from tests.browser.test_screens import AXE, _context
    from tests.exchange.helpers import waiting_submission

    w = build_world()
    waiting = waiting_submission(w)
    pages = [
        reverse("exchange:queue"),
        reverse("exchange:submission_page", args=[waiting.pk]),
        reverse("exchange:imports"),
    ]
    found = []
    for language, width in (("hy", 360), ("ru", 1280)):
        context, page = _context(browser, live_server, w.coordinator, language=language,
                                 width=width, bypass_csp=True)  # fmt: skip
        for path in pages:
            assert page.goto(live_server.url + path).status == 200
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(
                "axe.run(document, {resultTypes: ['violations'],"
                " runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'best-practice']}})"
            )
            found += [
                f"{path} {language}: {v['id']}"
                for v in result["violations"]
                if v["impact"] in ("serious", "critical")
            ]
        context.close()
    assert not found, found
