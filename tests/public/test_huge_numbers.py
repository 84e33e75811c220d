"""A number larger than any the database stores (SQLite and PostgreSQL stop at 2**63 - 1)
gets a clear error in the user's language, never a 500, and changes nothing."""

from __future__ import annotations

import pytest

from kamavor.core.errors import InvalidInput
from kamavor.core.numbers import MAX_INT, BoundedIntegerField, object_ids, whole_number
from kamavor.public.models import NeedOverride, PublicPage
from kamavor.volunteers.models import Shift
from tests.factories import desk, page_messages

HUGE = str(10**30)


def test_the_public_page_settings_refuse_a_huge_category(w):
    client = desk(w.coordinator)
    response = client.post(
        f"/desk/{w.point.pk}/public/settings/",
        {"listed": "on", "accepts": [str(w.rice.category.pk), HUGE], "note": "Open late"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Choose from the list." in page_messages(response)
    assert not PublicPage.objects.filter(point=w.point, note="Open late").exists()


def test_the_refusal_is_in_the_users_language(w):
    client = desk(w.coordinator)
    client.cookies["django_language"] = "ru"
    response = client.post(
        f"/desk/{w.point.pk}/public/settings/", {"accepts": [HUGE]}, follow=True,
        HTTP_ACCEPT_LANGUAGE="ru",
    )  # fmt: skip
    assert "Выберите из списка." in page_messages(response)


def test_a_huge_item_on_a_needed_now_line_is_unknown(w):
    response = desk(w.coordinator).post(
        f"/desk/{w.point.pk}/public/line/", {"item": HUGE, "level": "urgent"}, follow=True
    )
    assert response.status_code == 200
    assert not NeedOverride.objects.exists()


def test_a_huge_number_of_hands_is_a_form_error(w):
    response = desk(w.coordinator).post(
        f"/desk/{w.point.pk}/shifts/",
        {"task": "sorting", "day": "2031-01-01", "start": "10:00", "end": "12:00",
         "hands_needed": HUGE},
    )  # fmt: skip
    assert response.status_code == 200
    assert "less than or equal to 200" in response.content.decode()
    assert not Shift.objects.exists()


@pytest.mark.parametrize("value", [HUGE, str(MAX_INT + 1), "-" + HUGE, "1e3", "", "x" * 5000])
def test_the_shared_parser_refuses_what_no_column_holds(value):
    with pytest.raises(InvalidInput) as refused:
        whole_number(value)
    assert refused.value.code == "invalid_number"
    assert whole_number(f" {MAX_INT} ") == MAX_INT
    with pytest.raises(InvalidInput):
        object_ids(["3", value])


def test_the_shared_form_field_is_bounded_even_without_bounds():
    field = BoundedIntegerField()
    assert field.clean(str(MAX_INT)) == MAX_INT
    for value in (HUGE, str(-(10**30))):
        with pytest.raises(Exception, match="9223372036854775807"):
            field.clean(value)
