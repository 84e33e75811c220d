"""schemathesis over the OpenAPI description: every operation, with requests generated from the
description (valid and invalid), as a coordinator. No answer may be a 5xx or differ from the
response schema the description states.

Bounded for CI: a fixed number of examples per operation, derandomized (the same examples on
every run), a per-example deadline, and generated data rolled back with the test.
"""

from __future__ import annotations

import itertools
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from kamavor.wsgi import application
from tests.factories import World

# More for a deeper local hunt: KAMAVOR_SCHEMATHESIS_EXAMPLES=200.
EXAMPLES_PER_OPERATION = int(os.environ.get("KAMAVOR_SCHEMATHESIS_EXAMPLES", "12"))
DEADLINE_MS = 3000
CHECKS = [checks.not_a_server_error, checks.response_schema_conformance]


# The description as the app serves it, read through WSGI (no server, no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def keep_the_tests_connection():
    """Like Django's test client: requests keep the test's connection open, so that they see
    (and roll back with) the test's data."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def coordinator_token(w: World) -> str:
    return w.token(w.coordinator)


@pytest.fixture
def known_ids(w: World) -> dict[str, int]:
    """Ids that exist and that the coordinator may use: random ids would stop nearly every
    request at a 404 before the data reaches the services."""
    return {"point_id": w.point.pk, "point": w.point.pk, "item_id": w.soap.pk, "item": w.soap.pk}


@pytest.fixture
def examples() -> itertools.count:
    """Counts the examples of one operation."""
    return itertools.count()


def _reach_real_objects(case, known: dict[str, int], n: int) -> None:
    """Every other example (by its position, so runs stay the same) uses a real point and item
    in the path and at the top of the body; the others keep what was generated."""
    if n % 2:
        return
    for name in case.path_parameters or {}:
        if name in known:
            case.path_parameters[name] = known[name]
    if isinstance(case.body, dict):
        for name in ("point", "item"):
            if isinstance(case.body.get(name), int):
                case.body[name] = known[name]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=DEADLINE_MS,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_5xx_or_off_its_schema(case, coordinator_token, known_ids, examples):
    _reach_real_objects(case, known_ids, next(examples))
    response = case.call(
        headers={"Authorization": f"Bearer {coordinator_token}", "Accept-Language": "en"}
    )
    case.validate_response(response, checks=CHECKS)


def test_the_description_states_the_real_limits():
    """What a generator (or a client's author) reads is what the server enforces."""
    from django.conf import settings as django_settings

    from kamavor.api import api
    from kamavor.core.idempotency import MAX_KEY_LENGTH

    description = api.get_openapi_schema()
    keys = [
        parameter["schema"]
        for operations in description["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "Idempotency-Key"
    ]
    assert keys and all(k["maxLength"] == MAX_KEY_LENGTH and k["minLength"] == 1 for k in keys)
    quantities = [
        (name, field)
        for component in description["components"]["schemas"].values()
        for name, field in component.get("properties", {}).items()
        if name in {"quantity", "counted", "received_quantity"}
        and field.get("type") == "integer"
        and "readOnly" not in field
    ]
    inputs = [(n, f) for n, f in quantities if "minimum" in f or "maximum" in f]
    assert len(inputs) >= 5
    assert all(f["maximum"] == django_settings.KAMAVOR_MAX_LINE_QUANTITY for _, f in inputs)
    assert all(f["minimum"] in (0, 1) for _, f in inputs)
