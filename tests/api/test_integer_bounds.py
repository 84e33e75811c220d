"""Every integer the API takes is bounded by what the database stores, and the OpenAPI
description says so (a client, or a fuzzer, learns the real limits from it)."""

from __future__ import annotations

from kamavor.core.numbers import MAX_INT


def _integers(schema: dict, spec: dict, where: str, seen: set):
    """(where, schema) for every integer schema reachable from this one."""
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        if name in seen:
            return
        seen = seen | {name}
        yield from _integers(spec["components"]["schemas"][name], spec, f"{where}>{name}", seen)
        return
    if schema.get("type") == "integer":
        yield where, schema
    for key in ("anyOf", "oneOf", "allOf"):
        for index, part in enumerate(schema.get(key, [])):
            yield from _integers(part, spec, f"{where}[{index}]", seen)
    for name, part in schema.get("properties", {}).items():
        yield from _integers(part, spec, f"{where}.{name}", seen)
    if "items" in schema:
        yield from _integers(schema["items"], spec, f"{where}[]", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _integers(schema["additionalProperties"], spec, f"{where}{{}}", seen)


def test_every_integer_the_api_takes_is_bounded(client):
    spec = client.get("/api/v1/openapi.json").json()
    unbounded = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            places = [
                (f"{method} {path} {p['name']}", p.get("schema", {}))
                for p in operation.get("parameters", [])
            ]
            body = operation.get("requestBody", {}).get("content", {})
            places += [(f"{method} {path} body", c["schema"]) for c in body.values()]
            for where, schema in places:
                for place, integer in _integers(schema, spec, where, set()):
                    top = integer.get("maximum", integer.get("exclusiveMaximum"))
                    low = integer.get("minimum", integer.get("exclusiveMinimum"))
                    if top is None or low is None or top > MAX_INT or low < -MAX_INT:
                        unbounded.append(place)
    assert not unbounded, "\n".join(unbounded)


HUGE = 10**30


def test_a_huge_number_is_a_json_error_not_a_500(w, api):
    from tests.api.test_documents import donation

    body = donation(w)
    body["lines"][0]["quantity"] = HUGE
    response = api(w.volunteer).post("/donations", body)  # the service names line and limit
    assert response.status_code == 400 and response.json()["field"] == "quantity"
    for path in (f"/points/{HUGE}", f"/lots/{HUGE}", f"/documents/{HUGE}"):
        response = api(w.coordinator).get(path)  # no row has it: not found
        assert response.status_code == 404 and response.json()["code"] == "not_found", path
    composition = {"female_18_59": HUGE}
    body = {"point": w.point.pk, "composition": composition}
    response = api(w.coordinator).post("/households", body)
    assert response.status_code == 400 and response.json()["field"] == "female_18_59"
