"""The desks' page frame: the point, the role, a few tabs by role and the rest in a menu, on
every desk page, points and no-point pages alike."""

from __future__ import annotations

import re

from django.urls import reverse

from kamavor.network.frame import COOKIE
from tests.factories import desk, text


def _nav(html: str) -> tuple[list[str], list[str]]:
    """The hrefs of the tabs shown and of those in the "More" menu."""
    nav = re.search(r'<nav class="tabs".*?</nav>', html, re.S).group(0)
    tabs = re.search(r'<ul class="tab-list">(.*?)</ul>', nav, re.S).group(1)
    menu = re.search(r'<details class="menu more-menu">(.*?)</details>', nav, re.S)
    hrefs = re.compile(r'href="([^"]+)"')
    return hrefs.findall(tabs), hrefs.findall(menu.group(1)) if menu else []


def test_it_keeps_the_points_tabs_on_households_requests_and_plans(w):
    client = desk(w.coordinator)
    response = client.get(reverse("stock:intake", kwargs={"point_id": w.warehouse.pk}))
    assert response.cookies[COOKIE].value == str(w.warehouse.pk)
    intake = reverse("stock:intake", kwargs={"point_id": w.warehouse.pk})
    for name in ("households:index", "needs:requests", "allocation:plans", "catalogue:items"):
        html = text(client.get(reverse(name)))
        tabs, menu = _nav(html)
        assert intake in tabs, name
        assert reverse("stock:transfers", kwargs={"point_id": w.warehouse.pk}) in menu, name
        assert w.warehouse.name in html


def test_a_coordinator_sees_five_tabs_and_the_rest_in_a_menu(w):
    html = text(desk(w.coordinator).get(reverse("households:index")))
    tabs, menu = _nav(html)
    assert len(tabs) == 5
    assert reverse("households:index") in tabs
    for name in ("allocation:plans", "needs:requests", "catalogue:items", "needs:standards"):
        assert reverse(name) in menu
    assert reverse("public_desk:page", kwargs={"point_id": w.point.pk}) in menu
    assert 'aria-current="page"' in html.split('<ul class="tab-list">')[1].split("</ul>")[0]
    assert "coordinator" in html  # the member's role at this point


def test_a_volunteer_sees_only_what_they_may_use(w):
    html = text(desk(w.volunteer).get(reverse("stock:intake", kwargs={"point_id": w.point.pk})))
    tabs, menu = _nav(html)
    assert len(tabs) == 4
    for forbidden in (
        reverse("allocation:plans"),
        reverse("volunteers:shifts", kwargs={"point_id": w.point.pk}),
        reverse("public_desk:page", kwargs={"point_id": w.point.pk}),
    ):
        assert forbidden not in tabs + menu


def test_a_partner_works_with_requests_and_deliveries(w):
    html = text(desk(w.partner).get(reverse("distribution:shelter_deliveries")))
    tabs, _menu = _nav(html)
    assert tabs == [reverse("needs:requests"), reverse("distribution:shelter_deliveries")]


def test_it_never_shows_a_point_of_another_organisation(w):
    client = desk(w.coordinator)
    client.cookies[COOKIE] = str(w.other_point.pk)
    html = text(client.get(reverse("households:index")))
    assert w.other_point.name not in html
    assert reverse("stock:intake", kwargs={"point_id": w.point.pk}) in _nav(html)[0]


def test_the_point_menu_switches_to_the_same_page_at_another_point(w):
    html = text(desk(w.coordinator).get(reverse("stock:counts", kwargs={"point_id": w.point.pk})))
    assert f'href="{reverse("stock:counts", kwargs={"point_id": w.warehouse.pk})}"' in html


def test_the_user_menu_holds_the_log_out(w):
    html = text(desk(w.coordinator).get(reverse("households:index")))
    menu = re.search(r'<details class="menu user-menu">(.*?)</details>', html, re.S).group(1)
    assert reverse("logout") in menu
