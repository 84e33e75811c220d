"""The "needed now" list: open needs against stock and recent intake, with a coordinator's
pins and overrides, and the page following the data as it changes."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamavor.needs.services import LineIn, create_request
from kamavor.public import services
from kamavor.public.models import Level, NeedOverride
from kamavor.public.needs import Figures, level_for, needed_now
from kamavor.stock.services import IntakeLine
from tests.factories import donate, make_member
from tests.needs.helpers import hand_out, make_household, make_standard


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def levels(point) -> dict[str, str]:
    return {line.name: line.level for line in needed_now(point)}


@pytest.mark.parametrize(
    ("figures", "level"),
    [
        (Figures(demand=10, on_hand=0), Level.URGENT),
        (Figures(demand=10, on_hand=2), Level.URGENT),
        (Figures(demand=10, on_hand=3), Level.NEEDED),
        (Figures(demand=10, on_hand=3, pressing=True), Level.URGENT),
        (Figures(demand=10, on_hand=10), Level.ENOUGH),
        (Figures(demand=10, on_hand=100, recent=0), Level.ENOUGH),
        (Figures(demand=10, on_hand=100, recent=5), Level.DO_NOT_BRING),
        (Figures(demand=0, on_hand=100, recent=5), Level.DO_NOT_BRING),
        (Figures(demand=0, on_hand=20, recent=5), None),
        (Figures(demand=0, on_hand=0, recent=0), None),
        # An accepted plan's shortage: needed at least, urgent under a quarter covered.
        (Figures(plan_wanted=10, plan_short=2), Level.NEEDED),
        (Figures(plan_wanted=10, plan_short=8), Level.URGENT),
        (Figures(demand=10, on_hand=10, plan_wanted=10, plan_short=3), Level.NEEDED),
        (Figures(demand=10, on_hand=0, plan_wanted=10, plan_short=1), Level.URGENT),
    ],
)
def test_levels(figures, level):
    assert level_for(figures) == level


def test_household_dues_make_an_item_needed_until_stock_covers_them(w):
    make_standard("soap-monthly", w.soap, quantity=2)
    for _ in range(3):
        make_household(w, female_18_59=1, male_18_59=1)  # 2 people: 4 bars each
    assert levels(w.point)[w.soap.name_en] == Level.URGENT  # 12 due, none on hand
    donate(w, IntakeLine(w.soap, 6))
    cache.clear()
    assert levels(w.point)[w.soap.name_en] == Level.NEEDED
    donate(w, IntakeLine(w.soap, 6))
    assert levels(w.point)[w.soap.name_en] == Level.ENOUGH  # no cache clear: it follows


def test_what_was_handed_out_in_the_period_is_not_needed_again(w):
    make_standard("soap-monthly", w.soap, quantity=2)
    household = make_household(w, female_18_59=1)
    hand_out(w, household, w.soap, 2)
    assert w.soap.name_en not in levels(w.point)


def test_open_requests_count_and_pressing_ones_are_urgent(w):
    household = make_household(w)
    create_request(
        by=w.coordinator,
        household=household,
        lines=[LineIn(quantity=4, item=w.jacket), LineIn(quantity=3, category=w.rice.category)],
        urgency="critical",
    )
    donate(w, IntakeLine(w.jacket, 3, size="110"))
    shown = levels(w.point)
    assert shown[w.jacket.name_en] == Level.URGENT  # 3 of 4, but critical
    assert shown[w.rice.category.name_en] == Level.URGENT


def test_a_surplus_that_keeps_arriving_is_please_do_not_bring(w):
    donate(w, IntakeLine(w.toothpaste, 150, expiry=w.later(300)))
    assert levels(w.point)[w.toothpaste.name_en] == Level.DO_NOT_BRING


def test_another_organisations_needs_do_not_show(w):
    make_standard("soap-monthly", w.soap)
    make_household(w, org=w.other_org)
    assert w.soap.name_en not in levels(w.point)
    assert w.soap.name_en in levels(w.other_point)


def test_a_coordinator_pins_and_overrides_a_line_with_a_note(client, w):
    donate(w, IntakeLine(w.toothpaste, 150, expiry=w.later(300)))
    services.set_override(
        point=w.point, item=w.rice, level=Level.URGENT, pinned=True, note="for 40 families",
        by=w.coordinator,
    )  # fmt: skip
    services.set_override(point=w.point, item=w.toothpaste, level=Level.ENOUGH, by=w.coordinator)
    lines = needed_now(w.point)
    assert (lines[0].name, lines[0].level, lines[0].note) == (
        w.rice.name_en, Level.URGENT, "for 40 families",
    )  # fmt: skip
    assert levels(w.point)[w.toothpaste.name_en] == Level.ENOUGH
    body = client.get(f"/en/{w.point.slug}/").content.decode()
    assert "for 40 families" in body
    # Nothing left to say: the line goes back to what is computed.
    services.set_override(point=w.point, item=w.toothpaste, by=w.coordinator)
    assert levels(w.point)[w.toothpaste.name_en] == Level.DO_NOT_BRING


def test_the_coordinator_page_pins_a_line(w):
    from tests.factories import desk

    response = desk(w.coordinator).post(
        f"/desk/{w.point.pk}/public/line/",
        {"item": w.soap.pk, "level": "needed", "pinned": "on", "note": "bars, not liquid"},
    )
    assert response.status_code == 302
    override = NeedOverride.objects.get(point=w.point)
    assert (override.item, override.pinned, override.note) == (w.soap, True, "bars, not liquid")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"level": "urgent"}, "Choose an item or a category."),
        ({"item": "1", "level": "whatever"}, "Choose a level from the list."),
        ({"item": "1", "note": "x" * 201}, "too long"),
    ],
)
def test_bad_overrides_change_nothing(w, data, error):
    from tests.factories import desk

    client = desk(w.coordinator)
    data = {**data, "item": str(w.soap.pk)} if "item" in data else data
    response = client.post(f"/desk/{w.point.pk}/public/line/", data, follow=True)
    assert error in response.content.decode()
    assert not NeedOverride.objects.exists()


def test_what_the_point_accepts_limits_its_list(client, w):
    make_standard("soap-monthly", w.soap)
    make_standard("rice-monthly", w.rice)
    make_household(w)
    services.update_page(point=w.point, listed=True, accepts=[w.rice.category], by=w.coordinator)
    shown = levels(w.point)
    assert w.rice.name_en in shown and w.soap.name_en not in shown
    body = client.get(f"/en/{w.point.slug}/").content.decode()
    assert "Food" in body and "Hygiene" not in body


def test_a_volunteer_may_not_change_the_public_list(w):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.set_override(point=w.point, item=w.soap, pinned=True, by=w.volunteer)
    with pytest.raises(PermissionDenied):
        services.set_override(point=w.point, item=w.soap, pinned=True, by=w.outsider)
    someone = make_member(w.org, "another-partner", "partner")
    with pytest.raises(PermissionDenied):
        services.update_page(point=w.point, listed=False, accepts=[], by=someone)


def test_an_accepted_plans_shortage_makes_an_item_urgent(w):
    """Soap is due at the desk's point while all of it sits in the warehouse: the sums say
    enough, but a plan for the point alone finds none within its reach."""
    from kamavor.allocation.services import accept_plan, run_plan

    make_standard("soap", w.soap, quantity=2)
    make_household(w, female_18_59=2)  # due 4
    donate(w, IntakeLine(w.soap, 10), point=w.warehouse)
    assert levels(w.point)[w.soap.name] == Level.ENOUGH
    plan = run_plan(organisation=w.org, point=w.point, by=w.coordinator)
    assert levels(w.point)[w.soap.name] == Level.ENOUGH  # a draft plan counts for nothing
    accept_plan(plan=plan, by=w.coordinator)
    assert levels(w.point)[w.soap.name] == Level.URGENT  # the page follows, no cache cleared


def test_the_override_finds_its_item_with_the_search_not_a_long_list(w):
    from tests.factories import desk

    client = desk(w.coordinator)
    url = f"/desk/{w.point.pk}/public/"
    page = client.get(url).content.decode()
    assert '<select id="item"' not in page and 'name="q"' in page
    matches = client.get(url, {"q": "o"}).content.decode()  # several items: numbered matches
    assert 'class="matches"' in matches and matches.count('<button name="item"') > 1
    chosen = client.get(url, {"q": "brindz"}).content.decode()  # one match: chosen at once
    assert f'<input type="hidden" name="item" value="{w.rice.pk}">' in chosen
    chosen = client.get(url, {"item": w.soap.pk}).content.decode()
    assert f'<input type="hidden" name="item" value="{w.soap.pk}">' in chosen


_units = st.dictionaries(st.integers(1, 6), st.integers(0, 400), max_size=6)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    dues=_units,
    asked=_units,
    on_hand=_units,
    recent=_units,
    plans=st.dictionaries(
        st.integers(1, 6), st.tuples(st.integers(0, 50), st.integers(0, 50)), max_size=4
    ),
    categories=_units,
    category_stock=_units,
    pressing=st.sets(st.tuples(st.sampled_from(["item", "category"]), st.integers(1, 6))),
    wanted_only=st.booleans(),
)
def test_the_levels_computed_directly_are_those_of_the_figures(
    db, dues, asked, on_hand, recent, plans, categories, category_stock, pressing, wanted_only
):
    """The network page's levels skip the Figures of each line: the same levels."""
    from kamavor.public.needs import _computed, _figures, _levels

    shortages = {item: (max(a, b), min(a, b)) for item, (a, b) in plans.items()}
    requested = (asked, categories, pressing)
    recent = {} if wanted_only else recent
    args = (dues, requested, on_hand, recent, shortages, category_stock)
    assert _levels(*args, wanted_only=wanted_only) == _computed(
        _figures(*args, wanted_only=wanted_only)
    )
