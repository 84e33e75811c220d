"""What the visitor asked for, behind the reverse proxies the operator trusts.

A TLS proxy (Caddy, nginx) in front of `kamavor serve` speaks plain HTTP to the app and tells it
the original scheme, host and client address in X-Forwarded-Proto, X-Forwarded-Host and
X-Forwarded-For. These headers are only as trustworthy as whoever wrote them: anyone can send
them. So the app believes exactly `KAMAVOR_PROXY_HOPS` proxies and nothing else:

- with 0 hops (a laptop point, no proxy) the headers are removed before anything reads them;
- with N hops each header's value is the one the outermost trusted proxy wrote: the N-th from
  the right (proxies append what they saw, so values a visitor sent stand further left), or the
  leftmost when a proxy replaced the header instead of appending to it.

The middleware runs first and rewrites the request once, so everything after it (HTTPS
redirects, Secure cookies, HSTS, allowed hosts, absolute links, rate limits, login throttling)
reads the real scheme, host and address from the usual places: `request.is_secure()`,
`request.get_host()` and `client_address(request)`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"
FORWARDED_PROTO = "HTTP_X_FORWARDED_PROTO"
FORWARDED_HOST = "HTTP_X_FORWARDED_HOST"
# The address of the nearest proxy, kept for logs and tests once REMOTE_ADDR is the visitor's.
PEER_ADDR = "kamavor.peer_addr"
SCHEMES = {"http", "https"}


def proxy_hops() -> int:
    """How many reverse proxies stand in front of the app (KAMAVOR_PROXY_HOPS)."""
    return max(0, int(getattr(settings, "KAMAVOR_PROXY_HOPS", 0) or 0))


def trusted_value(header: str, hops: int) -> str:
    """The value the outermost of `hops` trusted proxies wrote into a comma-separated header."""
    values = [v.strip() for v in header.split(",") if v.strip()]
    if not values or hops <= 0:
        return ""
    return values[-min(hops, len(values))]


def apply_proxy_headers(meta: dict, hops: int) -> None:
    """Rewrite a WSGI environ in place: the visitor's scheme, host and address when `hops`
    proxies are trusted; with 0 hops the forwarded headers are dropped unread."""
    if hops <= 0:
        for key in (FORWARDED_FOR, FORWARDED_PROTO, FORWARDED_HOST):
            meta.pop(key, None)
        return
    meta.setdefault(PEER_ADDR, meta.get("REMOTE_ADDR", ""))
    address = trusted_value(meta.get(FORWARDED_FOR, ""), hops)
    if address:
        meta["REMOTE_ADDR"] = address
    scheme = trusted_value(meta.get(FORWARDED_PROTO, ""), hops).lower()
    if scheme in SCHEMES:
        meta["wsgi.url_scheme"] = scheme
    host = trusted_value(meta.get(FORWARDED_HOST, ""), hops)
    if host:
        # Checked against ALLOWED_HOSTS by request.get_host(), like any Host header.
        meta["HTTP_HOST"] = host
        meta.pop("SERVER_NAME", None)


def client_address(request: HttpRequest) -> str:
    """The visitor's address (behind trusted proxies, the one the outermost proxy saw)."""
    return request.META.get("REMOTE_ADDR", "")


class ProxyHeadersMiddleware:
    """Trust KAMAVOR_PROXY_HOPS reverse proxies for scheme, host and client address.

    Must come first in MIDDLEWARE, before SecurityMiddleware decides on an HTTPS redirect.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        apply_proxy_headers(request.META, proxy_hops())
        return self.get_response(request)
