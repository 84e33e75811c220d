"""Encryption of personal data at rest, and keyed digests for exact lookups.

Keys are the network's encryption keys (never Django's secret key): the first one seals,
every listed one opens, so a key can be rotated by putting a new one first and re-sealing.
Digests (HMAC-SHA256) let a desk find a household by exact phone or document number without
the database ever holding the number, nor a plain hash that could be reversed by guessing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Sequence
from functools import cached_property

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["InvalidToken", "Vault"]


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"kamavor", info=purpose).derive(
        secret.encode()
    )


class Vault:
    """Seals and opens text with the network's keys; the first key is the current one."""

    def __init__(self, keys: Sequence[str]):
        keys = [k.strip() for k in keys if k and k.strip()]
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._keys = keys

    @cached_property
    def _fernet(self) -> MultiFernet:
        return MultiFernet(
            [Fernet(base64.urlsafe_b64encode(_derive(k, b"personal-data"))) for k in self._keys]
        )

    @cached_property
    def _lookup_key(self) -> bytes:
        return _derive(self._keys[0], b"lookup-digest")

    def seal(self, text: str) -> str:
        """The encrypted form of text ('' stays '')."""
        if not text:
            return ""
        return self._fernet.encrypt(text.encode()).decode("ascii")

    def open(self, token: str) -> str:
        """The text of a sealed value; raises InvalidToken if no key opens it."""
        if not token:
            return ""
        return self._fernet.decrypt(token.encode("ascii")).decode()

    def reseal(self, token: str) -> str:
        """The same value sealed with the current key (for key rotation)."""
        if not token:
            return ""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")

    def digester(self, prefix: str = "") -> Callable[[str], str]:
        """A fast `digest` of prefix + value for many values (the keyed state made once)."""
        base = hmac.new(self._lookup_key, prefix.encode(), hashlib.sha256)

        def digest(value: str) -> str:
            h = base.copy()
            h.update(value.encode())
            return h.hexdigest()

        return digest

    def digest(self, value: str) -> str:
        """A keyed digest for exact-match lookups ('' for an empty value)."""
        if not value:
            return ""
        return hmac.new(self._lookup_key, value.encode(), hashlib.sha256).hexdigest()
