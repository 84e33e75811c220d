"""The OpenAPI description: served to anyone, and complete enough for other tools."""

from __future__ import annotations

import pytest

MAIN_PATHS = [
    "/api/v1/points",
    "/api/v1/points/{point_id}",
    "/api/v1/categories",
    "/api/v1/items",
    "/api/v1/items/{item_id}",
    "/api/v1/items/barcode/{code}",
    "/api/v1/points/{point_id}/stock",
    "/api/v1/points/{point_id}/lots",
    "/api/v1/stock",
    "/api/v1/lots/{lot_id}",
    "/api/v1/donations",
    "/api/v1/donations/{document_id}",
    "/api/v1/donations/{document_id}/reverse",
    "/api/v1/purchases",
    "/api/v1/purchases/{document_id}",
    "/api/v1/purchases/{document_id}/reverse",
    "/api/v1/transfers",
    "/api/v1/transfers/{document_id}",
    "/api/v1/transfers/{document_id}/send",
    "/api/v1/transfers/{document_id}/receive",
    "/api/v1/transfers/{document_id}/cancel",
    "/api/v1/counts",
    "/api/v1/counts/{document_id}",
    "/api/v1/disposals",
    "/api/v1/kit-builds",
    "/api/v1/kit-builds/{document_id}",
    "/api/v1/documents/{document_id}",
    "/api/v1/documents/{document_id}/reverse",
]


@pytest.fixture
def schema(w, api) -> dict:
    response = api().get("/openapi.json")  # no token
    assert response.status_code == 200
    return response.json()


def test_it_is_served_without_a_token_and_lists_the_main_paths(schema):
    assert schema["info"]["title"] == "Kamavor API"
    missing = [path for path in MAIN_PATHS if path not in schema["paths"]]
    assert not missing


def test_it_describes_bearer_tokens_and_idempotency(schema):
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    assert "Idempotency-Key" in schema["info"]["description"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
            writes_stock = method == "post" and not path.endswith("/cancel")
            assert ("Idempotency-Key" in headers) == writes_stock, (method, path)


def test_it_describes_the_error_shape_and_the_created_status(schema):
    donations = schema["paths"]["/api/v1/donations"]["post"]["responses"]
    assert set(donations) >= {"201", "400", "401", "403", "404", "409", "422"}
    error = schema["components"]["schemas"]["Error"]
    assert {"code", "message"} <= set(error["required"])
    line = schema["components"]["schemas"]["IntakeLineIn"]
    assert line["properties"]["quantity"]["type"] == "integer"


def test_each_field_lists_its_own_choices(schema):
    # Point.Kind, Document.Kind and Movement.Kind share a class name; none may stand in for another.
    components = schema["components"]["schemas"]
    assert "warehouse" in components["PointOut"]["properties"]["kind"]["enum"]
    assert "kit_unbuild" in components["DocumentOut"]["properties"]["kind"]["enum"]
    assert "transfer_out" in components["MovementOut"]["properties"]["kind"]["enum"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/stock", "/api/v1/points/{point_id}/lots", "/api/v1/items", "/api/v1/donations"],
)
def test_large_lists_describe_their_paging(schema, path):
    parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
    assert {"limit", "offset"} <= set(parameters)
    assert "Link" in parameters["offset"]["description"]
    assert "Link" in schema["paths"][path]["get"]["description"]
