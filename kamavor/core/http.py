"""What every face needs to know about a request: who sent it, as far as the network tells."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The visitor's address. Behind reverse proxies (KAMAVOR_PROXY_HOPS of them) it is the
    one the outermost trusted proxy saw, from X-Forwarded-For; a visitor cannot forge it by
    sending the header, since each proxy appends what it saw."""
    hops = settings.KAMAVOR_PROXY_HOPS
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")
