"""The API test kit: a client per persona and the error shape."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client

from tests.factories import World

PREFIX = "/api/v1"


class Api:
    """Requests as one user (or anonymously), in English unless another language is asked for."""

    def __init__(self, token: str | None = None, language: str = "en"):
        self.client = Client()
        self.extra = {"HTTP_ACCEPT_LANGUAGE": language}
        if token:
            self.extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    def get(self, path: str, **params):
        return self.client.get(PREFIX + path, params, **self.extra)

    def post(self, path: str, body=None, *, key: str | None = None, raw: str | bytes | None = None):
        extra = dict(self.extra)
        if key is not None:
            extra["HTTP_IDEMPOTENCY_KEY"] = key
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return self.client.post(PREFIX + path, data, content_type="application/json", **extra)


@pytest.fixture
def api(w: World) -> Callable[..., Api]:
    """`api(user)` for a member with a fresh token, `api()` for no token at all."""

    def make(user=None, language: str = "en") -> Api:
        return Api(w.token(user) if user is not None else None, language)

    return make


def assert_error(response, status: int, code: str) -> dict:
    """The response is the API's error shape with this status and code."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return body
