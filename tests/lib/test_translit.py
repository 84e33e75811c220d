"""Tests for kamavor.lib.translit: cross-script item search."""

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kamavor.lib.translit import matches, search_key, to_latin

RICE_HY = "Բրինձ, 1 կգ"
RICE_RU = "Рис, 1 кг"
RICE_EN = "Rice, 1 kg"
BUCKWHEAT_RU = "Гречка, 1 кг"
BUCKWHEAT_HY = "Հնդկաձավար"
SUGAR_HY = "Շաքարավազ"
SUGAR_RU = "Сахар"
STEW_RU = "Тушёнка"
PASTA_RU = "Макароны"
OIL_HY = "Ձեթ"
SOAP_HY = "Օճառ"
SOAP_RU = "Мыло"
SHEEP_HY = "Ոչխար"
WATER_HY = "Ջուր"
BREAD_HY = "Հաց"
BREAD_RU = "Хлеб"
MILK_HY = "Կաթ"
COFFEE_HY = "Սուրճ"
MATSUN_HY = "Մածուն"
FLOUR_HY = "Ալյուր"
CONDENSED_MILK_RU = "Сгущёнка"
TEA_RU = "Чай"
PIKE_RU = "Щука"
WALNUT_HY = "Ընկույզ"
TOOTHPASTE_RU = "Зубная паста"
BABY_FOOD_RU = "Детское питание"
SHAMPOO_RU = "Шампунь"

POSITIVE = [
    # The three scripts for Armenian "rice".
    ("brindz", RICE_HY),
    ("բրինձ", RICE_HY),
    ("бриндз", RICE_HY),
    ("Բրինձ", RICE_HY),
    ("BRINDZ", RICE_HY),
    # Russian "rice" in Latin, Cyrillic and Armenian letters.
    ("ris", RICE_RU),
    ("рис", RICE_RU),
    ("ռիս", RICE_RU),
    ("rice", RICE_EN),
    ("Rice 1kg", RICE_EN),
    ("1 kg", RICE_HY),
    ("1 кг", RICE_HY),
    ("grechka", BUCKWHEAT_RU),
    ("гречка", BUCKWHEAT_RU),
    ("grechka 1kg", BUCKWHEAT_RU),
    # dz/ts/c fold (Armenglish "c", Western Armenian voicing).
    ("hndkadzavar", BUCKWHEAT_HY),
    ("hndkacavar", BUCKWHEAT_HY),
    ("hndkatsavar", BUCKWHEAT_HY),
    ("хндкадзавар", BUCKWHEAT_HY),
    ("shaqar", SUGAR_HY),
    ("shakar", SUGAR_HY),
    ("шакар", SUGAR_HY),
    ("sahar", SUGAR_RU),
    ("sakhar", SUGAR_RU),
    ("saxar", SUGAR_RU),
    ("tushonka", STEW_RU),
    ("tushyonka", STEW_RU),
    ("tuschonka", STEW_RU),
    ("тушёнка", STEW_RU),
    ("makaron", PASTA_RU),
    ("makaroni", PASTA_RU),
    ("makarony", PASTA_RU),
    ("ձեթ", OIL_HY),
    ("dzet", OIL_HY),
    ("tset", OIL_HY),
    ("ochar", SOAP_HY),
    ("otchar", SOAP_HY),
    ("mylo", SOAP_RU),
    ("milo", SOAP_RU),
    ("mыло", SOAP_RU),  # Latin "m", Cyrillic rest
    ("cахар", SUGAR_RU),  # Latin "c" inside a Cyrillic word
    ("pиc", RICE_RU),  # Latin "p" and "c" around Cyrillic "и"
    ("vochkhar", SHEEP_HY),
    ("vochxar", SHEEP_HY),
    ("ochkhar", SHEEP_HY),  # word-initial ո typed without "v"
    ("jur", WATER_HY),
    ("djur", WATER_HY),
    ("jour", WATER_HY),
    ("джур", WATER_HY),
    ("hats", BREAD_HY),
    ("hac", BREAD_HY),
    ("хац", BREAD_HY),
    ("khleb", BREAD_RU),
    ("hleb", BREAD_RU),
    ("xleb", BREAD_RU),
    ("kat", MILK_HY),
    ("kath", MILK_HY),
    ("surch", COFFEE_HY),
    ("sourch", COFFEE_HY),
    ("matsun", MATSUN_HY),
    ("madzun", MATSUN_HY),
    ("мацун", MATSUN_HY),
    ("alyur", FLOUR_HY),
    ("alur", FLOUR_HY),
    ("sgushchyonka", CONDENSED_MILK_RU),
    ("sguschonka", CONDENSED_MILK_RU),
    ("sgushonka", CONDENSED_MILK_RU),
    ("chai", TEA_RU),
    ("chay", TEA_RU),
    ("shchuka", PIKE_RU),
    ("schuka", PIKE_RU),
    ("shuka", PIKE_RU),
    ("ynkuyz", WALNUT_HY),
    ("@nkuyz", WALNUT_HY),  # Armenglish "@" for ը is dropped; the rest is a substring
    ("zubnaya pasta", TOOTHPASTE_RU),
    ("pasta zubnaya", TOOTHPASTE_RU),  # word order does not matter
    ("detskoe pitanie", BABY_FOOD_RU),
    ("detskoye", BABY_FOOD_RU),
    ("shampun", SHAMPOO_RU),
    ("shampoo", SHAMPOO_RU),
    ("yerevan", "Երևան"),
    ("erevan", "Երևան"),
    ("ереван", "Երևան"),
    ("kafe", "Кафе"),
    ("creme", "Crème"),
]

