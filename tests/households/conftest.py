"""The API test kit's `api` fixture, for the households API tests."""

from tests.api.conftest import api  # noqa: F401
