"""The sorting desk's hot paths cost a fixed number of queries, however big the drop-off."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from kamavor.catalogue.models import Category, Item
from kamavor.sorting import services
from kamavor.stock import services as stock
from kamavor.stock.services import IntakeLine
from tests.factories import make_item


def sorted_drop_off(w, lines: int):
    category = Category.objects.first()
    drop_off = services.record_drop_off(point=w.point, bags=2, by=w.volunteer)
    for n in range(lines):
        code = f"q-{lines}-{n}"
        item = Item.objects.filter(code=code).first() or make_item(
            code, category=category, hy=f"Ա{n}", ru=f"Б{n}", en=f"Q{n}"
        )
        set_aside = "damaged" if n % 5 == 4 else ""
        services.add_sorting_line(
            drop_off=drop_off, line=IntakeLine(item, 3), set_aside=set_aside, by=w.volunteer
        )
    return drop_off


def postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.mark.parametrize("lines", [5, 40])
def test_closing_costs_the_same_statements_for_5_or_40_lines(w, lines, django_assert_num_queries):
    drop_off = sorted_drop_off(w, lines)
    # Lock the drop-off; read its lines, items and lots in one SELECT; write both documents,
    # the new lots (PostgreSQL: with their balances), the lines, the balances, the movements,
    # the item balances, the daily flows and their roll-up per point; close the drop-off. (And
    # the test's savepoint.)
    with django_assert_num_queries(13 if postgres() else 14):
        closed = services.close_drop_off(drop_off=drop_off, by=w.volunteer)
    assert closed.donation.lines.count() == lines
    # The same goods again: their lots exist now and none is opened.
    again = sorted_drop_off(w, lines)
    with django_assert_num_queries(12):
        services.close_drop_off(drop_off=again, by=w.volunteer)


@pytest.mark.parametrize("lines", [5, 40])
def test_a_box_into_a_transfer_costs_the_same_statements_for_5_or_40_lines(
    w, lines, django_assert_num_queries
):
    drop_off = services.close_drop_off(drop_off=sorted_drop_off(w, lines), by=w.volunteer)
    box = services.pack_drop_off(drop_off=drop_off, by=w.volunteer)
    assert len(stock.container_lines(box)) == lines - lines // 5
    stock.create_transfer(  # the coordinator's role is read once per request
        source=w.point, destination=w.warehouse, lines=stock.container_lines(box), by=w.coordinator
    )
    # Read the box's contents; write the draft and its lines (and the test's savepoint).
    with django_assert_num_queries(5):
        transfer = stock.create_transfer(
            source=w.point,
            destination=w.warehouse,
            lines=stock.container_lines(box),
            by=w.coordinator,
        )
    # Mark it sent (and lock it) in one UPDATE; read its lines; the balances, movements, item
    # balances, daily flows and their roll-up per point.
    with django_assert_num_queries(9):
        stock.send_transfer(transfer=transfer, by=w.coordinator)
    assert stock.contents(box).count() == 0


def test_adding_a_line_and_recording_a_drop_off_are_a_few_queries(w, django_assert_num_queries):
    drop_off = services.record_drop_off(point=w.point, bags=1, by=w.volunteer)
    with django_assert_num_queries(4):
        services.add_sorting_line(drop_off=drop_off, line=IntakeLine(w.soap, 2), by=w.volunteer)
    with django_assert_num_queries(5):
        services.record_drop_off(point=w.point, bags=3, by=w.volunteer)


@pytest.mark.parametrize("lines", [5, 40])
def test_the_station_page_costs_the_same_for_5_or_40_lines(
    client, w, lines, django_assert_max_num_queries
):
    drop_off = sorted_drop_off(w, lines)
    client.force_login(w.volunteer)
    url = reverse("sorting:station", args=[drop_off.pk])
    client.get(url)
    with django_assert_max_num_queries(7):
        assert client.get(url).status_code == 200