NEGATIVE = [
    ("rice", BUCKWHEAT_RU),
    ("rice", RICE_RU),  # English "rice" is not Russian "ris"
    ("ris", RICE_EN),
    ("ris", RICE_HY),
    ("brindz", RICE_RU),
    ("grechka", RICE_RU),
    ("vochkhar", SOAP_HY),
    ("ochar", SHEEP_HY),
    ("makaron", "Мука"),
    ("grechka 5kg", BUCKWHEAT_RU),
    ("rice 2", RICE_EN),
    ("hleb", BREAD_HY),
    # Not supported by the rules (see module docstring / report): honest negatives.
    ("zet", OIL_HY),  # ձ typed as "z"
    ("tushenka", STEW_RU),  # ё typed as "e"
    ("macaroni", PASTA_RU),  # "c" is the ts-sound, not k
    ("o4ar", SOAP_HY),  # Armenglish "4" for ճ/չ
    ("hbc", RICE_RU),  # Russian typed on a Latin keyboard layout
]


@pytest.mark.parametrize(("query", "name"), POSITIVE)
def test_query_finds_name(query: str, name: str) -> None:
    assert matches(query, name), (search_key(query), search_key(name))


@pytest.mark.parametrize(("query", "name"), NEGATIVE)
def test_query_does_not_find_name(query: str, name: str) -> None:
    assert not matches(query, name), (search_key(query), search_key(name))


def test_substring_semantics_can_overmatch() -> None:
    # Documented behaviour: a query word may sit inside a longer word ("sol" in "fasol").
    assert matches("соль", "Фасоль")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Երևան", "yerevan"),
        ("ԵՐԵՒԱՆ", "yerevan"),
        ("Щука", "shchuka"),
        ("ուղի", "ughi"),
        ("Ոչխար", "vochkhar"),
        ("Օճառ", "ochar"),
        ("Բրինձ, 1 կգ", "brindz, 1 kg"),
        ("Հնդկաձավար", "hndkadzavar"),
        ("Շաքարավազ", "shakaravaz"),
        ("ժամ ծով ցուրտ ջուր ճաշ չորս խոտ ղեկ թութ փող քար հոր ռուս", None),
        ("և", "ev"),
        ("ինչո՞ւ", "inchu"),
        ("ﬓ", "mn"),
        ("Тушёнка", "tushyonka"),
        ("Ёж", "yozh"),
        ("Подъезд", "podezd"),
        ("Жёлтый Цех Чай Шум Юла Яма Мышь Хлеб", "zhyoltyy tsekh chay shum yula yama mysh khleb"),
        ("и\u0306од", "yod"),  # decomposed й
        ("Café Crème Brûlée", "cafe creme brulee"),
        ("Straße", "strasse"),
        ("Rice, 1 kg", "rice, 1 kg"),
        ("", ""),
    ],
)
def test_to_latin(text: str, expected: str | None) -> None:
    if expected is None:
        expected = "zham tsov tsurt jur chash chors khot ghek tut pogh kar hor rus"
    assert to_latin(text) == expected


