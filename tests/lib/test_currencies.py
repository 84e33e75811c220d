"""Currencies and exact amounts: parsing, showing and converting never lose a minor unit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kamavor.lib.currencies import (
    ISO_4217,
    MAX_MINOR,
    AmountError,
    as_decimal,
    convert,
    format_amount,
    normal_code,
    parse_amount,
)


def test_the_table_knows_the_network_s_currencies_and_their_decimals():
    assert {code: ISO_4217[code] for code in ("AMD", "USD", "EUR", "RUB", "GEL")} == dict.fromkeys(
        ("AMD", "USD", "EUR", "RUB", "GEL"), 2
    )
    assert (ISO_4217["JPY"], ISO_4217["KWD"], ISO_4217["CLF"]) == (0, 3, 4)
    assert len(ISO_4217) > 150 and all(normal_code(code) == code for code in ISO_4217)


@pytest.mark.parametrize(
    ("text", "exponent", "minor"),
    [
        ("1500", 2, 150000),
        ("1 500,50", 2, 150050),
        ("1\u00a0500.5", 2, 150050),
        ("0.01", 2, 1),
        ("1000", 0, 1000),
        ("1.250", 3, 1250),
        (7, 2, 700),
    ],
)
def test_it_reads_amounts_as_people_type_them(text, exponent, minor):
    assert parse_amount(text, exponent) == minor


@pytest.mark.parametrize(
    ("text", "exponent", "reason"),
    [
        ("-1", 2, "negative"),
        ("1.001", 2, "too_precise"),
        ("0.5", 0, "too_precise"),
        ("abc", 2, "not_a_number"),
        ("", 2, "not_a_number"),
        ("1e3", 2, "not_a_number"),
        ("NaN", 2, "not_a_number"),
        (1.5, 2, "not_a_number"),
        (True, 2, "not_a_number"),
        (str(MAX_MINOR), 2, "too_large"),
    ],
)
def test_it_refuses_what_is_not_an_exact_amount(text, exponent, reason):
    with pytest.raises(AmountError) as refused:
        parse_amount(text, exponent)
    assert refused.value.reason == reason


@given(minor=st.integers(0, 10**15), exponent=st.sampled_from([0, 2, 3, 4]))
def test_amounts_round_trip_through_text(minor, exponent):
    assert parse_amount(str(as_decimal(minor, exponent)), exponent) == minor
    assert parse_amount(format_amount(minor, exponent), exponent) == minor


def test_conversion_rounds_half_away_from_zero_to_the_minor_unit():
    assert convert(100, exponent=2, rate=Decimal("387.5"), to_exponent=2) == 38750
    assert convert(1, exponent=2, rate=Decimal("0.005"), to_exponent=2) == 0
    assert convert(100, exponent=2, rate=Decimal("0.005"), to_exponent=2) == 1
    assert convert(-100, exponent=2, rate=Decimal("0.005"), to_exponent=2) == -1
    assert convert(1000, exponent=0, rate=Decimal("2.6"), to_exponent=2) == 260000
