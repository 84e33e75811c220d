"""Response headers that keep every page to its own origin."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Nothing is loaded from anywhere but this server: no CDN, web font or analytics.
POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=()")
        return response


# The token-authenticated API: no session, cookie, CSRF token, second factor or flash message
# is read or written there (django-ninja's views are exempt from CSRF and BearerToken sets
# request.user), so the middleware that serves only pages steps aside for it.
API_PREFIX = "/api/"


def _pages_only(middleware: type) -> type:
    """`middleware` for the pages; for an API request, nothing (its view hooks too)."""

    class PagesOnly(middleware):
        sync_capable, async_capable = True, False  # served by WSGI

        def __call__(self, request: HttpRequest) -> HttpResponse:
            if request.path_info.startswith(API_PREFIX):
                return self.get_response(request)
            return super().__call__(request)

        if hasattr(middleware, "process_view"):

            def process_view(self, request: HttpRequest, view, args, kwargs):
                if request.path_info.startswith(API_PREFIX):
                    return None
                return super().process_view(request, view, args, kwargs)

    PagesOnly.__name__ = PagesOnly.__qualname__ = f"PagesOnly{middleware.__name__}"
    PagesOnly.__doc__ = f"{middleware.__module__}.{middleware.__name__}, not for the API."
    return PagesOnly


def _import(path: str) -> type:
    from django.utils.module_loading import import_string

    return import_string(path)


PagesOnlyWhiteNoise = _pages_only(_import("whitenoise.middleware.WhiteNoiseMiddleware"))
PagesOnlySession = _pages_only(_import("django.contrib.sessions.middleware.SessionMiddleware"))
PagesOnlyCsrf = _pages_only(_import("django.middleware.csrf.CsrfViewMiddleware"))
PagesOnlyAuthentication = _pages_only(
    _import("django.contrib.auth.middleware.AuthenticationMiddleware")
)
PagesOnlyOTP = _pages_only(_import("django_otp.middleware.OTPMiddleware"))
PagesOnlyMessages = _pages_only(_import("django.contrib.messages.middleware.MessageMiddleware"))
