"""No desk page before the second factor: a member who must use one (their role sees personal
data) or has set one up is sent to give their code, or to set one up, first.

Only signing in and out, the code and set-up pages, the public pages and the token-authenticated
API are open to a session that has not passed it. It runs after django-otp's OTPMiddleware.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from kamavor.accounts.second_factor import HAS_DEVICE, is_verified
from kamavor.network.access import needs_second_factor

OPEN_NAMES = frozenset({"login", "logout", "start", "healthz", "set_language"})
OPEN_NAMESPACES = frozenset({"public", "api"})
OPEN_ACCOUNT_PAGES = frozenset({"verify", "setup"})


def _open(request: HttpRequest) -> bool:
    match = request.resolver_match
    if match is None:
        return False
    if match.url_name in OPEN_NAMES or match.namespace in OPEN_NAMESPACES:
        return True
    return match.namespace == "accounts" and match.url_name in OPEN_ACCOUNT_PAGES


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if _open(request):  # first: public pages must not even read the session
            return None
        user = request.user
        if not user.is_authenticated or is_verified(request):
            return None
        if not (request.session.get(HAS_DEVICE) or needs_second_factor(user)):
            return None
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse('accounts:verify')}?{query}")
