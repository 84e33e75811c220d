"""The public accounts page: served from the public page cache within its stated windows, and
linked from the public pages of the organisation's points when it publishes its accounts."""

from __future__ import annotations

import pytest

from kamavor.money import services
from kamavor.public import cache as page_cache
from tests.money.conftest import give
from tests.public.test_cache import Clock


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(page_cache, "clock", clock)
    page_cache.store.clear()
    yield clock
    page_cache.store.clear()


def test_the_accounts_are_kept_and_a_donation_shows_within_max_age(
    client, w, fund, clock, django_assert_num_queries
):
    give(fund, w.coordinator, "1000")
    path = f"/hy/funds/{w.org.slug}/"
    first = client.get(path)
    assert first.status_code == 200 and "1\xa0000.00 AMD" in first.content.decode()
    with django_assert_num_queries(0):
        assert client.get(path).content == first.content
    give(fund, w.coordinator, "500")  # money alone does not move the stock ledger
    clock.advance(page_cache.FRESH_SECONDS)
    assert client.get(path).content == first.content  # kept: at most MAX_AGE_SECONDS old
    clock.advance(page_cache.MAX_AGE_SECONDS)
    assert "1\xa0500.00 AMD" in client.get(path).content.decode()


def test_a_point_page_links_to_published_accounts(client, w, clock):
    page = client.get(f"/ru/{w.point.slug}/").content.decode()
    assert 'id="public-accounts"' not in page
    services.create_fund(
        organisation=w.org, name="Hidden", currency="AMD", by=w.admin, public=False
    )
    page_cache.store.clear()
    assert 'id="public-accounts"' not in client.get(f"/ru/{w.point.slug}/").content.decode()
    services.create_fund(organisation=w.org, name="Winter", currency="AMD", by=w.admin)
    page_cache.store.clear()
    page = client.get(f"/ru/{w.point.slug}/").content.decode()
    assert f'href="/ru/funds/{w.org.slug}/" id="public-accounts"' in page
    assert "Куда ушли пожертвованные деньги" in page
