"""Normal forms of names, birth dates and phones: the spellings of one person share keys."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kamavor.lib.person_keys import (
    BirthDate,
    birth_date_keys,
    deletions,
    name_keys,
    parse_birth_date,
    phone_key,
    replaced,
    skeleton,
)

SAME = [
    ("Оганесян", "Hovhannisyan"),
    ("Հովհաննիսյան", "Ованнисян"),
    ("Kevork", "Gevorg"),
    ("Sarkis", "Sargis"),
    ("Ваге", "Vahe"),
    ("Мгер", "Mher"),
    ("Грант", "Hrant"),
    ("Krikorian", "Grigoryan"),
    ("Bedrosian", "Petrosyan"),
    ("Саакян", "Sahakyan"),
    ("Arutjunjan", "Harutyunyan"),
    ("Петросянц", "Petrosyan"),
    ("Խաչատրյան", "Khachadourian"),
    ("Ղազարյան", "Казарян"),
    ("Мкртчян", "Mgerdichian"),
    ("Անահիտ", "Анаит"),
    ("Ter-Petrosyan", "Տեր-Պետրոսյան"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_it_folds_known_variants_and_scripts_to_one_key(a, b):
    assert name_keys(a).full == name_keys(b).full


@pytest.mark.parametrize(("a", "b"), [("Petrosyan", "Sargsyan"), ("Anahit", "Armine")])
def test_it_keeps_different_names_apart(a, b):
    ka, kb = name_keys(a), name_keys(b)
    assert not ka.keys & kb.keys and not ka.skeletons & kb.skeletons
    assert not ka.deletions & kb.deletions


def test_western_forms_share_the_skeleton():
    assert skeleton("kevork") == skeleton("gevorg")
    assert skeleton("bedrosan") == skeleton("petrosan")


@pytest.mark.parametrize(("a", "b"), [("Petrosyan", "Petrosian"), ("Hakobyan", "Hakobian")])
def test_spellings_are_the_same_key(a, b):
    assert name_keys(a).keys == name_keys(b).keys


@pytest.mark.parametrize(("a", "b"), [("Sargsyan", "Sarksyan"), ("Martirosyan", "Martirsyan")])
def test_one_typo_shares_a_deletion(a, b):
    ka, kb = name_keys(a), name_keys(b)
    assert ka.keys != kb.keys and ka.deletions & kb.deletions


WORDS = st.text(alphabet="abcdefgiklmnoprstuvz", min_size=4, max_size=12)


@given(WORDS, st.data())
def test_any_edit_of_one_letter_shares_a_deletion(word, data):
    i = data.draw(st.integers(0, len(word) - 1))
    letter = data.draw(st.sampled_from("abdefiklmnoprstu"))
    for edited in (word[:i] + word[i + 1 :], word[:i] + letter + word[i + 1 :]):
        assert deletions(word) & deletions(edited) or len(edited) < 4


@given(st.text(max_size=30))
def test_name_keys_never_fail_and_are_lower_latin(text):
    keys = name_keys(text)
    assert all(k.isascii() for k in keys.keys)


def test_it_reads_birth_dates_in_the_usual_orders():
    assert parse_birth_date("1980-05-03") == BirthDate(1980, 5, 3)
    assert parse_birth_date("03.05.1980") == BirthDate(1980, 5, 3)
    assert parse_birth_date("5/23/1980") == BirthDate(1980, 5, 23)
    assert parse_birth_date("1980") == BirthDate(1980)
    for unreadable in ("", "don't know", "31.02.1980", "1800", "12.1980"):
        assert parse_birth_date(unreadable) is None
    assert parse_birth_date("2030", today=dt.date(2026, 1, 1)) is None


def test_a_day_and_month_swapped_share_the_swap_key_only():
    a = birth_date_keys(BirthDate(1980, 5, 3))
    b = birth_date_keys(BirthDate(1980, 3, 5))
    assert a["full"] != b["full"] and a["swap"] == b["swap"] and a["year"] == b["year"]


def test_a_year_only_date_has_the_year_key_only():
    assert birth_date_keys(BirthDate(1975)) == {"year": "1975", "precision": "year"}
    assert birth_date_keys(None) == {}


@pytest.mark.parametrize(
    "typed",
    ["+374 91 234567", "00374 91-23-45-67", "(091) 23 45 67", "091234567", "91 234 567",
     "+374-91-23-45-67", "8 091 234567"],
)  # fmt: skip
def test_it_folds_every_phone_format(typed):
    assert phone_key(typed) == "91234567"


def test_foreign_and_short_phones():
    assert phone_key("+7 916 123-45-67") == "79161234567"
    assert phone_key("12-34") == ""


@given(st.text(alphabet="abdegkmnorstv", min_size=4, max_size=9), st.data())
def test_two_keys_one_letter_replaced_apart_share_that_places_deletion(key, data):
    i = data.draw(st.integers(0, len(key) - 1))
    other = key[:i] + data.draw(st.sampled_from("abdegkmnorstv")) + key[i + 1 :]
    assert f"{i}:{key[:i]}{key[i + 1 :]}" in replaced(key) & replaced(other)


def test_short_keys_have_no_placed_deletions():
    assert replaced("ani") == set()
    assert "2:aren" in replaced("armen") and "0:aren" in replaced("garen")
    assert not replaced("armen") & replaced("garen")  # "aren" at two places: two letters apart
