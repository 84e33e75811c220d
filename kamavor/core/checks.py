"""System checks of Kamavor's own: what Django's checks cannot see through our middleware."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register
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
