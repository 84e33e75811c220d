"""System checks of Kamavor's own: what Django's checks cannot see through our middleware."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError, connections
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string


@register(Tags.security, deploy=True)
def check_csrf_middleware(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """The pages keep Django's CSRF protection. Django's own check (security.W003, silenced in
    settings) looks for its middleware by name; ours wraps it to step aside for the token API
    (kamavor/core/middleware.py), so this check looks for it or a subclass instead."""
    for path in settings.MIDDLEWARE:
        middleware = import_string(path)
        if isinstance(middleware, type) and issubclass(middleware, CsrfViewMiddleware):
            return []
    return [
        Error(
            "No CSRF middleware in MIDDLEWARE: the pages' forms would be open to cross-site "
            "request forgery.",
            hint="Keep kamavor.core.middleware.PagesOnlyCsrf in MIDDLEWARE.",
            id="kamavor.E001",
        )
    ]


@register(Tags.database)
def check_autovacuum(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list:
    """PostgreSQL's autovacuum is on: without it the desks' statements are planned against
    the statistics of the empty tables PostgreSQL first saw (docs/deploy.md). Run where the
    database is checked (`kamavor migrate`, `kamavor check --database default`)."""
    found = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        try:
            with connection.cursor() as cursor:
                cursor.execute("SHOW autovacuum")
                on = cursor.fetchone()[0] == "on"
        except DatabaseError:
            continue  # an unreachable database is reported where it is used
        if not on:
            found.append(
                Warning(
                    "PostgreSQL's autovacuum is off: as the ledger grows, the desks' statements "
                    "are planned against stale statistics and slow down.",
                    hint="Turn autovacuum on (autovacuum = on in postgresql.conf), or run "
                    "VACUUM ANALYZE regularly.",
                    id="kamavor.W001",
                )
            )
    return found
