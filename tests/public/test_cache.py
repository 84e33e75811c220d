"""The public pages' cache: a kept page is sent without queries, never shows stock older than
its stated window after a posting, keeps the security headers, and answers conditional GETs."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from kamavor.needs.models import Request
from kamavor.needs.services import LineIn, cancel_request, create_request
from kamavor.public import cache as page_cache
from kamavor.public import services
from kamavor.public.models import Level
from kamavor.stock.services import IntakeLine
from tests.factories import donate
from tests.needs.helpers import make_household, make_standard


class Clock:
    """The cache's clock, moved forward by the test (time frozen otherwise)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(page_cache, "clock", clock)
    return clock


@pytest.fixture
def soap_due(w):
    """Twelve bars of soap due to three households and none on hand: soap is urgent."""
    cache.clear()
    make_standard("soap-monthly", w.soap, quantity=2)
    for _ in range(3):
        make_household(w, female_18_59=1, male_18_59=1)


def soap_line(body: str, w) -> str:
    """The level section the soap line is shown under, on the point's page."""
    before = body[: body.index(w.soap.name_en)]
    return max(Level.values, key=lambda level: before.rfind(f'class="{level}"'))


def test_a_kept_page_is_sent_without_a_query(client, w, clock, django_assert_num_queries):
    path = f"/en/{w.point.slug}/"
    first = client.get(path)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = client.get(path)
    assert again.status_code == 200
    assert again.content == first.content
    clock.advance(page_cache.FRESH_SECONDS)
    with django_assert_num_queries(1):  # is the ledger where it was? yes: sent as kept
        assert client.get(path).content == first.content


@pytest.mark.parametrize("lang", ["hy", "ru", "en"])
def test_a_posting_shows_on_the_network_page_within_the_fresh_window(
    client, w, clock, soap_due, lang
):
    name = getattr(w.soap, f"name_{lang}")
    assert name in client.get(f"/{lang}/").content.decode()  # urgent: named on the network's page
    donate(w, IntakeLine(w.soap, 12))  # now enough: the network's page names it no more
    clock.advance(page_cache.FRESH_SECONDS)
    assert name not in client.get(f"/{lang}/").content.decode()


def test_a_posting_shows_in_the_plain_text_list_within_the_fresh_window(client, w, clock, soap_due):
    path = f"/hy/{w.point.slug}/needs.txt"
    before = client.get(path).content
    donate(w, IntakeLine(w.soap, 12))
    clock.advance(page_cache.FRESH_SECONDS)
    assert client.get(path).content != before


def test_the_point_page_follows_stock_level_by_level(client, w, clock, soap_due):
    path = f"/en/{w.point.slug}/"
    assert soap_line(client.get(path).content.decode(), w) == Level.URGENT
    donate(w, IntakeLine(w.soap, 6))
    clock.advance(page_cache.FRESH_SECONDS)
    assert soap_line(client.get(path).content.decode(), w) == Level.NEEDED
    donate(w, IntakeLine(w.soap, 6))
    clock.advance(page_cache.FRESH_SECONDS)
    assert soap_line(client.get(path).content.decode(), w) == Level.ENOUGH


def test_within_the_fresh_window_the_kept_page_is_sent(client, w, clock, soap_due):
    """The stated window: stock may be up to FRESH_SECONDS old, and no older."""
    path = f"/en/{w.point.slug}/"
    assert soap_line(client.get(path).content.decode(), w) == Level.URGENT
    donate(w, IntakeLine(w.soap, 12))
    clock.advance(page_cache.FRESH_SECONDS / 2)
    assert soap_line(client.get(path).content.decode(), w) == Level.URGENT
    clock.advance(page_cache.FRESH_SECONDS / 2)
    assert soap_line(client.get(path).content.decode(), w) == Level.ENOUGH


