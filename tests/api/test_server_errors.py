"""An unexpected failure inside an endpoint still answers the API's error shape: a 500 with
`server_error` and a translated message, never an HTML page; the traceback goes to the log."""

from __future__ import annotations

import logging

from kamavor.stock.services import intake
from tests.api.conftest import assert_error
from tests.factories import ledger


def broken(*args, **kwargs):
    raise RuntimeError("the disk caught fire")


def test_it_answers_an_unexpected_error_as_json(w, api, monkeypatch, caplog):
    monkeypatch.setattr(intake, "lots_for", broken)
    before = ledger()
    with caplog.at_level(logging.ERROR, logger="kamavor.api"):
        response = api(w.volunteer).post(
            "/donations", {"point": w.point.pk, "lines": [{"item": w.soap.pk, "quantity": 2}]}
        )
    assert response["Content-Type"].startswith("application/json")
    error = assert_error(response, 500, "server_error")
    assert "fire" not in error["message"]  # the exception's text stays in the log
    assert ledger() == before
    logged = [r for r in caplog.records if r.name == "kamavor.api"]
    assert logged and "the disk caught fire" in str(logged[0].exc_info[1])
    assert "POST /api/v1/donations" in logged[0].getMessage()


def test_the_500_message_follows_the_requests_language(w, api, monkeypatch):
    monkeypatch.setattr(intake, "lots_for", broken)
    body = {"point": w.point.pk, "lines": [{"item": w.soap.pk, "quantity": 2}]}
    messages = {
        language: assert_error(
            api(w.volunteer, language).post("/donations", body), 500, "server_error"
        )["message"]
        for language in ("hy", "ru", "en")
    }
    assert len(set(messages.values())) == 3, messages
