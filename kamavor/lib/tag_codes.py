"""Tag codes for bags and containers: short, random, unambiguous, with a check character.

They use the household codes' alphabet of 23 characters without look-alikes, and the same kind
of check character (a weighted sum modulo 23 with distinct weights: any one mistyped character
and any swap of two different characters is caught). A bag's code has five random characters
and a check (6.4 million codes: a busy door prints a few hundred a day); a container's has six
and a check, so that a code typed at the wrong desk is never taken for the other kind. Codes
are shown in two groups: ``KX4-M7Q`` for a bag, ``KX4M-7QA`` for a container.
"""

from __future__ import annotations

import secrets

from kamavor.lib.household_codes import ALPHABET, BASE, normalise

BAG_LENGTH = 6
CONTAINER_LENGTH = 7
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}

__all__ = ["BAG_LENGTH", "CONTAINER_LENGTH", "display", "is_valid", "new_code", "normalise"]


def _check_character(body: str) -> str:
    length = len(body) + 1
    total = sum((position + 1) * _VALUE[ch] for position, ch in enumerate(body))
    return ALPHABET[(-total * pow(length, -1, BASE)) % BASE]


def new_code(length: int) -> str:
    """A fresh random code of `length` characters, the last one a check character."""
    if not 2 <= length < BASE:
        raise ValueError("a code has 2 to 22 characters")
    body = "".join(secrets.choice(ALPHABET) for _ in range(length - 1))
    return body + _check_character(body)


def is_valid(text: str, length: int) -> bool:
    """Whether the text (as typed or scanned) is a well-formed code of that length."""
    code = normalise(text)
    if len(code) != length or any(ch not in _VALUE for ch in code):
        return False
    return code[-1] == _check_character(code[:-1])


def display(code: str) -> str:
    """The code in two groups for reading aloud: the first half, a hyphen, the rest."""
    code = normalise(code)
    half = (len(code) + 1) // 2
    return f"{code[:half]}-{code[half:]}"
