"""A point's name, address and opening hours, shift notes and the public note, given in hy, ru
and en: each page shows the one of its language, else the default text, else any given."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import translation

from kamavor.core.localised import local_text
from kamavor.network.models import Point
from kamavor.public.models import PublicPage
from kamavor.volunteers.models import Shift
from tests.factories import desk, text


def test_text_falls_back_from_the_page_language_to_the_default_then_to_any(w):
    point = Point(name="Coworking hub", address="", address_ru="ул. Абовяна 1")
    point.name_hy = "Համատեղ աշխատանքի կենտրոն"
    assert local_text(point, "name", "hy") == "Համատեղ աշխատանքի կենտրոն"
    assert local_text(point, "name", "ru") == "Coworking hub"  # the default text
    assert local_text(point, "address", "en") == "ул. Абовяна 1"  # any language given
    assert local_text(point, "opening_hours", "en") == ""
    with translation.override("hy"):
        assert point.tr.name == "Համատեղ աշխատանքի կենտրոն"


def test_a_coordinator_gives_the_points_texts_per_language_and_the_public_pages_show_them(w):
    response = desk(w.coordinator).post(
        reverse("public_desk:texts", kwargs={"point_id": w.point.pk}),
        {
            "name": "Coworking hub",
            "name_hy": "Քովորքինգ կենտրոն",
            "name_ru": "Коворкинг-центр",
            "address": "1 Abovyan St",
            "address_hy": "Աբովյան 1",
            "opening_hours": "Mon–Sat 10:00–18:00",
            "opening_hours_ru": "Пн–Сб 10:00–18:00",
        },
    )
    assert response.status_code == 302
    point = Point.objects.get(pk=w.point.pk)
    assert (point.name, point.name_hy, point.name_ru, point.name_en) == (
        "Coworking hub",
        "Քովորքինգ կենտրոն",
        "Коворкинг-центр",
        "",
    )
    hy = text(desk().get(f"/hy/{point.slug}/"))
    ru = text(desk().get(f"/ru/{point.slug}/"))
    en = text(desk().get(f"/en/{point.slug}/"))
    assert "Քովորքինգ կենտրոն" in hy and "Աբովյան 1" in hy and "Mon–Sat" in hy
    assert "Коворкинг-центр" in ru and "1 Abovyan St" in ru and "Пн–Сб" in ru
    assert "<h1>Coworking hub</h1>" in en and "Коворкинг" not in en
    # The desks show the point in the member's language too.
    page = desk(w.coordinator).get(
        reverse("stock:intake", kwargs={"point_id": point.pk}), HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert "Коворкинг-центр" in text(page)


def test_the_default_name_cannot_be_emptied_and_nothing_changes(w):
    desk(w.coordinator).post(
        reverse("public_desk:texts", kwargs={"point_id": w.point.pk}),
        {"name": " ", "name_hy": "Կենտրոն"},
    )
    point = Point.objects.get(pk=w.point.pk)
    assert (point.name, point.name_hy) == (w.point.name, "")


def test_only_coordinators_of_the_point_change_its_texts(w):
    url = reverse("public_desk:texts", kwargs={"point_id": w.point.pk})
    assert desk(w.volunteer).post(url, {"name_hy": "X"}).status_code == 403
    assert desk(w.outsider).post(url, {"name_hy": "X"}).status_code == 404
    assert desk().post(url, {"name_hy": "X"}).status_code == 302
    assert Point.objects.get(pk=w.point.pk).name_hy == ""


def test_the_public_note_per_language(w):
    desk(w.coordinator).post(
        reverse("public_desk:settings", kwargs={"point_id": w.point.pk}),
        {"listed": "on", "note": "Thank you!", "note_hy": "Շնորհակալություն", "note_ru": ""},
    )
    page = PublicPage.objects.get(point=w.point)
    assert (page.note, page.note_hy, page.note_ru) == ("Thank you!", "Շնորհակալություն", "")
    assert "Շնորհակալություն" in text(desk().get(f"/hy/{w.point.slug}/"))
    assert "Thank you!" in text(desk().get(f"/ru/{w.point.slug}/"))


def test_shift_notes_per_language_reach_the_public_board(w):
    day = (w.later(2)).isoformat()
    response = desk(w.coordinator).post(
        reverse("volunteers:shifts", kwargs={"point_id": w.point.pk}),
        {
            "task": "sorting",
            "day": day,
            "start": "10:00",
            "end": "14:00",
            "hands_needed": 3,
            "notes": "Bring gloves",
            "notes_ru": "Возьмите перчатки",
        },
    )
    assert response.status_code == 302
    shift = Shift.objects.get(point=w.point)
    assert (shift.notes, shift.notes_ru, shift.notes_hy) == (
        "Bring gloves",
        "Возьмите перчатки",
        "",
    )
    assert "Возьмите перчатки" in text(desk().get("/ru/shifts/"))
    assert "Bring gloves" in text(desk().get("/hy/shifts/"))


def test_repeating_shifts_pass_their_notes_per_language_on(w):
    from kamavor.volunteers.services import create_template

    template = create_template(
        point=w.point,
        task="sorting",
        weekdays=range(7),
        start_time=dt.time(10),
        end_time=dt.time(14),
        hands_needed=2,
        starts_on=w.later(0),
        notes="Bring gloves",
        notes_translations={"hy": "Ձեռնոցներ բերեք"},
        by=w.coordinator,
    )
    assert {s.notes_hy for s in template.shifts.all()} == {"Ձեռնոցներ բերեք"}


def test_a_read_of_only_some_fields_shows_the_default_without_more_queries(
    w, django_assert_num_queries
):
    Point.objects.filter(pk=w.point.pk).update(name_en="Hub")
    point = Point.objects.only("name").get(pk=w.point.pk)
    with translation.override("en"), django_assert_num_queries(0):
        assert point.tr.name == w.point.name
    with translation.override("en"):
        assert Point.objects.get(pk=w.point.pk).tr.name == "Hub"
