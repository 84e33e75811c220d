"""Reverse proxies: scheme, host and visitor address are read from X-Forwarded-* only as far as
KAMAVOR_PROXY_HOPS proxies are trusted; with none, nobody can forge them."""

from __future__ import annotations

import pytest
from django.test import Client

from kamavor.core.proxy import apply_proxy_headers, trusted_value
from kamavor.volunteers.models import SignUp
from tests.volunteers.helpers import make_shift


@pytest.fixture
def https(settings):
    """Production's HTTPS settings (the tests otherwise run with KAMAVOR_HTTPS=0)."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    return settings


@pytest.mark.parametrize(
    ("header", "hops", "expected"),
    [
        ("203.0.113.5", 1, "203.0.113.5"),
        ("198.51.100.9, 203.0.113.5", 1, "203.0.113.5"),  # a forged value stands left
        ("198.51.100.9, 203.0.113.5, 10.0.0.2", 2, "203.0.113.5"),
        ("203.0.113.5", 2, "203.0.113.5"),  # a proxy replaced the header: still a proxy's
        (" , ", 1, ""),
        ("203.0.113.5", 0, ""),
    ],
)
def test_trusted_value_is_the_outermost_trusted_proxys(header, hops, expected):
    assert trusted_value(header, hops) == expected


def test_with_no_hops_the_forwarded_headers_are_dropped_unread():
    meta = {
        "REMOTE_ADDR": "198.51.100.1",
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_X_FORWARDED_FOR": "203.0.113.5",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_HOST": "evil.example",
    }
    apply_proxy_headers(meta, 0)
    assert meta == {
        "REMOTE_ADDR": "198.51.100.1",
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "127.0.0.1",
    }


def test_without_proxies_a_forged_https_header_still_redirects(client, https, settings):
    settings.KAMAVOR_PROXY_HOPS = 0
    response = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/login/"


def test_behind_a_tls_proxy_https_is_seen_and_nothing_loops(client, https, settings):
    settings.KAMAVOR_PROXY_HOPS = 1
    # Plain HTTP that reached the proxy is sent to HTTPS, once.
    response = client.get("/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_PROTO="http")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    # HTTPS at the proxy: the page itself, with HSTS and Secure cookies, no redirect loop.
    response = client.get("/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=3600")
    assert response.cookies["csrftoken"]["secure"] is True


def test_the_forwarded_host_counts_only_behind_a_proxy_and_only_if_allowed(client, settings, db):
    settings.ALLOWED_HOSTS = ["testserver", "aid.example.org"]
    headers = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_HOST": "aid.example.org"}
    settings.KAMAVOR_PROXY_HOPS = 0
    response = client.get("/healthz", **headers)
    assert response.status_code == 200
    assert response.wsgi_request.get_host() == "testserver"
    settings.KAMAVOR_PROXY_HOPS = 1
    response = client.get("/healthz", **headers)
    assert response.wsgi_request.get_host() == "aid.example.org"
    assert response.wsgi_request.build_absolute_uri("/x") == "http://aid.example.org/x"
    # A host this deployment does not serve is refused, as a Host header would be.
    response = client.get("/healthz", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_HOST="evil.example")
    assert response.status_code == 400


def test_without_proxies_a_forged_address_does_not_dodge_the_rate_limit(w, settings):
    settings.KAMAVOR_PUBLIC_FORM_LIMIT = 1
    settings.KAMAVOR_PROXY_HOPS = 0
    shift = make_shift(w, hands=10)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    def post(name: str, forged: str) -> int:
        return client.post(
            f"/en/shifts/{shift.pk}/",
            {"name": name, "phone": "091234567"},
            REMOTE_ADDR="203.0.113.50",
            HTTP_X_FORWARDED_FOR=forged,
        ).status_code

    assert post("Ani", "198.51.100.1") == 302
    assert post("Aram", "198.51.100.2") == 429
    assert SignUp.objects.filter(shift=shift).count() == 1


def test_behind_two_proxies_each_visitor_has_their_own_address(w, settings):
    settings.KAMAVOR_PUBLIC_FORM_LIMIT = 1
    settings.KAMAVOR_PROXY_HOPS = 2
    shift = make_shift(w, hands=10)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    def post(name: str, forwarded: str) -> int:
        return client.post(
            f"/en/shifts/{shift.pk}/",
            {"name": name, "phone": "091234567"},
            REMOTE_ADDR="10.0.0.3",
            HTTP_X_FORWARDED_FOR=forwarded,
        ).status_code

    assert post("Ani", "203.0.113.1, 10.0.0.9") == 302
    assert post("Aram", "203.0.113.2, 10.0.0.9") == 302
    # Forging a left-hand value does not make a third visitor out of the first.
    assert post("Forger", "198.51.100.7, 203.0.113.1, 10.0.0.9") == 429
    assert SignUp.objects.filter(shift=shift).count() == 2
