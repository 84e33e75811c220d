"""`kamavor backup` / `kamavor restore`: an online backup taken while a desk writes, restored into
a scratch database with its ledger exact; a wrong key, a changed file and a database in use are
refused. Real databases (SQLite file or PostgreSQL), real threads, real pg_dump."""

from __future__ import annotations

import contextlib
import io
import stat
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from kamavor.backup import services
from kamavor.backup.envelope import Damaged, WrongKey, new_key
from kamavor.stock.models import Movement
from kamavor.stock.services import IntakeLine, post_donation
from tests.factories import build_world

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def backup_key(settings):
    settings.KAMAVOR_BACKUP_KEY = new_key()
    return settings.KAMAVOR_BACKUP_KEY


@contextlib.contextmanager
def empty_database(tmp_path: Path):
    """A new database of the run's engine, apart from the test database (dropped after)."""
    live = connection.settings_dict
    if connection.vendor == "sqlite":
        yield {**live, "NAME": str(tmp_path / "restored.sqlite3")}
        return
    with services._scratch_database(live) as database:
        yield database


@contextlib.contextmanager
def desk_writing(w):
    """A desk posting one-line donations on its own connection until the block ends."""
    stop, posted, errors = threading.Event(), [], []

    def run() -> None:
        try:
            while not stop.is_set():
                post_donation(point=w.point, lines=[IntakeLine(w.soap, 1)], by=w.coordinator)
                posted.append(1)
        except Exception as error:  # reported by the test, not swallowed
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield posted
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not errors, errors


def movements_in(database: dict) -> int:
    if database["ENGINE"].endswith("sqlite3"):
        import sqlite3

        conn = sqlite3.connect(database["NAME"])
        try:
            return conn.execute(f"SELECT COUNT(*) FROM {Movement._meta.db_table}").fetchone()[0]
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(services._conninfo(database)) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {Movement._meta.db_table}").fetchone()[0]


def test_a_backup_taken_while_a_desk_writes_restores_with_an_exact_ledger(tmp_path):
    w = build_world()
    post_donation(point=w.point, lines=[IntakeLine(w.rice, 40, expiry=w.later(90))], by=w.admin)
    with desk_writing(w) as posted:
        while len(posted) < 3:  # the desk is writing before the backup starts
            threading.Event().wait(0.01)
        result = services.make_backup(tmp_path / "kamavor.kmvbak")
    assert result.audit is not None and result.audit.ok, result.audit.describe()
    assert result.audit.movements >= 4
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert b"Soap" not in result.path.read_bytes() and b"SQLite" not in result.path.read_bytes()
    with empty_database(tmp_path) as target:
        audit = services.restore_backup(result.path, database=target)
        assert audit.ok and audit.movements == result.audit.movements
        assert movements_in(target) == result.audit.movements
        # Now in use: a second restore is refused without --force, and allowed with it.
        with pytest.raises(services.BackupError, match="not empty"):
            services.restore_backup(result.path, database=target)
        assert services.restore_backup(result.path, database=target, force=True).ok
        assert movements_in(target) == result.audit.movements


def test_the_commands_back_up_and_refuse_to_overwrite_a_database_in_use(tmp_path):
    w = build_world()
    post_donation(point=w.point, lines=[IntakeLine(w.soap, 5)], by=w.coordinator)
    out = io.StringIO()
    call_command("backup", str(tmp_path), stdout=out)
    assert "ledger exact" in out.getvalue()
    (written,) = tmp_path.glob("kamavor-*.kmvbak")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    before = Movement.objects.count()
    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(written))
    assert Movement.objects.count() == before


def test_a_wrong_key_or_a_changed_file_is_refused(tmp_path, settings):
    w = build_world()
    post_donation(point=w.point, lines=[IntakeLine(w.soap, 5)], by=w.coordinator)
    path = services.make_backup(tmp_path / "b.kmvbak", verify=False).path
    data = path.read_bytes()
    key = settings.KAMAVOR_BACKUP_KEY

    settings.KAMAVOR_BACKUP_KEY = new_key()
    with pytest.raises(WrongKey, match="another backup key"):
        services.verify_backup(path)
    with empty_database(tmp_path) as target, pytest.raises(WrongKey):
        services.restore_backup(path, database=target)
    settings.KAMAVOR_BACKUP_KEY = key

    changed = bytearray(data)
    changed[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(changed))
    with pytest.raises(Damaged, match="changed"):
        services.verify_backup(path)
    path.write_bytes(data[:-20])  # cut short
    with pytest.raises(Damaged):
        services.verify_backup(path)
    path.write_bytes(b"not a backup" * 10)
    with pytest.raises(Damaged, match="not a Kamavor backup"):
        services.verify_backup(path)
    with empty_database(tmp_path) as target:
        with pytest.raises(Damaged):
            services.restore_backup(path, database=target)
        assert services.rows_in_use(target) == 0  # nothing was restored
    path.write_bytes(data)
    assert services.verify_backup(path).ok


def test_the_key_file_is_made_private_once_and_required_to_restore(tmp_path, settings):
    settings.KAMAVOR_BACKUP_KEY = ""
    settings.DATA_DIR = tmp_path
    with pytest.raises(services.BackupError, match="No backup key"):
        services.backup_key()
    key = services.backup_key(create=True)
    assert stat.S_IMODE((tmp_path / "backup_key").stat().st_mode) == 0o600
    assert services.backup_key() == key
    assert len(key) == 32
