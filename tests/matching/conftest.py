"""The API test kit's `api` fixture, for the matching API tests."""

from tests.api.conftest import api  # noqa: F401
