"""Bag and container codes: unique enough, and every one-character slip or swap is caught."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kamavor.lib import tag_codes
from kamavor.lib.household_codes import ALPHABET

LENGTHS = st.sampled_from([tag_codes.BAG_LENGTH, tag_codes.CONTAINER_LENGTH])


@given(length=LENGTHS, data=st.data())
def test_it_catches_any_one_mistyped_character(length, data):
    code = tag_codes.new_code(length)
    assert tag_codes.is_valid(code, length)
    position = data.draw(st.integers(0, length - 1))
    other = data.draw(st.sampled_from([c for c in ALPHABET if c != code[position]]))
    assert not tag_codes.is_valid(code[:position] + other + code[position + 1 :], length)


@given(length=LENGTHS, data=st.data())
def test_it_catches_any_swap_of_two_different_characters(length, data):
    code = tag_codes.new_code(length)
    i = data.draw(st.integers(0, length - 2))
    j = data.draw(st.integers(i + 1, length - 1))
    if code[i] == code[j]:
        return
    swapped = list(code)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    assert not tag_codes.is_valid("".join(swapped), length)


def test_it_reads_codes_as_typed_and_shows_them_in_two_groups():
    code = tag_codes.new_code(tag_codes.BAG_LENGTH)
    shown = tag_codes.display(code)
    assert shown == f"{code[:3]}-{code[3:]}"
    assert tag_codes.is_valid(shown.lower(), tag_codes.BAG_LENGTH)
    # A bag's code is never taken for a container's, nor the other way round.
    assert not tag_codes.is_valid(code, tag_codes.CONTAINER_LENGTH)
    assert not tag_codes.is_valid("O0I1L0", tag_codes.BAG_LENGTH)
