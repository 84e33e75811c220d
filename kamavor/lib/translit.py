"""Cross-script transliteration and search keys for item names (Armenian, Russian, Latin).

Standard library only, no Django: a name is found whatever script or romanisation is typed.

``to_latin`` romanises Eastern Armenian and Russian Cyrillic. ``search_key`` folds the
romanisation into a phonetic skeleton in which the usual spellings of one sound collide
(kh/x/h, ts/tz/dz/c, shch/sch/sh, ye/e, ou/oo/u, q/k, w/v, y/i, doubled letters).
``matches`` is an AND of substring tests of the query's key words in the text's key.

Examples: "brindz", "բրինձ" and "бриндз" all match "Բրինձ, 1 կգ"; "ris", "рис" and "ռիս"
match "Рис, 1 кг"; "shaqar" and "shakar" match "Շաքարավազ".
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["matches", "search_key", "to_latin"]

# Eastern Armenian, lowercase. Context rules for ե, ո and ու live in _transliterate().
_ARMENIAN: dict[str, str] = {
    "ա": "a",
    "բ": "b",
    "գ": "g",
    "դ": "d",
    "ե": "e",
    "զ": "z",
    "է": "e",
    "ը": "y",
    "թ": "t",
    "ժ": "zh",
    "ի": "i",
    "լ": "l",
    "խ": "kh",
    "ծ": "ts",
    "կ": "k",
    "հ": "h",
    "ձ": "dz",
    "ղ": "gh",
    "ճ": "ch",
    "մ": "m",
    "յ": "y",
    "ն": "n",
    "շ": "sh",
    "ո": "o",
    "չ": "ch",
    "պ": "p",
    "ջ": "j",
    "ռ": "r",
    "ս": "s",
    "վ": "v",
    "տ": "t",
    "ր": "r",
    "ց": "ts",
    "ւ": "v",
    "փ": "p",
    "ք": "k",
    "օ": "o",
    "ֆ": "f",
    "և": "ev",
}

# Russian (plus the few extra Ukrainian/Belarusian letters), lowercase.
_CYRILLIC: dict[str, str] = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "yo",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "і": "i",
    "ї": "yi",
    "є": "ye",
    "ґ": "g",
    "ў": "u",
}

_SCRIPT_LETTERS = frozenset(_ARMENIAN) | frozenset(_CYRILLIC)

# Latin letters that NFKD does not reduce to ASCII.
_LATIN_EXTRA: dict[str, str] = {
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ı": "i",
    "ə": "y",  # ISO 9985 spelling of ը
}

# Armenian intra-word marks (՛ ՜ ՞ ...) vanish, so that "ինչո՞ւ" still has its ու;
# Armenian punctuation becomes its Latin counterpart.
_ARMENIAN_PUNCT = {
    **dict.fromkeys(map(ord, "\u0559\u055a\u055b\u055c\u055e\u055f"), None),
    ord("\u055d"): ",",
    ord("\u0589"): ".",
    ord("\u058a"): "-",
}

# Look-alike letters typed in the wrong script inside one word (Latin "c" in "cахар").
_LATIN_HOMOGLYPHS = "aceopxyk"
_CYRILLIC_HOMOGLYPHS = "асеорхук"
_TO_CYRILLIC = str.maketrans(_LATIN_HOMOGLYPHS, _CYRILLIC_HOMOGLYPHS)
_TO_LATIN = str.maketrans(_CYRILLIC_HOMOGLYPHS, _LATIN_HOMOGLYPHS)
_LETTER_RUN = re.compile(r"[^\W\d_]+")

_APOSTROPHES = re.compile("['`\u00b4\u02b9\u02bb\u02bc\u02bd\u2018\u2019\u055a]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DIGIT_LETTER = re.compile(r"(?<=[0-9])(?=[a-z])|(?<=[a-z])(?=[0-9])")

# Spelling variants -> canonical symbol. Longest alternatives first: the regex takes the
# first alternative that matches, which makes tokenisation greedy.
_FOLD: dict[str, str] = {
    "shch": "sh",
    "sch": "sh",
    "dzh": "j",
    "tch": "ch",
    "kh": "h",
    "gh": "g",
    "th": "t",
    "ph": "p",
    "ts": "c",
    "tz": "c",
    "dz": "c",
    "dj": "j",
    "ye": "e",
    "yo": "o",
    "yu": "u",
    "ya": "a",
    "ou": "u",
    "oo": "u",
    "x": "h",
    "w": "v",
    "q": "k",
    "y": "i",
}
_KEEP = ("sh", "ch", "zh")  # digraphs that stay distinct (so "ch" is not "c" + "h")
_TOKEN = re.compile(
    "|".join(sorted((*_FOLD, *_KEEP), key=len, reverse=True)) + "|[a-z0-9]",
)


def _simplify(ch: str) -> str:
    """Reduce one lowercase character that is not Armenian/Cyrillic to plain Latin if possible."""
    if ch.isascii() or ch in _SCRIPT_LETTERS:
        return ch
    if ch in _LATIN_EXTRA:
        return _LATIN_EXTRA[ch]
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return "".join(_LATIN_EXTRA.get(c, c) for c in base.lower())


def _is_latin(ch: str) -> bool:
    return "a" <= ch <= "z"


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _fix_homoglyphs(word: str) -> str:
    """Put a word mixing Latin and Cyrillic into one script by swapping look-alike letters."""
    latin = [c for c in word if _is_latin(c)]
    cyrillic = [c for c in word if _is_cyrillic(c)]
    if not latin or not cyrillic:
        return word
    can_be_cyrillic = all(c in _LATIN_HOMOGLYPHS for c in latin)
    can_be_latin = all(c in _CYRILLIC_HOMOGLYPHS for c in cyrillic)
    prefer_cyrillic = len(cyrillic) >= len(latin)
    if can_be_cyrillic and (prefer_cyrillic or not can_be_latin):
        return word.translate(_TO_CYRILLIC)
    if can_be_latin:
        return word.translate(_TO_LATIN)
    return word.translate(_TO_CYRILLIC if prefer_cyrillic else _TO_LATIN)


def _transliterate(s: str) -> str:
    """Romanise the Armenian and Cyrillic letters of a lowercased string."""
    out: list[str] = []
    for i, ch in enumerate(s):
        prev = s[i - 1] if i else ""
        word_start = not prev.isalpha()
        if ch == "ո":
            if s[i + 1 : i + 2] == "ւ":
                out.append("u")
            else:
                out.append("vo" if word_start else "o")
        elif ch == "ւ" and prev == "ո":
            continue  # second half of ու, already written
        elif ch == "ե":
            out.append("ye" if word_start else "e")
        elif ch in _ARMENIAN:
            out.append(_ARMENIAN[ch])
        elif ch in _CYRILLIC:
            out.append(_CYRILLIC[ch])
        else:
            out.append(ch)
    return "".join(out)


def to_latin(text: str) -> str:
    """Romanise Eastern Armenian and Russian text into lowercase Latin, stripping accents.

    Digits, punctuation and spacing are kept; letters of other scripts pass through unchanged.
    """
    s = unicodedata.normalize("NFC", text).lower().translate(_ARMENIAN_PUNCT)
    s = "".join(map(_simplify, s))
    s = _LETTER_RUN.sub(lambda m: _fix_homoglyphs(m.group()), s)
    return _transliterate(s)


def _fold_word(word: str) -> str:
    symbols: list[str] = []
    for token in _TOKEN.findall(word):
        symbol = _FOLD.get(token, token)
        if not symbols or symbols[-1] != symbol:
            symbols.append(symbol)
    return "".join(symbols)


def search_key(text: str) -> str:
    """Fold text to a phonetic skeleton of words made of [a-z0-9] separated by single spaces.

    Apply it to both the stored name and the query; the result is idempotent.
    """
    s = to_latin(_APOSTROPHES.sub("", text))
    s = _DIGIT_LETTER.sub(" ", _NON_ALNUM.sub(" ", s))
    key = " ".join(s.split())
    # Fold to a fixed point (so search_key(search_key(x)) == search_key(x)). This terminates:
    # every change either shortens the key or removes one of x/w/q/y, which folding never adds.
    while True:
        folded = " ".join(_fold_word(word) for word in key.split())
        if folded == key:
            return key
        key = folded


def matches(query: str, text: str) -> bool:
    """True if every word of search_key(query) is a substring of search_key(text).

    A query with an empty key (blank, punctuation only) matches nothing.
    """
    words = search_key(query).split()
    if not words:
        return False
    key = search_key(text)
    return all(word in key for word in words)
