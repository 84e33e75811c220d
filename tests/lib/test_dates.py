import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kamavor.lib.dates import parse_expiry


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-05-31", dt.date(2027, 5, 31)),
        ("31.05.2027", dt.date(2027, 5, 31)),
        ("31/05/2027", dt.date(2027, 5, 31)),
        ("1.6.27", dt.date(2027, 6, 1)),
        ("05.2027", dt.date(2027, 5, 31)),
        ("02/28", dt.date(2028, 2, 29)),
        ("2027-02", dt.date(2027, 2, 28)),
        (" 12.2026 ", dt.date(2026, 12, 31)),
        ("31052027", dt.date(2027, 5, 31)),
    ],
)
def test_it_reads_the_usual_label_formats(text, expected):
    assert parse_expiry(text) == expected


@pytest.mark.parametrize("text", ["", "tomorrow", "31.02.2027", "13.2027", "2027", "00/27"])
def test_it_refuses_what_is_not_a_date(text):
    assert parse_expiry(text) is None


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_iso_and_european_forms_agree(day):
    assert parse_expiry(day.isoformat()) == day
    assert parse_expiry(day.strftime("%d.%m.%Y")) == day


@given(st.text(max_size=20))
def test_it_never_raises(text):
    parse_expiry(text)