def test_what_is_not_stock_shows_within_the_longest_age(client, w, clock):
    path = f"/en/{w.point.slug}/"
    assert "Bring toothpaste" not in client.get(path).content.decode()
    services.set_override(
        point=w.point, item=w.toothpaste, level=Level.URGENT, note="Bring toothpaste", by=w.admin
    )
    clock.advance(page_cache.FRESH_SECONDS)
    assert "Bring toothpaste" not in client.get(path).content.decode()  # the ledger did not move
    clock.advance(page_cache.MAX_AGE_SECONDS)
    assert "Bring toothpaste" in client.get(path).content.decode()


def test_a_request_and_its_cancelling_show_on_the_network_page_within_the_longest_age(
    client, w, clock
):
    """A request writes no stock movement: the totals it moves show when the page is next
    built, at most MAX_AGE_SECONDS later."""
    name = w.toothpaste.name_en
    assert name not in client.get("/en/").content.decode()
    request = create_request(
        by=w.coordinator,
        household=make_household(w),
        lines=[LineIn(item=w.toothpaste, quantity=5)],
        urgency=Request.Urgency.CRITICAL,
    )
    clock.advance(page_cache.MAX_AGE_SECONDS)
    assert name in client.get("/en/").content.decode()  # asked for, none on hand: urgent
    cancel_request(request=request, by=w.coordinator)
    clock.advance(page_cache.MAX_AGE_SECONDS)
    assert name not in client.get("/en/").content.decode()


def test_while_one_thread_rebuilds_the_others_send_the_kept_page(client, w, clock, soap_due):
    path = f"/en/{w.point.slug}/"
    assert soap_line(client.get(path).content.decode(), w) == Level.URGENT
    donate(w, IntakeLine(w.soap, 12))
    clock.advance(page_cache.MAX_AGE_SECONDS)
    key = (False, "testserver", path)
    assert page_cache.store.claim(key)  # as if another thread were building it
    assert soap_line(client.get(path).content.decode(), w) == Level.URGENT
    page_cache.store.release(key)
    assert soap_line(client.get(path).content.decode(), w) == Level.ENOUGH


def test_a_kept_page_carries_the_headers_of_a_built_one(client, w):
    path = f"/en/{w.point.slug}/"
    built = client.get(path)
    kept = client.get(path)
    for header in (
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Content-Language",
        "Content-Type",
        "Cache-Control",
        "ETag",
    ):
        assert kept[header] == built[header], header
    assert not kept.cookies


def test_a_conditional_get_is_answered_from_memory(client, w, django_assert_num_queries):
    path = f"/en/{w.point.slug}/"
    etag = client.get(path)["ETag"]
    with django_assert_num_queries(0):
        response = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag


def test_a_first_conditional_get_fills_the_cache(client, w, django_assert_num_queries):
    path = f"/en/{w.point.slug}/"
    etag = client.get(path)["ETag"]
    page_cache.store.clear()
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    with django_assert_num_queries(0):
        assert client.get(path).status_code == 200


def test_the_query_string_is_not_a_new_page(client, w, django_assert_num_queries):
    client.get("/en/")
    with django_assert_num_queries(0):
        assert client.get("/en/?utm_source=chat").status_code == 200


def test_a_head_request_is_answered_from_memory(client, w, django_assert_num_queries):
    path = f"/en/{w.point.slug}/"
    etag = client.get(path)["ETag"]
    with django_assert_num_queries(0):
        response = client.head(path)
    assert response.status_code == 200 and response["ETag"] == etag and not response.content


def test_pages_with_a_form_or_a_private_link_are_never_kept(client, w):
    client.get("/en/shifts/")
    client.get("/en/no-such-point/")
    assert not page_cache.store.pages


def test_a_signed_in_coordinator_gets_the_same_public_page(client, w):
    path = f"/en/{w.point.slug}/"
    anonymous = client.get(path).content
    client.force_login(w.coordinator)
    assert client.get(path).content == anonymous


def test_the_network_page_names_what_the_point_page_lists_first(client, w, soap_due):
    from kamavor.public.needs import needed_now

    services.set_override(point=w.point, item=w.rice, pinned=True, note="n", by=w.admin)
    body = client.get("/en/").content.decode()
    first = [line.name for line in needed_now(w.point) if line.level in ("urgent", "needed")]
    assert first and all(name in body for name in first[:4])
