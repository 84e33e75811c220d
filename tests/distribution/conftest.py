"""Service messages are read in English here (the default language of the network is hy)."""

from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


from tests.api.conftest import api  # noqa: E402, F401 - the API client per persona
