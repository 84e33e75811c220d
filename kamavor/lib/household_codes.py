"""Household codes: short, random, read aloud and typed at a desk without mistakes.

A code is seven random characters and a check character from a 23-letter alphabet that leaves
out look-alikes (0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B). The check character is a weighted sum modulo
23, a prime, with distinct weights: it catches any one mistyped character and any swap of two
different characters. Codes are shown as two groups of four: ``KX4M-7QAT``.
"""

from __future__ import annotations

import secrets

ALPHABET = "ACDEFHJKMNPQRTUVWXY3479"
BASE = len(ALPHABET)  # 23, a prime
BODY_LENGTH = 7
LENGTH = BODY_LENGTH + 1
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
assert BASE == 23 and len(_VALUE) == BASE


def _check_value(body: str) -> int:
    total = sum((position + 1) * _VALUE[ch] for position, ch in enumerate(body))
    # Weight of the check character is LENGTH; choose it so that the whole sum is 0 mod BASE.
    inverse = pow(LENGTH, -1, BASE)
    return (-total * inverse) % BASE


def check_character(body: str) -> str:
    return ALPHABET[_check_value(body)]


def new_code() -> str:
    """A fresh random code (not derived from anything about the household)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_character(body)


def normalise(text: str) -> str:
    """Uppercase, without spaces or hyphens, as typed or scanned."""
    return "".join(ch for ch in (text or "").upper() if ch not in " -_.\t")


def is_valid(text: str) -> bool:
    code = normalise(text)
    if len(code) != LENGTH or any(ch not in _VALUE for ch in code):
        return False
    return code[-1] == check_character(code[:-1])


def display(code: str) -> str:
    code = normalise(code)
    return f"{code[:4]}-{code[4:]}"
