"""What every public page shares: the language from the URL, small cacheable responses."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control

LANGUAGES = [code for code, _name in settings.LANGUAGES]
# Seconds a donor's phone (or a proxy) may reuse a page before it asks again; asking again is
# cheap (a 304 from the page cache), and stock on the page stays within seconds of the ledger.
MAX_AGE = 10


class LanguageConverter:
    """The language prefix of a public URL: hy, ru or en."""

    regex = "|".join(LANGUAGES)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def alternates(request: HttpRequest, lang: str) -> list[tuple[str, str, str, bool]]:
    """The same page in each language: (code, name, path, is this one)."""
    rest = request.path[len(lang) + 1 :]
    return [(code, name, f"/{code}{rest}", code == lang) for code, name in settings.LANGUAGES]


def public_page(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    lang: str,
    status: int = 200,
    cacheable: bool = True,
    content_type: str = "text/html; charset=utf-8",
) -> HttpResponse:
    """Render a public page in the URL's language.

    A cacheable page is rendered without the request (so no session or cookie is touched), may
    be kept by any cache for MAX_AGE seconds, and answers a conditional GET by its ETag with a 304.
    A page with a form or a private link is rendered with the request and never cached.
    """
    context = {**context, "lang": lang, "alternates": alternates(request, lang)}
    with translation.override(lang):
        content = render_to_string(template, context, request=None if cacheable else request)
    response = HttpResponse(content, status=status, content_type=content_type)
    response.headers["Content-Language"] = lang
    if not cacheable or status != 200:
        patch_cache_control(response, private=True, no_store=True)
        return response
    digest = hashlib.sha256(content.encode()).hexdigest()[:32]
    response.headers["ETag"] = f'"{digest}"'
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return get_conditional_response(request, etag=response.headers["ETag"], response=response)


def in_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run the whole view (service messages included) in the URL's language."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, lang: str, *args, **kwargs) -> HttpResponse:
        with translation.override(lang):
            request.LANGUAGE_CODE = lang
            return view(request, lang, *args, **kwargs)

    return wrapped
