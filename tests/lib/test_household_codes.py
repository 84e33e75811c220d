import itertools

from hypothesis import given
from hypothesis import strategies as st

from kamavor.lib import household_codes as codes

valid_codes = st.text(alphabet=codes.ALPHABET, min_size=7, max_size=7).map(
    lambda body: body + codes.check_character(body)
)


def test_new_codes_are_valid_random_and_unambiguous():
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) == 2000
    for code in made:
        assert codes.is_valid(code)
        assert not set(code) & set("0O1IL2Z5S6G8B")


@given(valid_codes)
def test_display_and_normalise_round_trip(code):
    assert codes.is_valid(codes.display(code).lower())
    assert codes.normalise(codes.display(code)) == code


@given(valid_codes, st.data())
def test_any_single_mistyped_character_is_caught(code, data):
    position = data.draw(st.integers(0, codes.LENGTH - 1))
    wrong = data.draw(st.sampled_from([c for c in codes.ALPHABET if c != code[position]]))
    assert not codes.is_valid(code[:position] + wrong + code[position + 1 :])


@given(valid_codes, st.data())
def test_any_swap_of_two_different_characters_is_caught(code, data):
    pairs = [
        (i, j) for i, j in itertools.combinations(range(codes.LENGTH), 2) if code[i] != code[j]
    ]
    if not pairs:
        return
    i, j = data.draw(st.sampled_from(pairs))
    swapped = list(code)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    assert not codes.is_valid("".join(swapped))


def test_junk_is_not_a_code():
    for text in ("", "ABC", "KX4M-7QA0", "ZZZZZZZZ", "KX4M7QATT"):
        assert not codes.is_valid(text)
