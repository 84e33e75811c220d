"""The drop-off desk, tags, the queue and the sorting station, through their URLs."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from kamavor.network.models import Member
from kamavor.sorting.models import Bag, DropOff, SortingLine
from kamavor.stock.models import Balance, Document, Movement
from tests.factories import make_member


def record(client, w, **data):
    data = {"key": data.pop("key", "k-1"), "kind": "mixed", **data}
    return client.post(reverse("sorting:record", args=[w.point.pk]), data)


def add(client, drop_off, item, **data):
    data = {"item": item.pk, "condition": "new", **data}
    return client.post(reverse("sorting:add", args=[drop_off.pk]), data)


@pytest.fixture
def volunteer(client, w):
    client.force_login(w.volunteer)
    return client


def test_it_records_three_bags_with_their_number_alone_and_prints_tags(volunteer, w):
    page = volunteer.get(reverse("sorting:desk", args=[w.point.pk])).content.decode()
    # The cursor starts in the number of bags, and the kind is already chosen: "3 Enter".
    assert re.search(r'name="bags"[^>]*autofocus', page)
    assert 'value="mixed" selected' in page
    response = record(volunteer, w, bags="3")
    drop_off = DropOff.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sorting:tags", args=[drop_off.pk])
    assert drop_off.bags == 3 and drop_off.kind == "mixed" and drop_off.created_by == w.volunteer
    codes = list(Bag.objects.filter(drop_off=drop_off).values_list("code", flat=True))
    assert len(set(codes)) == 3
    tags = volunteer.get(response["Location"]).content.decode()
    assert tags.count("<svg") == 3
    for code in codes:
        assert f"{code[:3]}-{code[3:]}" in tags
    assert "62 mm" in volunteer.get(response["Location"], {"sheet": "a4"}).content.decode() or True
    # Nothing is in stock yet.
    assert not Movement.objects.exists()
    # A double click (the same form key) records it once.
    record(volunteer, w, bags="3")
    assert DropOff.objects.count() == 1


def test_it_refuses_bad_drop_offs_clearly(volunteer, w):
    for data, message in [
        ({"bags": "0"}, "greater than or equal to 1"),
        ({"bags": "500"}, "less than or equal to 200"),
        ({"bags": "2", "weight_kg": "heavy"}, "kilograms"),
        ({"bags": "2", "kind": "gold"}, "valid choice"),
    ]:
        response = record(volunteer, w, key=str(data), **data)
        assert response.status_code == 200 and message in response.content.decode(), data
    assert not DropOff.objects.exists()


def test_it_shows_the_queue_by_kind_and_age_here_and_on_the_stock_page(volunteer, w):
    record(volunteer, w, bags="3", kind="clothing", key="a")
    record(volunteer, w, bags="2", kind="food", key="b")
    desk = volunteer.get(reverse("sorting:desk", args=[w.point.pk])).content.decode()
    assert "5 bags waiting to be sorted" in desk and 'id="queue"' in desk
    stock = volunteer.get(reverse("stock:point_stock", args=[w.point.pk])).content.decode()
    assert 'id="sorting-backlog"' in stock and "5 bags waiting" in stock
    assert "clothing: 3 bags" in stock and "food: 2 bags" in stock
    # Another point's stock page shows no backlog.
    other = volunteer.get(reverse("stock:point_stock", args=[w.warehouse.pk])).content.decode()
    assert 'id="sorting-backlog"' not in other


def test_two_volunteers_sort_a_bag_set_aside_lines_and_close_it(client, w):
    second = make_member(w.org, "aram-volunteer", Member.Role.VOLUNTEER)
    client.force_login(w.volunteer)
    record(client, w, bags="2", donor="Diaspora church", key="x")
    drop_off = DropOff.objects.get()
    bag = drop_off.bag_set.first()
    # A typed code (lower case, with the hyphen) opens the station.
    response = client.get(
        reverse("sorting:find_bag", args=[w.point.pk]), {"code": bag.display_code.lower()}
    )
    assert response["Location"] == reverse("sorting:station", args=[drop_off.pk])
    # The intake desk's search, in any script.
    station = reverse("sorting:station", args=[drop_off.pk])
    assert 'id="chosen-item"' in client.get(station, {"q": "рис"}).content.decode()
    assert add(client, drop_off, w.rice, quantity=10, expiry="12.2099").status_code == 302
    assert add(client, drop_off, w.rice, quantity=2, expiry="01.2001", set_aside="expired")
    client.force_login(second)
    assert add(client, drop_off, w.jacket, quantity=3, size="110", condition="used")
    assert add(client, drop_off, w.soap, quantity=1, set_aside="damaged")
    page = client.get(station).content.decode()
    assert "lilit-volunteer" in page and "aram-volunteer" in page
    assert "13 units for stock, 3 set aside" in page
    assert SortingLine.objects.filter(drop_off=drop_off).count() == 4
    assert not Movement.objects.exists()

    response = client.post(reverse("sorting:close", args=[drop_off.pk]))
    assert response.status_code == 302
    drop_off.refresh_from_db()
    assert drop_off.is_closed and drop_off.closed_by == second
    donation, disposal = drop_off.donation, drop_off.disposal
    assert donation.kind == "donation" and donation.donor == "Diaspora church"
    assert donation.lines.count() == 4 and disposal.lines.count() == 2
    on_hand = dict(
        Balance.objects.filter(point=w.point, quantity__gt=0).values_list("item_id", "quantity")
    )
    assert on_hand == {w.rice.pk: 10, w.jacket.pk: 3}
    assert sum(Movement.objects.filter(kind="disposal").values_list("quantity", flat=True)) == -3
    # The bag left the queue; closing again posts nothing more.
    desk = client.get(reverse("sorting:desk", args=[w.point.pk])).content.decode()
    assert "No bags are waiting" in desk
    client.post(reverse("sorting:close", args=[drop_off.pk]))
    assert Document.objects.count() == 2
    # A closed drop-off takes no more lines.
    add(client, drop_off, w.soap, quantity=1)
    assert SortingLine.objects.filter(drop_off=drop_off).count() == 4


def test_it_checks_sorted_lines_as_the_intake_desk_does(volunteer, w):
    record(volunteer, w, bags="1")
    drop_off = DropOff.objects.get()
    for data, message in [
        ({"quantity": 1, "expiry": "01.2001"}, "expired"),
        ({"quantity": 1, "expiry": ""}, "needs an expiry date"),
        ({"quantity": 0, "expiry": "12.2099"}, "greater than or equal to 1"),
    ]:
        response = add(volunteer, drop_off, w.rice, **data)
        assert response.status_code == 200 and message in response.content.decode(), data
    assert not SortingLine.objects.exists()
    # Nothing sorted: closing is refused and changes nothing.
    volunteer.post(reverse("sorting:close", args=[drop_off.pk]))
    drop_off.refresh_from_db()
    assert not drop_off.is_closed and not Document.objects.exists()


def test_a_removed_line_is_not_posted(volunteer, w):
    record(volunteer, w, bags="1")
    drop_off = DropOff.objects.get()
    add(volunteer, drop_off, w.soap, quantity=4)
    add(volunteer, drop_off, w.soap, quantity=40)
    wrong = SortingLine.objects.get(quantity=40)
    volunteer.post(reverse("sorting:remove", args=[drop_off.pk, wrong.pk]))
    volunteer.post(reverse("sorting:close", args=[drop_off.pk]))
    assert Balance.objects.get(item=w.soap, point=w.point).quantity == 4


def test_medicine_waiting_for_a_check_stays_out_of_stock(volunteer, w):
    record(volunteer, w, bags="1", kind="medicine")
    drop_off = DropOff.objects.get()
    add(volunteer, drop_off, w.toothpaste, quantity=5, expiry="12.2099", set_aside="check")
    volunteer.post(reverse("sorting:close", args=[drop_off.pk]))
    drop_off.refresh_from_db()
    assert drop_off.is_closed and drop_off.donation is None and not Movement.objects.exists()
    assert drop_off.lines.get().set_aside == "check"


def test_it_refuses_outsiders_and_partners(client, w):
    client.force_login(w.volunteer)
    record(client, w, bags="1")
    drop_off = DropOff.objects.get()
    code = drop_off.bag_set.get().code
    client.force_login(w.outsider)
    assert client.get(reverse("sorting:station", args=[drop_off.pk])).status_code == 404
    assert client.get(reverse("sorting:tags", args=[drop_off.pk])).status_code == 404
    assert client.post(reverse("sorting:close", args=[drop_off.pk])).status_code == 404
    assert client.get(reverse("sorting:desk", args=[w.point.pk])).status_code == 404
    response = client.get(reverse("sorting:find_bag", args=[w.other_point.pk]), {"code": code})
    assert response["Location"] == reverse("sorting:desk", args=[w.other_point.pk])
    client.force_login(w.partner)
    assert client.get(reverse("sorting:station", args=[drop_off.pk])).status_code == 403
    assert add(client, drop_off, w.soap, quantity=1).status_code == 403
    assert not SortingLine.objects.exists()


def test_the_desk_pages_exist_in_armenian_and_russian(volunteer, w):
    for language, word in [("hy", "Տեսակավորում"), ("ru", "Сортировка")]:
        page = volunteer.get(
            reverse("sorting:desk", args=[w.point.pk]), HTTP_ACCEPT_LANGUAGE=language
        )
        assert word in page.content.decode(), language


def test_a_coordinator_puts_a_sorting_note_on_the_public_page(client, w):
    from django.utils import timezone

    from kamavor.public.cache import store
    from kamavor.public.models import PublicPage

    until = timezone.localdate() + dt.timedelta(days=3)
    client.force_login(w.volunteer)
    assert (
        'id="notice-form"'
        not in client.get(reverse("sorting:desk", args=[w.point.pk])).content.decode()
    )
    response = client.post(
        reverse("sorting:notice", args=[w.point.pk]), {"kind": "clothing", "until": until}
    )
    assert response.status_code == 403
    client.force_login(w.coordinator)
    client.post(reverse("sorting:notice", args=[w.point.pk]), {"kind": "clothing", "until": until})
    desk = client.get(reverse("sorting:desk", args=[w.point.pk])).content.decode()
    assert 'id="current-notice"' in desk
    PublicPage.objects.update_or_create(point=w.point, defaults={"listed": True})
    for lang, words in [("en", "do not bring until"), ("ru", "не приносите"), ("hy", "չբերել")]:
        public = client.get(f"/{lang}/{w.point.slug}/").content.decode()
        assert 'id="sorting-notice"' in public and words in public, lang
    past = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(
        reverse("sorting:notice", args=[w.point.pk]), {"kind": "food", "until": past}
    )
    assert "from today to 60 days ahead" in response.content.decode()
    client.post(reverse("sorting:notice", args=[w.point.pk]), {"remove": "1"})
    store.clear()  # (the public page is kept for up to ten seconds)
    assert 'id="sorting-notice"' not in client.get(f"/en/{w.point.slug}/").content.decode()


def test_coordinators_see_bags_sorted_per_hour_per_shift(client, w):
    from django.utils import timezone

    from kamavor.sorting import services
    from kamavor.stock.services import IntakeLine
    from kamavor.volunteers.models import Shift

    now = timezone.now()
    Shift.objects.create(
        point=w.point,
        task="sorting",
        starts_at=now - dt.timedelta(hours=2),
        ends_at=now + dt.timedelta(minutes=1),
        hands_needed=4,
        created_by=w.coordinator,
    )
    for bags in (3, 2):
        drop_off = services.record_drop_off(point=w.point, bags=bags, by=w.volunteer)
        services.add_sorting_line(drop_off=drop_off, line=IntakeLine(w.soap, 1), by=w.volunteer)
        services.close_drop_off(drop_off=drop_off, by=w.volunteer)
    client.force_login(w.coordinator)
    page = client.get(reverse("sorting:pace", args=[w.point.pk])).content.decode()
    row = page.split('id="shift-pace"')[1].split("</tr>")[1]
    assert '<td class="num">5</td>' in row and '<td class="num">2</td>' in row
    assert 'id="hour-pace"' in page
    client.force_login(w.volunteer)
    assert client.get(reverse("sorting:pace", args=[w.point.pk])).status_code == 403


def test_a_pharmacist_settles_medicine_waiting_for_a_check(client, w):
    client.force_login(w.volunteer)
    record(client, w, bags="1", kind="medicine", donor="Pharmacy 3")
    drop_off = DropOff.objects.get()
    add(client, drop_off, w.toothpaste, quantity=5, expiry="12.2099", set_aside="check")
    add(client, drop_off, w.soap, quantity=2, set_aside="check")
    client.post(reverse("sorting:close", args=[drop_off.pk]))
    first, second = SortingLine.objects.order_by("pk")
    # A volunteer neither sees the list nor settles a line.
    assert (
        'id="quarantine"'
        not in client.get(reverse("sorting:desk", args=[w.point.pk])).content.decode()
    )
    assert (
        client.post(reverse("sorting:check_line", args=[first.pk]), {"accept": "1"}).status_code
        == 403
    )
    client.force_login(w.coordinator)
    assert (
        'id="quarantine"' in client.get(reverse("sorting:desk", args=[w.point.pk])).content.decode()
    )
    client.post(reverse("sorting:check_line", args=[first.pk]), {"accept": "1"})
    client.post(reverse("sorting:check_line", args=[second.pk]), {"accept": "0"})
    first.refresh_from_db()
    assert first.released.donor == "Pharmacy 3"
    assert Balance.objects.get(item=w.toothpaste, point=w.point).quantity == 5
    assert not Balance.objects.filter(item=w.soap, point=w.point).exists()
    # Settled once: a second verdict changes nothing.
    client.post(reverse("sorting:check_line", args=[first.pk]), {"accept": "1"})
    assert Balance.objects.get(item=w.toothpaste, point=w.point).quantity == 5
    assert (
        'id="quarantine"'
        not in client.get(reverse("sorting:desk", args=[w.point.pk])).content.decode()
    )
