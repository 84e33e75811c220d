"""The sync feeds: what a desk keeps for offline use, what changed since its cursor, and their
cost (a fixed number of queries per page, whatever the number of households or lots)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.distribution.factories import make_household, stock_up
from tests.factories import desk
from tests.offline.factories import soap_rule

pytestmark = pytest.mark.django_db


def feed(client, w, name, **query):
    response = client.get(reverse("offline:changes", args=[w.point.pk, name]), query)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_catalogue_is_sent_whole_then_not_again(w):
    client = desk(w.volunteer)
    first = feed(client, w, "catalogue")
    soap = next(row for row in first["rows"] if row["id"] == w.soap.pk)
    assert soap["names"] == {"hy": "Օճառ", "ru": "Мыло", "en": "Soap bar"}
    assert soap["barcodes"] == ["2000000000022", "2000000000039"]
    assert feed(client, w, "catalogue", since=first["cursor"])["rows"] == []
    w.soap.name_en = "Soap"
    w.soap.save()
    assert len(feed(client, w, "catalogue", since=first["cursor"])["rows"]) == len(first["rows"])


def test_households_come_with_their_dues_and_no_personal_field(w):
    soap_rule(2)
    stock_up(w, w.soap, 10)
    household = make_household(w, female_18_59=1, male_18_59=1)
    client = desk(w.volunteer)
    rows = feed(client, w, "households")["rows"]
    assert rows == [
        {"code": household.code, "status": "active", "into": "", "size": 2,
         "dues": [[w.soap.pk, 4]]}
    ]  # fmt: skip


def test_households_since_a_cursor_are_those_active_since(w):
    old, new = make_household(w), make_household(w)
    type(old).objects.filter(pk=old.pk).update(
        last_activity_at=timezone.now() - dt.timedelta(days=3)
    )
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    rows = feed(desk(w.volunteer), w, "households", since=since)["rows"]
    assert [row["code"] for row in rows] == [new.code]


def test_households_page_by_offset(w):
    made = {make_household(w).code for _ in range(5)}
    client = desk(w.volunteer)
    first = feed(client, w, "households", limit=3)
    second = feed(client, w, "households", limit=3, offset=first["next_offset"])
    assert first["next_offset"] == 3 and second["next_offset"] is None
    assert {row["code"] for row in first["rows"] + second["rows"]} == made


def test_lots_since_a_cursor_are_those_moved_since(w):
    soap = stock_up(w, w.soap, 10)
    client = desk(w.volunteer)
    first = feed(client, w, "lots")
    assert first["rows"] == [
        {"lot": soap.pk, "item": w.soap.pk, "size": "", "expiry": None, "quantity": 10}
    ]
    later = (timezone.now() + dt.timedelta(minutes=5)).isoformat()
    assert feed(client, w, "lots", since=later)["rows"] == []


def test_a_bad_cursor_or_page_is_refused(w):
    client = desk(w.volunteer)
    url = reverse("offline:changes", args=[w.point.pk, "lots"])
    assert client.get(url, {"since": "yesterday"}).status_code == 400
    assert client.get(url, {"limit": "5000"}).status_code == 400
    assert client.get(reverse("offline:changes", args=[w.point.pk, "people"])).status_code == 404


def test_a_page_of_households_costs_the_same_whatever_its_size(w, django_assert_num_queries):
    soap_rule(1)
    stock_up(w, w.soap, 100)
    for _ in range(3):
        make_household(w)
    client = desk(w.volunteer)
    feed(client, w, "households")  # warm the session and the roles
    # session, user, roles, point, households, standards, lineage, receipts
    with django_assert_num_queries(8):
        small = feed(client, w, "households")
    for _ in range(30):
        make_household(w)
    with django_assert_num_queries(8):
        large = feed(client, w, "households")
    assert len(small["rows"]) == 3 and len(large["rows"]) == 33


def test_a_page_of_lots_costs_the_same_whatever_its_size(w, django_assert_num_queries):
    client = desk(w.volunteer)
    stock_up(w, w.soap, 5)
    feed(client, w, "lots")
    with django_assert_num_queries(5):
        feed(client, w, "lots", since=timezone.now().isoformat())
    for days in range(20):
        stock_up(w, w.rice, 5, expiry=w.later(100 + days))
    with django_assert_num_queries(5):
        assert len(feed(client, w, "lots")["rows"]) == 21
