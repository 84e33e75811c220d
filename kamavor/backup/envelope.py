"""The encrypted backup file: authenticated encryption in chunks, so a database of any size is
sealed and opened without holding it in memory.

Layout: MAGIC, the kind of payload, a random salt, a key check, then chunks (4-byte length +
AES-256-GCM ciphertext of up to CHUNK bytes). Each file gets its own key, derived from the backup
key and the salt (HKDF-SHA256), so nonces (a chunk counter) never repeat under one key. The
header is authenticated with every chunk; the last chunk is sealed with a "final" flag in its
nonce, so a reordered, cut or altered file is refused, never half-restored. The key check (also
derived from the backup key) tells "wrong key" apart from "damaged file".
"""

from __future__ import annotations

import base64
import os
import secrets
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"KAMAVOR-BACKUP\x00\x01"
CHUNK = 1 << 20
KEY_BYTES = 32
_LENGTH = struct.Struct(">I")


class BackupError(Exception):
    """A backup cannot be made, opened or restored; the message says why and what to do."""


class WrongKey(BackupError):
    pass


class Damaged(BackupError):
    pass


def new_key() -> str:
    """A new backup key as text (URL-safe base64 of 32 random bytes)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def parse_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (ValueError, TypeError):
        key = b""
    if len(key) != KEY_BYTES:
        raise BackupError("The backup key is not valid (expected 32 bytes in URL-safe base64).")
    return key


def _derive(key: bytes, salt: bytes, info: bytes, length: int = KEY_BYTES) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(key)


def _key_check(key: bytes) -> bytes:
    return _derive(key, b"", b"kamavor backup key check", 16)


def _nonce(counter: int, final: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


def _header(kind: str, salt: bytes, check: bytes) -> bytes:
    name = kind.encode()
    return MAGIC + bytes([len(name)]) + name + salt + check


def seal(source: BinaryIO, target: BinaryIO, *, key: bytes, kind: str) -> int:
    """Encrypt everything `source` yields into `target`; returns the plaintext size."""
    salt = os.urandom(16)
    header = _header(kind, salt, _key_check(key))
    aead = AESGCM(_derive(key, salt, b"kamavor backup v1 " + kind.encode()))
    target.write(header)
    total, counter = 0, 0
    pending = source.read(CHUNK)
    while True:
        following = source.read(CHUNK) if pending else b""
        final = not following
        sealed = aead.encrypt(_nonce(counter, final), pending, header)
        target.write(_LENGTH.pack(len(sealed)) + sealed)
        total += len(pending)
        if final:
            return total
        pending, counter = following, counter + 1


def read_kind(source: BinaryIO) -> str:
    """The payload's kind from a backup's header (the stream is left after the header)."""
    return _read_header(source)[0]


def _read_header(source: BinaryIO) -> tuple[str, bytes, bytes]:
    magic = source.read(len(MAGIC))
    if magic != MAGIC:
        raise Damaged("This is not a Kamavor backup (or not one this version can read).")
    size = source.read(1)
    name = source.read(size[0]) if size else b""
    salt, check = source.read(16), source.read(16)
    if not size or len(name) != size[0] or len(salt) != 16 or len(check) != 16:
        raise Damaged("The backup file is cut short.")
    return name.decode("ascii", "replace"), salt, check


def unseal(source: BinaryIO, *, key: bytes) -> tuple[str, Iterator[bytes]]:
    """The payload's kind and its plaintext chunks, each authenticated before it is yielded.

    Raises WrongKey at once for another key, and Damaged (while iterating) for any change.
    """
    kind, salt, check = _read_header(source)
    if not secrets.compare_digest(check, _key_check(key)):
        raise WrongKey(
            "This backup was made with another backup key: use the key that was in force "
            "when it was written (KAMAVOR_BACKUP_KEY or the data folder's backup_key)."
        )
    header = _header(kind, salt, check)
    aead = AESGCM(_derive(key, salt, b"kamavor backup v1 " + kind.encode()))

    def chunks() -> Iterator[bytes]:
        counter = 0
        sealed = _read_chunk(source)
        if sealed is None:
            raise Damaged("The backup file is cut short.")
        while sealed is not None:
            following = _read_chunk(source)
            try:
                yield aead.decrypt(_nonce(counter, following is None), sealed, header)
            except InvalidTag:
                raise Damaged(
                    "The backup file was changed or cut short after it was written: it is "
                    "refused. Use another copy."
                ) from None
            sealed, counter = following, counter + 1

    return kind, chunks()


def _read_chunk(source: BinaryIO) -> bytes | None:
    raw = source.read(_LENGTH.size)
    if not raw:
        return None
    if len(raw) != _LENGTH.size:
        raise Damaged("The backup file is cut short.")
    (size,) = _LENGTH.unpack(raw)
    if size > CHUNK + 16:
        raise Damaged("The backup file was changed after it was written: it is refused.")
    sealed = source.read(size)
    if len(sealed) != size:
        raise Damaged("The backup file is cut short.")
    return sealed
