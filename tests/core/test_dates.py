"""Dates read as each language writes them: Armenian "դեկտեմբերի 2" (month first, genitive),
Russian "2 декабря" (genitive), English "2 December"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import formats, timezone, translation

from tests.volunteers.helpers import make_shift

DAY = dt.datetime(2026, 12, 2, 10, 0, tzinfo=timezone.get_default_timezone())


@pytest.mark.parametrize(
    ("language", "month_day", "date", "weekday"),
    [
        ("hy", "դեկտեմբերի 2", "2026 թ. դեկտեմբերի 2", "Չորեքշաբթի, դեկտեմբերի 2, 10:00"),
        ("ru", "2 декабря", "2 декабря 2026 г.", "Ср, 2 декабря, 10:00"),
        ("en", "2 December", "2 December 2026", "Wed 2 December, 10:00"),
    ],
)
def test_each_language_writes_its_dates(language, month_day, date, weekday):
    with translation.override(language):
        assert formats.date_format(DAY, "MONTH_DAY_FORMAT") == month_day
        assert formats.date_format(DAY, "DATE_FORMAT") == date
        rendered = Template("{% load dates %}{{ d|weekday_datetime }}").render(Context({"d": DAY}))
        assert rendered == weekday


def test_armenian_months_are_all_in_the_genitive():
    with translation.override("hy"):
        months = [
            formats.date_format(dt.date(2026, m, 1), "MONTH_DAY_FORMAT") for m in range(1, 13)
        ]
    assert all(m.split()[0].endswith("ի") for m in months), months
    assert months[0] == "հունվարի 1" and months[4] == "մայիսի 1"


def test_shift_pages_in_armenian_use_the_genitive(client, w):
    shift = make_shift(w)
    start = timezone.localtime(shift.starts_at)
    with translation.override("hy"):
        expected = formats.date_format(start, "MONTH_DAY_FORMAT")
    assert expected.split()[0].endswith("ի")
    for path in ("/hy/shifts/", f"/hy/shifts/{shift.pk}/"):
        assert expected in client.get(path).content.decode(), path
    client.force_login(w.coordinator)
    page = client.get(f"/desk/{w.point.pk}/shifts/", HTTP_ACCEPT_LANGUAGE="hy")
    assert expected in page.content.decode()
