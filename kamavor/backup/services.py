"""Online, consistent, encrypted backups of the whole database, each one proven restorable.

- SQLite: SQLite's online backup API copies a consistent snapshot while desks go on writing
  (WAL readers never block writers); the copy is compressed, then sealed (envelope.py).
- PostgreSQL: `pg_dump --format=custom` reads one consistent snapshot while the app runs; it
  needs PostgreSQL's client tools (pg_dump, pg_restore) of the server's major version or newer,
  and, to verify, the right to create a scratch database (CREATEDB).

Every backup is verified after it is written: it is opened with the key, restored into a
scratch database and its ledger checked (kamavor.stock.audit). The backup key is kept apart
from the data it protects and from the personal-data key (see docs/deploy.md: Backups).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections

from kamavor.backup.envelope import BackupError, new_key, parse_key, seal, unseal
from kamavor.stock.audit import LedgerAudit, audit_ledger

SUFFIX = ".kmvbak"
KEY_FILE = "backup_key"
# Tables whose rows make a database "in use": a restore would replace people's work.
IN_USE_TABLES = ("auth_user", "network_organisation")
LIBPQ_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout")


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kind: str
    size: int  # bytes of the encrypted file
    audit: LedgerAudit | None


# ---------------------------------------------------------------------------------- the key


def key_path() -> Path:
    return Path(settings.DATA_DIR) / KEY_FILE


def backup_key(*, create: bool = False) -> bytes:
    """KAMAVOR_BACKUP_KEY, else the data folder's backup_key file (made, 0600, if `create`)."""
    if settings.KAMAVOR_BACKUP_KEY:
        return parse_key(settings.KAMAVOR_BACKUP_KEY)
    path = key_path()
    if not path.exists():
        if not create:
            raise BackupError(
                "No backup key: set KAMAVOR_BACKUP_KEY, or put the key file kept with your "
                f"backups at {path}."
            )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(new_key() + "\n")
    return parse_key(path.read_text())


# ---------------------------------------------------------------------------- making one


def database_settings(database: dict | None = None) -> dict:
    return database or connections["default"].settings_dict


def kind_of(database: dict) -> str:
    engine = database["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")


def default_path(folder: Path | None = None) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return (folder or Path(settings.DATA_DIR) / "backups") / f"kamavor-{stamp}{SUFFIX}"


def make_backup(
    target: Path | None = None, *, database: dict | None = None, verify: bool = True
) -> BackupResult:
    """Write an encrypted backup (0600) to `target` (a file, or a folder for a dated name)
    and, with `verify`, restore it into a scratch database and check the ledger."""
    database = database_settings(database)
    kind = kind_of(database)
    key = backup_key(create=True)
    if target is None or target.is_dir():
        target = default_path(target)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            with _payload(kind, database) as payload:
                seal(_Reader(payload), out, key=key, kind=kind)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    os.chmod(target, 0o600)
    audit = verify_backup(target, database=database) if verify else None
    if audit is not None and not audit.ok:
        raise BackupError(
            f"The backup {target} was written, but its ledger is not exact: {audit.describe()}."
        )
    return BackupResult(path=target, kind=kind, size=target.stat().st_size, audit=audit)


