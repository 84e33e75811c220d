"""The token API goes past the middleware that serves only pages (sessions, CSRF, messages):
its answers carry the same security and language headers as before, and no cookie."""

from __future__ import annotations

from django.test import Client


def test_it_answers_the_api_without_a_session_or_a_cookie(w, api):
    response = api(w.volunteer, language="ru").get("/points")
    assert response.status_code == 200
    assert not response.cookies
    assert response["Content-Language"] == "ru"
    assert "Accept-Language" in response["Vary"] and "Cookie" not in response["Vary"]
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"):
        assert response.has_header(header)


def test_it_takes_a_token_post_without_a_csrf_token(w, api):
    client = api(w.volunteer)
    client.client = Client(enforce_csrf_checks=True)
    response = client.post("/households", {"point": w.point.pk, "composition": {"male_18_59": 1}})
    assert response.status_code == 201


def test_it_still_guards_the_pages(w):
    client = Client(enforce_csrf_checks=True)
    client.force_login(w.volunteer)
    response = client.post("/logout/")
    assert response.status_code == 403  # no CSRF token: the pages' middleware still runs
