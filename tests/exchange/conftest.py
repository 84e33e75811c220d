"""The API test kit's `api` fixture, for the exchange's API tests."""

from tests.api.conftest import api  # noqa: F401