@contextlib.contextmanager
def _payload(kind: str, database: dict) -> Iterator[Iterable[bytes]]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="kamavor-backup-") as scratch:
            copy = Path(scratch) / "snapshot.sqlite3"
            _sqlite_snapshot(Path(database["NAME"]), copy)
            yield _compressed(copy)
        return
    dump = subprocess.Popen(
        [
            _tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--dbname={_conninfo(database)}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_pg_env(database),
    )
    assert dump.stdout is not None and dump.stderr is not None
    try:
        yield iter(lambda: dump.stdout.read(1 << 16), b"")
    except BaseException:
        dump.kill()
        dump.wait()
        raise
    error = dump.stderr.read().decode(errors="replace")
    if dump.wait() != 0:
        raise BackupError(f"pg_dump failed: {error.strip()}")


def _sqlite_snapshot(source: Path, target: Path) -> None:
    """One consistent copy through SQLite's online backup API (in one step: a snapshot)."""
    if not source.exists():
        raise BackupError(f"There is no database at {source}.")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        dst.close()
        src.close()


def _compressed(path: Path) -> Iterator[bytes]:
    packer = zlib.compressobj(6)
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            if out := packer.compress(block):
                yield out
    yield packer.flush()


class _Reader:
    """A file-like read() over an iterable of byte strings."""

    def __init__(self, blocks: Iterable[bytes]):
        self._blocks = iter(blocks)
        self._buffer = bytearray()

    def read(self, size: int) -> bytes:
        while len(self._buffer) < size:
            block = next(self._blocks, None)
            if block is None:
                break
            self._buffer += block
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out


# ---------------------------------------------------------------------- opening one


@contextlib.contextmanager
def _opened(path: Path, key: bytes, scratch: Path) -> Iterator[tuple[str, Path]]:
    """Decrypt `path` into a private file in `scratch`: (kind, file to restore from)."""
    if not path.is_file():
        raise BackupError(f"There is no backup at {path}.")
    with path.open("rb") as source:
        kind, chunks = unseal(source, key=key)
        restored = scratch / ("database.sqlite3" if kind == "sqlite" else "database.dump")
        fd = os.open(restored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            unpacker = zlib.decompressobj() if kind == "sqlite" else None
            for chunk in chunks:
                out.write(unpacker.decompress(chunk) if unpacker else chunk)
            if unpacker:
                out.write(unpacker.flush())
    yield kind, restored


def verify_backup(path: Path, *, database: dict | None = None) -> LedgerAudit:
    """Restore the backup into a scratch database and check its ledger (the live one is not
    touched). Raises BackupError for a wrong key, a changed file or a failed restore."""
    database = database_settings(database)
    key = backup_key()
    with (
        tempfile.TemporaryDirectory(prefix="kamavor-verify-") as scratch,
        _opened(path, key, Path(scratch)) as (kind, restored),
    ):
        if kind == "sqlite":
            return _audit_sqlite(restored)
        if kind_of(database) != "postgresql":
            raise BackupError("A PostgreSQL backup is verified against a PostgreSQL server.")
        with _scratch_database(database) as scratch_db:
            _pg_restore(restored, scratch_db, clean=False)
            return _audit_postgres(scratch_db)


def _audit_sqlite(path: Path) -> LedgerAudit:
    conn = sqlite3.connect(path)
    try:
        (result,) = conn.execute("PRAGMA integrity_check").fetchone()
        if result != "ok":
            raise BackupError(f"The restored SQLite database is damaged: {result}")
        return audit_ledger(conn.cursor())
    except sqlite3.DatabaseError as error:
        raise BackupError(f"The backup does not hold a usable database: {error}") from None
    finally:
        conn.close()


def _audit_postgres(database: dict) -> LedgerAudit:
    import psycopg

    password = database.get("PASSWORD") or None
    with psycopg.connect(_conninfo(database), password=password) as conn, conn.cursor() as cursor:
        return audit_ledger(cursor)


@contextlib.contextmanager
def _scratch_database(database: dict) -> Iterator[dict]:
    """A new, empty PostgreSQL database beside `database`, dropped afterwards."""
    import psycopg

    name = f"{database['NAME'][:40]}_verify_{secrets.token_hex(4)}"
    admin = _conninfo(database)
    password = database.get("PASSWORD") or None
    with psycopg.connect(admin, password=password, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**database, "NAME": name}
    finally:
        with psycopg.connect(admin, password=password, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------- restoring


def restore_backup(path: Path, *, database: dict | None = None, force: bool = False) -> LedgerAudit:
    """Replace the database with the backup's content, after checking the backup restores
    with an exact ledger. Refuses a database in use unless `force`."""
    database = database_settings(database)
    kind = kind_of(database)
    key = backup_key()
    in_use = rows_in_use(database)
    if in_use and not force:
        raise BackupError(
            f"The database is not empty ({in_use} users and organisations): restoring would "
            "replace it. Stop the server, and use --force to replace it."
        )
    if kind == "postgresql":
        audit = verify_backup(path, database=database)
        if not audit.ok:
            raise BackupError(f"The backup's ledger is not exact: {audit.describe()}.")
        with (
            tempfile.TemporaryDirectory(prefix="kamavor-restore-") as scratch,
            _opened(path, key, Path(scratch)) as (found, restored),
        ):
            _require_kind(found, kind)
            connections.close_all()
            _pg_restore(restored, database, clean=True)
        return _audit_postgres(database)
    target = Path(database["NAME"])
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix=".kamavor-restore-", dir=target.parent) as scratch,
        _opened(path, key, Path(scratch)) as (found, restored),
    ):
        _require_kind(found, kind)
        audit = _audit_sqlite(restored)
        if not audit.ok:
            raise BackupError(f"The backup's ledger is not exact: {audit.describe()}.")
        connections.close_all()
        for stale in (Path(f"{target}-wal"), Path(f"{target}-shm")):
            stale.unlink(missing_ok=True)  # a log left over would be replayed onto it
        os.replace(restored, target)
    return audit


def _require_kind(found: str, expected: str) -> None:
    if found != expected:
        raise BackupError(f"This is a {found} backup; the database here is {expected}.")


def rows_in_use(database: dict) -> int:
    """Users and organisations in the database (0 for a new or missing one)."""
    if kind_of(database) == "sqlite":
        path = Path(database["NAME"])
        if not path.exists():
            return 0
        conn = sqlite3.connect(path, timeout=30)
        try:
            found = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            return sum(
                conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]
                for t in IN_USE_TABLES
                if t in found
            )
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(_conninfo(database), password=database.get("PASSWORD") or None) as conn:
        total = 0
        for table in IN_USE_TABLES:
            (exists,) = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [table]).fetchone()
            if exists:
                total += conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
        return total


# ------------------------------------------------------------------- PostgreSQL's tools


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} was not found: install PostgreSQL's client tools of the server's major "
            "version or newer (on Debian: apt install postgresql-client)."
        )
    return found


def _conninfo(database: dict) -> str:
    """libpq connection string without the password (that goes through the environment)."""
    from psycopg.conninfo import make_conninfo

    options = database.get("OPTIONS") or {}
    params = {
        "dbname": database["NAME"],
        "user": database.get("USER") or None,
        "host": database.get("HOST") or None,
        "port": str(database["PORT"]) if database.get("PORT") else None,
        **{k: str(options[k]) for k in LIBPQ_OPTIONS if k in options},
    }
    return make_conninfo(**{k: v for k, v in params.items() if v is not None})


def _pg_env(database: dict) -> dict:
    env = dict(os.environ)
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return env


def _pg_restore(dump: Path, database: dict, *, clean: bool) -> None:
    command = [
        _tool("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={_conninfo(database)}",
    ]
    if clean:
        command[1:1] = ["--clean", "--if-exists"]
    done = subprocess.run(
        [*command, str(dump)], capture_output=True, env=_pg_env(database), check=False
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.decode(errors='replace').strip()}")