def test_to_latin_armenian_word_start_rules() -> None:
    assert to_latin("Ոսկի").startswith("vo")
    assert to_latin("կով") == "kov"
    assert to_latin("Եղ") == "yegh"
    assert to_latin("մեղր") == "meghr"
    assert to_latin("ուղի").startswith("u")
    assert to_latin("մեր, երկու") == "mer, yerku"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (RICE_HY, "brinc 1 kg"),
        (RICE_RU, "ris 1 kg"),
        ("Rice1kg", "rice 1 kg"),
        ("t'ey", "tei"),
        ("  many   spaces\t", "mani spaces"),
        ("!!! ,,, ...", ""),
        ("", ""),
    ],
)
def test_search_key_examples(text: str, expected: str) -> None:
    assert search_key(text) == expected


def test_empty_query_matches_nothing() -> None:
    assert not matches("", RICE_HY)
    assert not matches("   ", RICE_HY)
    assert not matches("!?", RICE_HY)
    assert not matches("", "")


# --- properties -------------------------------------------------------------------------

ARMENIAN = "".join(chr(c) for c in range(0x0531, 0x0557)) + "".join(
    chr(c) for c in range(0x0561, 0x0588)
)
CYRILLIC = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя"
LATIN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SCRIPTS = ARMENIAN + CYRILLIC + LATIN
KEY_SHAPE = re.compile(r"(?:[a-z0-9]+(?: [a-z0-9]+)*)?")

script_text = st.text(alphabet=SCRIPTS + "0123456789 ,.-", max_size=40)
script_word = st.text(alphabet=SCRIPTS, min_size=1, max_size=15)


@given(st.text())
def test_search_key_shape_on_any_text(text: str) -> None:
    assert KEY_SHAPE.fullmatch(search_key(text))


@given(st.text())
def test_search_key_is_idempotent(text: str) -> None:
    key = search_key(text)
    assert search_key(key) == key


@given(st.text())
def test_to_latin_and_matches_never_raise(text: str) -> None:
    assert isinstance(to_latin(text), str)
    assert isinstance(matches(text, text), bool)


@given(script_text)
def test_to_latin_of_known_scripts_is_ascii(text: str) -> None:
    assert re.fullmatch(r"[a-z0-9 ,.\-]*", to_latin(text))


@given(st.text())
def test_text_matches_itself(text: str) -> None:
    assert matches(text, text) == bool(search_key(text))


@given(script_text, script_text)
def test_match_survives_appending_words(text: str, extra: str) -> None:
    if search_key(text):
        assert matches(text, f"{text} {extra}")
        assert matches(text, f"{extra} {text}")


@given(script_text)
def test_search_key_ignores_case(text: str) -> None:
    key = search_key(text)
    assert search_key(text.upper()) == key
    assert search_key(text.lower()) == key


@given(script_text, script_text)
def test_search_key_is_word_by_word(a: str, b: str) -> None:
    assert search_key(f"{a} {b}") == " ".join(filter(None, [search_key(a), search_key(b)]))


@given(script_word, script_word, st.text(alphabet=SCRIPTS + " ", max_size=20))
def test_query_is_and_of_words(a: str, b: str, text: str) -> None:
    assume(search_key(a) and search_key(b))
    assert matches(f"{a} {b}", text) == (matches(a, text) and matches(b, text))
