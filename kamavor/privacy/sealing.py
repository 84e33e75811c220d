"""The network's vault for personal data, and the normal forms that keyed lookups digest.

Phones, document numbers and the words of names are normalised before they are digested, so
that "+374 91 23-45-67", "091234567" and "91 234567" find the same household, and "Անահիտ",
"Anahit" and "Анаит" share a name token. Each kind of value is digested under its own prefix,
so a phone number never matches a document number that happens to have the same digits.
"""

from __future__ import annotations

import re

from django.conf import settings

from kamavor.lib.sealing import Vault
from kamavor.lib.translit import search_key

_cache: dict[str, Vault] = {}
_NON_DIGIT = re.compile(r"\D+")
_NON_ALNUM = re.compile(r"[\W_]+")
_LONE_H = re.compile(r"(?<![csz])h")  # h that is not part of sh, ch or zh
_IAN = re.compile(r"ian$")  # Petrossian, Petrosyan, Петросян: the -յան ending


def encryption_keys() -> list[str]:
    """settings.ENCRYPTION_KEY as a list: the first key seals, every key opens."""
    return [k.strip() for k in str(settings.ENCRYPTION_KEY).split(",") if k.strip()]


def vault() -> Vault:
    """The vault for the configured keys (rebuilt when the setting changes, as in tests)."""
    setting = str(settings.ENCRYPTION_KEY)
    if setting not in _cache:
        _cache.clear()
        _cache[setting] = Vault(encryption_keys())
    return _cache[setting]


def normalise_phone(text: str) -> str:
    """Digits only, with Armenia's prefixes folded: +374 91 234567, 00374…, 0 91 234567 and
    91 234567 are all "91234567". Other countries keep their digits (without a leading 00)."""
    digits = _NON_DIGIT.sub("", text or "")
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("374") and len(digits) == 11:
        return digits[3:]
    if digits.startswith("0") and len(digits) == 9:
        return digits[1:]
    return digits


def normalise_document(text: str) -> str:
    """Letters and digits only, upper case: "an 123 45-67" is "AN1234567"."""
    return _NON_ALNUM.sub("", text or "").upper()


def name_words(name: str) -> list[str]:
    """The words of a name folded across scripts; h is dropped because Russian spellings of
    Armenian names often lose it (Անահիտ, Anahit, Анаит), and -ian is -yan (Petrossian)."""
    words = []
    for word in search_key(name or "").split():
        word = _IAN.sub("an", _LONE_H.sub("", word))
        if len(word) >= 2 and word not in words:
            words.append(word)
    return words


def phone_digest(phone: str, v: Vault | None = None) -> str:
    value = normalise_phone(phone)
    return (v or vault()).digest("phone:" + value) if value else ""


def document_digest(document: str, v: Vault | None = None) -> str:
    value = normalise_document(document)
    return (v or vault()).digest("document:" + value) if value else ""


def name_digests(name: str, v: Vault | None = None) -> list[str]:
    v = v or vault()
    return [v.digest("name:" + word) for word in name_words(name)]


def volunteer_phone_digest(phone: str, v: Vault | None = None) -> str:
    """A volunteer's phone, digested apart from households' phones (its own prefix)."""
    return (v or vault()).digest("volunteer-phone:" + normalise_phone(phone)) if phone else ""


def volunteer_email_digest(email: str, v: Vault | None = None) -> str:
    """A volunteer's e-mail address, case folded, digested under its own prefix."""
    return (v or vault()).digest("volunteer-email:" + email.strip().lower()) if email else ""
