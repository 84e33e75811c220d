"""The sorting desk's hot paths cost a fixed number of queries, however big the drop-off."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kamavor.catalogue.models import Category
from kamavor.sorting import services
from kamavor.stock.services import IntakeLine
from tests.factories import make_item


def sorted_drop_off(w, lines: int):
    category = Category.objects.first()
    drop_off = services.record_drop_off(point=w.point, bags=2, by=w.volunteer)
    for n in range(lines):
        item = make_item(f"q-{lines}-{n}", category=category, hy=f"Ա{n}", ru=f"Б{n}", en=f"Q{n}")
        set_aside = "damaged" if n % 5 == 4 else ""
        services.add_sorting_line(
            drop_off=drop_off, line=IntakeLine(item, 3), set_aside=set_aside, by=w.volunteer
        )
    return drop_off


@pytest.mark.parametrize("lines", [5, 40])
def test_closing_costs_the_same_queries_for_5_or_40_lines(w, lines, django_assert_max_num_queries):
    drop_off = sorted_drop_off(w, lines)
    with django_assert_max_num_queries(19):
        services.close_drop_off(drop_off=drop_off, by=w.volunteer)


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
