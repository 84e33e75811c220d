"""Normal forms of what identifies a person, built for Armenian names in three scripts.

Standard library only, no Django. Each function turns one typed value into the plain keys that
two registrations of the same person share however it was typed; the matching app digests
every key with the network's lookup key before storing or comparing it, so these plain forms
never reach the database.

- Names: romanised (``translit.to_latin``), the family-name endings -ян, -янц, -ian, -jan,
  -yants… read as -yan, and known spellings that sound rules cannot fold (Оганесян and
  Hovhannisyan, Ваге and Vahe, Мгер and Mher) replaced by their Eastern form from a table kept
  as data (``data/name_equivalents.json``). Then three keys per word: the *key* (a phonetic
  fold with h dropped), the *skeleton* (consonants only, voiced and voiceless merged, which is
  how Western Armenian differs: Kevork/Gevorg, Krikorian/Grigoryan, Bedrosian/Petrosyan) and
  the *deletion neighbourhood* of the key (the key with any one letter dropped), so that two
  spellings one typo apart share a key.
- Birth dates: full, year only or unknown; keys tolerate a day and month typed the other way.
- Phones: digits with Armenia's prefixes folded, in every format people type them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from kamavor.lib.translit import search_key, to_latin

__all__ = [
    "BirthDate",
    "birth_date_keys",
    "canonical_word",
    "deletions",
    "loose",
    "name_keys",
    "name_word_key",
    "parse_birth_date",
    "phone_key",
    "replaced",
    "skeleton",
]

DATA = Path(__file__).with_name("data") / "name_equivalents.json"
_LETTERS = re.compile(r"[a-z]+")
_LONE_H = re.compile(r"(?<![csz])h")  # h that is not part of sh, ch or zh
_VOWELS = frozenset("aeiou")
# Western Armenian voices what Eastern unvoices and back; Russian writes ղ and հ as г.
_UNVOICE = str.maketrans({"b": "p", "g": "k", "d": "t", "j": "c", "z": "s", "v": "f"})
_NON_DIGIT = re.compile(r"\D+")
MIN_DELETION_LENGTH = 4


@cache
def _table() -> tuple[tuple[str, ...], str, dict[str, str]]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    suffixes = tuple(sorted(data["suffixes"], key=len, reverse=True))
    return suffixes, data["suffix"], dict(data["words"])


def _latin_words(text: str) -> list[str]:
    return _LETTERS.findall(to_latin(text or "").replace("'", ""))


def canonical_word(word: str) -> str:
    """One name word in its Eastern Armenian Latin form where the table knows it.

    The family-name ending is read as -yan (Петросянц, Bedrossian, Arutjunjan), and the stem
    before it, or the whole word, is looked up among the known equivalents.
    """
    suffixes, suffix, words = _table()
    word = "".join(_latin_words(word))
    for ending in suffixes:
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= 2:
            return words.get(stem, stem) + suffix
    return words.get(word, word)


@lru_cache(maxsize=50_000)
def name_word_key(word: str) -> str:
    """The phonetic key of a canonical word: translit's fold, with every lone h dropped
    (Russian spellings lose it: Саакян, Sahakyan) and doubled letters as one."""
    key = _LONE_H.sub("", search_key(canonical_word(word)).replace(" ", ""))
    return re.sub(r"(.)\1+", r"\1", key)


def skeleton(key: str) -> str:
    """Consonants of a key, voiced and voiceless merged, a leading vowel kept as "a"."""
    if not key:
        return ""
    head = "a" if key[0] in _VOWELS else key[0].translate(_UNVOICE)
    body = "".join(c for c in key[1:] if c not in _VOWELS).translate(_UNVOICE)
    out = head
    for c in body:
        if c != out[-1]:
            out += c
    return out


def loose(skeleton_: str) -> str:
    """A skeleton without its leading vowel mark and without k, which stands for the g, gh,
    kh and h that Russian writes г or х and other spellings drop (Hovhannisyan, Ховганнисян,
    Гованнисян; Hambardzumyan, Гамбардзумян): names that sound alike to a desk but that no
    rule above folds. Weak alone (many names share one), so weighed as its own level."""
    body = skeleton_[1:] if skeleton_[:1] == "a" else skeleton_
    out = ""
    for c in body.replace("k", ""):
        if not out or c != out[-1]:
            out += c
    return out


def deletions(key: str) -> set[str]:
    """The key and every form of it with one letter dropped (for keys of 4 letters or more):
    two words one typo apart (a letter wrong, missing, added or two swapped) share one."""
    found = {key}
    if len(key) >= MIN_DELETION_LENGTH:
        found.update(key[:i] + key[i + 1 :] for i in range(len(key)))
    return found


def replaced(key: str) -> set[str]:
    """The key with each letter dropped, marked with the letter's place ("2:aren"), for keys of
    4 letters or more: two keys sharing one differ by one letter replaced at that place
    (Armen, Arsen), where a shared deletion alone may be two letters apart (Armen, Karen)."""
    if len(key) < MIN_DELETION_LENGTH:
        return set()
    return {f"{i}:{key[:i]}{key[i + 1 :]}" for i in range(len(key))}


@dataclass(frozen=True)
class NameKeys:
    """The keys of one name field (given or family), each a set over its words."""

    full: str  # the keys of all words, in order: the name "as one"
    keys: frozenset[str]
    skeletons: frozenset[str]
    deletions: frozenset[str]
    loose: frozenset[str] = frozenset()
    replaced: frozenset[str] = frozenset()  # the deletions with their places (see `replaced`)

    @property
    def empty(self) -> bool:
        return not self.full


def name_keys(text: str) -> NameKeys:
    """Keys of a name field in any script; words shorter than two letters are left out."""
    keys = [k for k in (name_word_key(w) for w in _split_words(text)) if len(k) >= 2]
    return NameKeys(
        full=" ".join(keys),
        keys=frozenset(keys),
        skeletons=frozenset(skeleton(k) for k in keys),
        deletions=frozenset(d for k in keys for d in deletions(k)),
        loose=frozenset(x for k in keys if len(x := loose(skeleton(k))) >= 2),
        replaced=frozenset(r for k in keys for r in replaced(k)),
    )


def _split_words(text: str) -> list[str]:
    # Split on anything that is not a letter of a script (hyphens: Ter-Petrosyan).
    return [w for w in re.split(r"[^\w]+|_|\d", text or "") if w]


# ---------------------------------------------------------------- birth dates


@dataclass(frozen=True)
class BirthDate:
    """A birth date as known: a year, and the month and day when the full date is known."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def full(self) -> bool:
        return self.month is not None and self.day is not None


