"""The reports API: dashboards as JSON and exports as files, scoped like the pages."""

from __future__ import annotations

from django.test import Client

from kamavor.reports.exports import as_bytes, read_back
from kamavor.stock.services import IntakeLine
from tests.factories import donate


def _client(w, user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {w.token(user)}", HTTP_ACCEPT_LANGUAGE="en")


def test_the_dashboards_answer_json(w):
    donate(w, IntakeLine(w.soap, 7), IntakeLine(w.rice, 5, expiry=w.later(10)))
    api = _client(w, w.coordinator)
    body = api.get(f"/api/v1/reports/dashboards/points/{w.point.pk}", {"days": 14}).json()
    assert body["on_hand"] == 12 and len(body["flows"]) == 14
    assert body["flows"][-1]["intake"] == 12
    assert body["expiring"][0]["item"] == "Rice, 1 kg"
    body = api.get(f"/api/v1/reports/dashboards/organisations/{w.org.pk}").json()
    assert body["scope"] == "organisation" and len(body["flows"]) == 30
    assert api.get("/api/v1/reports/dashboards/network").json()["on_hand"] == 12
    outsider = _client(w, w.outsider)
    response = outsider.get(f"/api/v1/reports/dashboards/points/{w.point.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = _client(w, w.volunteer).get(f"/api/v1/reports/dashboards/organisations/{w.org.pk}")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    response = api.get("/api/v1/reports/dashboards/network", {"days": 7})
    assert response.status_code == 400 and response.json()["code"] == "invalid_period"


def test_the_exports_answer_files(w):
    donate(w, IntakeLine(w.soap, 7))
    api = _client(w, w.coordinator)
    response = api.get("/api/v1/reports/exports/stock", {"point": w.point.pk, "format": "xlsx"})
    rows = read_back(as_bytes(response), "xlsx")
    assert rows[1][0] == "item_code" and rows[2][0] == "soap-bar" and rows[2][4] == 7
    rows = read_back(as_bytes(api.get("/api/v1/reports/hxl/stock")), "csv")
    assert rows[1][0] == "#org+name"
    assert api.get("/api/v1/reports/exports/stock").status_code == 404  # a point's list
    outsider = _client(w, w.outsider)
    assert outsider.get("/api/v1/reports/exports/stock", {"point": w.point.pk}).status_code == 404
    assert api.get("/api/v1/reports/exports/nope").status_code == 422
