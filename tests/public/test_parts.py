"""The network page's kept parts (kamavor.public.cache.Parts): after a posting only stock is
read again, and nothing on the page is older than the window docs/public-pages.md states for
it, however often postings rebuild the page in between."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kamavor.public import cache as page_cache
from kamavor.public import services
from kamavor.public.models import Level
from kamavor.shelters import services as shelters
from kamavor.stock.services import IntakeLine
from tests.factories import donate, make_household
from tests.public.test_cache import Clock, soap_due  # noqa: F401 (a fixture)
from tests.shelters.helpers import make_shelter
from tests.volunteers.helpers import make_shift

HALF = page_cache.MAX_AGE_SECONDS / 2


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(page_cache, "clock", clock)
    return clock


def _queries(client, path: str = "/en/") -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_a_rebuild_after_a_posting_reads_stock_alone(client, w, clock, soap_due):  # noqa: F811
    assert w.soap.name_en in client.get("/en/").content.decode()
    donate(w, IntakeLine(w.soap, 12))
    clock.advance(page_cache.FRESH_SECONDS)
    queries, body = _queries(client)
    # The ledger's newest movement, then the asked-for items' balances: nothing else.
    assert queries == 2
    assert w.soap.name_en not in body


def test_the_parts_are_read_again_at_the_longest_age(client, w, clock, soap_due):  # noqa: F811
    cold, _body = _queries(client)
    clock.advance(page_cache.MAX_AGE_SECONDS)
    again, _body = _queries(client)
    # The households' dues are kept for their own (longer) window: the rest is read again.
    assert 2 < again < cold


def test_a_page_built_from_kept_parts_is_as_old_as_they_are(client, w, clock):
    name = w.toothpaste.name_en
    assert name not in client.get("/en/").content.decode()
    services.set_override(
        point=w.point, item=w.toothpaste, level=Level.URGENT, note="Bring toothpaste", by=w.admin
    )
    clock.advance(HALF)
    donate(w, IntakeLine(w.soap, 1))  # the page is rebuilt, its pins taken from the kept parts
    assert name not in client.get("/en/").content.decode()
    # MAX_AGE_SECONDS after the parts were read (not after the rebuild), the pin shows.
    clock.advance(HALF)
    assert name in client.get("/en/").content.decode()


def test_a_new_shift_shows_within_the_longest_age_though_postings_rebuild_the_page(
    client, w, clock
):
    client.get("/en/")
    shift = make_shift(w, in_hours=2)
    link = f"/en/shifts/{shift.pk}/"
    for _ in range(3):
        clock.advance(page_cache.MAX_AGE_SECONDS / 4)
        donate(w, IntakeLine(w.soap, 1))
        assert link not in client.get("/en/").content.decode()
    clock.advance(page_cache.MAX_AGE_SECONDS / 4)
    assert link in client.get("/en/").content.decode()


def test_free_beds_show_within_the_longest_age_though_postings_rebuild_the_page(client, w, clock):
    shelter = make_shelter(w.org, "Old factory", by=w.coordinator, units={"Hall 7": 12})
    assert "at least 10 free beds" in client.get("/en/").content.decode()
    shelters.place_household(household=make_household(w), shelter=shelter, by=w.coordinator)
    clock.advance(page_cache.MAX_AGE_SECONDS - 1)
    donate(w, IntakeLine(w.soap, 1))
    assert "at least 10 free beds" in client.get("/en/").content.decode()
    clock.advance(1)
    assert "at least 5 free beds" in client.get("/en/").content.decode()


def test_each_language_keeps_its_own_parts(client, w, soap_due):  # noqa: F811
    english = client.get("/en/").content.decode()
    armenian = client.get("/hy/").content.decode()
    assert w.soap.name_en in english and w.soap.name_hy in armenian
    assert w.point.name_hy in armenian or w.point.name in armenian
    assert w.soap.name_en not in armenian


def test_the_listed_points_read_by_hand_are_those_of_the_queryset(w):
    from kamavor.network.models import Point
    from kamavor.public.models import listed_points, read_listed_points
    from tests.factories import make_point

    hidden = make_point(w.org, "Hidden point")
    services.update_page(point=hidden, listed=False, accepts=[], by=w.coordinator)
    shown = make_point(w.org, "Also listed")
    services.update_page(point=shown, listed=True, accepts=[], by=w.coordinator)
    make_point(w.org, "A shelter", Point.Kind.SHELTER)
    by_hand = read_listed_points()
    assert [p.pk for p in by_hand] == [p.pk for p in listed_points()]
    assert shown.pk in {p.pk for p in by_hand} and hidden.pk not in {p.pk for p in by_hand}
    assert [(p.slug, p.name_hy, p.city) for p in by_hand] == [
        (p.slug, p.name_hy, p.city) for p in listed_points()
    ]


def test_the_network_pages_shifts_read_by_hand_are_the_boards(w):
    from kamavor.public.models import listed_points
    from kamavor.volunteers import services as volunteers
    from kamavor.volunteers.board import open_shifts
    from tests.volunteers.helpers import sign

    full = make_shift(w, in_hours=5, hands=1)
    sign(full)
    taken = make_shift(w, in_hours=3, hands=3)
    sign(taken)
    cancelled, _token = sign(taken, name="Aram", phone="+374 91 000000", email="a@example.org")
    volunteers.cancel_sign_up(volunteer=cancelled.volunteer, signup_id=cancelled.pk)
    gone = make_shift(w, in_hours=4)
    volunteers.cancel_shift(shift=gone, by=w.coordinator)
    make_shift(w, in_hours=24 * 20)  # past the board's days
    by_hand = open_shifts(limit=5, among=list(listed_points()))
    by_orm = open_shifts(limit=5)
    assert [(s.pk, s.taken, s.left, s.point.slug) for s in by_hand] == [
        (s.pk, s.taken, s.left, s.point.slug) for s in by_orm
    ]
    assert {s.pk: s.taken for s in by_hand} == {taken.pk: 1, full.pk: 1}