_DATE_PARTS = re.compile(r"\d+")


def parse_birth_date(text: str, *, today: dt.date | None = None) -> BirthDate | None:
    """A typed birth date: "1980-05-03", "03.05.1980", "3/5/1980" or "1980"; None when empty
    or unreadable. Day and month are taken as typed in d.m.y order, or y-m-d; a day over 12
    typed in the month's place is swapped back."""
    parts = [int(p) for p in _DATE_PARTS.findall(text or "")]
    this_year = (today or dt.date.today()).year
    if len(parts) == 1:
        year = parts[0]
        return BirthDate(year) if 1900 <= year <= this_year else None
    if len(parts) != 3:
        return None
    if parts[0] > 31:
        year, month, day = parts
    else:
        day, month, year = parts
    if not 1900 <= year <= this_year:
        return None
    if month > 12 >= day:
        month, day = day, month
    try:
        dt.date(year, month, day)
    except ValueError:
        return None
    return BirthDate(year, month, day)


def birth_date_keys(date: BirthDate | None) -> dict[str, str]:
    """Keys of a birth date by kind: ``full`` (y-m-d), ``swap`` (y and the day and month in
    either order), ``year``, ``daymonth`` (for a year typed wrong) and ``precision``."""
    if date is None:
        return {}
    keys = {"year": str(date.year), "precision": "year"}
    if date.full:
        low, high = sorted((date.month, date.day))
        keys.update(
            full=f"{date.year}-{date.month}-{date.day}",
            swap=f"{date.year}:{low}:{high}",
            daymonth=f"{low}:{high}",
            precision="full",
        )
    return keys


# ---------------------------------------------------------------- phones


def phone_key(text: str) -> str:
    """Digits only, with Armenia's prefixes folded: +374 91 234567, 00374 91-23-45-67,
    (091) 23 45 67, 8 091 234567 and 91234567 are all "91234567". Other numbers keep their
    digits without an international 00 or +. Empty for fewer than six digits."""
    digits = _NON_DIGIT.sub("", text or "")
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("374") and len(digits) == 11:
        digits = digits[3:]
    elif digits.startswith("80") and len(digits) == 10:
        digits = digits[2:]  # the old trunk prefix 8 before 0xx
    elif digits.startswith("0") and len(digits) == 9:
        digits = digits[1:]
    return digits if len(digits) >= 6 else ""
