"""Shared fixtures: the personas and catalogue of tests/factories.py, built once per module."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import World, build_world


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Personas are created in every module: a fast hasher keeps the suite quick. (The real
    hasher is Django's default PBKDF2, untouched outside the tests.)"""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    """Created once per test module inside a transaction that is rolled back at its end;
    each test runs in a savepoint within it (like Django's setUpTestData)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def w(world: World, db) -> World:
    """The module's world, for a test that may write (rolled back after the test)."""
    return world


def pytest_sessionstart(session) -> None:
    """In CI's PostgreSQL run, a missing server is a failure, never a silent SQLite run."""
    import os

    from django.conf import settings

    if os.environ.get("KAMAVOR_REQUIRE_POSTGRES") == "1":
        engine = settings.DATABASES["default"]["ENGINE"]
        assert engine == "kamavor.core.db.postgresql", f"expected PostgreSQL, got {engine}"


@pytest.fixture
def client():
    """A test client that reads pages in English unless a test asks for another language; its
    force_login also passes the second factor (tests/factories.py: DeskClient)."""
    from tests.factories import DeskClient

    return DeskClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def travel(monkeypatch) -> Callable[[int], dt.date]:
    """Move "today" some days ahead, for everything that asks django.utils.timezone."""
    real = timezone.localdate

    def to(days: int) -> dt.date:
        target = real() + dt.timedelta(days=days)
        monkeypatch.setattr(
            timezone, "localdate", lambda value=None, tz=None: real(value, tz) if value else target
        )
        return target

    return to


@pytest.fixture(autouse=True)
def english_by_default():
    """Messages of services called directly are in English unless a test asks otherwise (the
    network's default language is Armenian); requests still follow their Accept-Language."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def empty_public_page_cache():
    """Each test starts with no public page, nor part of one, kept in memory: the same path in
    the next test's database is another page."""
    from kamavor.public.cache import parts, store

    store.clear()
    parts.clear()
    yield
    store.clear()
    parts.clear()


@pytest.fixture(autouse=True)
def forget_kept_dashboards():
    """Each test starts with no dashboard kept in memory (ids repeat between tests' databases)."""
    from kamavor.reports.dashboard import forget_kept

    forget_kept()
    yield
    forget_kept()


def pytest_collection_modifyitems(config, items) -> None:
    """Tests marked `postgres_only` are skipped on SQLite (CI runs them in its PostgreSQL run)."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)
