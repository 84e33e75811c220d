"""Bad input is refused with the error shape {code, message, ...} and writes nothing.

POST /donations stands for every write: the same schema types and the same error handlers
serve them all.
"""

from __future__ import annotations

import pytest
from django.test import Client

from kamavor.network.models import ApiToken
from kamavor.stock.models import Document
from tests.api.conftest import assert_error
from tests.factories import ledger


def donation(w, *lines: dict, **fields) -> dict:
    return {
        "point": w.point.pk,
        "lines": list(lines) or [{"item": w.soap.pk, "quantity": 1}],
        **fields,
    }


def soap(w, **line) -> dict:
    return {"item": w.soap.pk, "quantity": 1, **line}


def refused(w, api, body, status: int, code: str, **kwargs) -> dict:
    before = ledger()
    response = api(w.volunteer).post("/donations", body, **kwargs)
    error = assert_error(response, status, code)
    assert ledger() == before
    return error


@pytest.mark.parametrize("quantity", [0, -1, 10**7, 10**30])
def test_it_refuses_quantities_out_of_range(w, api, quantity):
    error = refused(w, api, donation(w, soap(w, quantity=quantity)), 400, "invalid")
    assert error["field"] == "quantity"
    assert error["message"].startswith("Line 1:")


@pytest.mark.parametrize("quantity", ["3", 2.5, 3.0, True, None, [3], {"n": 3}])
def test_it_refuses_quantities_that_are_not_integers(w, api, quantity):
    error = refused(w, api, donation(w, soap(w, quantity=quantity)), 422, "invalid")
    assert error["errors"][0]["loc"][-1] == "quantity"


@pytest.mark.parametrize("item", ["1", 1.0, True, 0, -4, 2**63])
def test_it_refuses_ids_that_are_not_ids(w, api, item):
    refused(w, api, donation(w, soap(w, item=item)), 422, "invalid")
    refused(w, api, donation(w, point=item), 422, "invalid")


def test_it_names_the_line_with_an_unknown_item(w, api):
    body = donation(w, soap(w), soap(w, item=987654))
    error = refused(w, api, body, 400, "unknown_item")
    assert (error["field"], error["message"]) == ("item", "Line 2: unknown item.")


def test_it_refuses_an_unknown_point(w, api):
    assert refused(w, api, donation(w, point=987654), 400, "unknown_point")["field"] == "point"


def test_it_needs_an_expiry_date_where_tracked_and_refuses_expired_goods(w, api):
    rice = {"item": w.rice.pk, "quantity": 1}
    assert refused(w, api, donation(w, rice), 400, "invalid")["field"] == "expiry"
    past = {**rice, "expiry": str(w.later(-1))}
    assert "expired" in refused(w, api, donation(w, past), 400, "invalid")["message"]


@pytest.mark.parametrize("expiry", [1_900_000_000, "31/12/2031", "2031-02-30", "soon", True])
def test_it_refuses_dates_that_are_not_iso_dates(w, api, expiry):
    refused(
        w, api, donation(w, {"item": w.rice.pk, "quantity": 1, "expiry": expiry}), 422, "invalid"
    )


def test_it_needs_a_known_size_and_condition(w, api):
    jacket = {"item": w.jacket.pk, "quantity": 1}
    refused(w, api, donation(w, jacket), 400, "invalid")
    refused(w, api, donation(w, {**jacket, "size": "XXL"}), 400, "invalid")
    refused(w, api, donation(w, {**jacket, "size": "1" * 21}), 422, "invalid")
    refused(w, api, donation(w, {**jacket, "size": "110", "condition": "broken"}), 422, "invalid")


def test_it_refuses_unknown_fields_missing_lines_and_too_many_lines(w, api):
    refused(w, api, donation(w, soap(w, expires="2031-01-01")), 422, "invalid")
    refused(w, api, {**donation(w), "doner": "Anna"}, 422, "invalid")
    refused(w, api, {"point": w.point.pk}, 422, "invalid")
    refused(w, api, donation(w, lines=[]), 400, "no_lines")
    refused(w, api, donation(w, lines=[soap(w)] * 501), 422, "invalid")


def test_it_refuses_text_the_database_cannot_hold(w, api):
    refused(w, api, donation(w, donor="An\x00na"), 422, "invalid")
    refused(w, api, donation(w, donor="A" * 201), 400, "invalid")


@pytest.mark.parametrize(
    "raw", ['{"point": 1, "lines": [', "point=1", b"\xff\xfe{}"], ids=["cut", "form", "not-utf8"]
)
def test_it_refuses_malformed_json(w, api, raw):
    refused(w, api, None, 400, "malformed_json", raw=raw)


@pytest.mark.parametrize("raw", ["[]", '"donation"', "null", "42", ""])
def test_it_refuses_json_that_is_not_an_object(w, api, raw):
    refused(w, api, None, 422, "invalid", raw=raw)


def test_it_refuses_a_body_too_large_to_read(w, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    refused(w, api, donation(w, note="x" * 20_000), 413, "too_large")


# ---------------------------------------------------------------- idempotency


def test_a_retry_with_the_same_key_returns_the_same_document(w, api):
    client = api(w.volunteer)
    first = client.post("/donations", donation(w), key="desk-1-0042")
    again = client.post("/donations", donation(w), key="desk-1-0042")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Document.objects.count() == 1


def test_a_key_reused_with_another_body_is_refused(w, api):
    api(w.volunteer).post("/donations", donation(w), key="desk-1-0043")
    body = donation(w, soap(w, quantity=2))
    refused(w, api, body, 422, "idempotency_key_reused", key="desk-1-0043")
    assert Document.objects.count() == 1


def test_keys_belong_to_their_user(w, api):
    api(w.volunteer).post("/donations", donation(w), key="k")
    assert api(w.coordinator).post("/donations", donation(w), key="k").status_code == 201
    assert Document.objects.count() == 2


def test_it_refuses_a_key_it_cannot_keep(w, api):
    refused(w, api, donation(w), 400, "invalid_idempotency_key", key="k" * 201)
    refused(w, api, donation(w), 400, "invalid_idempotency_key", key=" ")
    refused(w, api, donation(w), 422, "invalid", key="k\x00")


# ---------------------------------------------------------------- tokens and languages


def test_it_refuses_bad_tokens(w, api):
    client = api(w.volunteer)
    client.extra["HTTP_AUTHORIZATION"] = "Bearer kmv_not-a-token"
    assert_error(client.get("/points"), 401, "unauthenticated")
    client.extra["HTTP_AUTHORIZATION"] = "Token " + w.token(w.volunteer)
    assert_error(client.get("/points"), 401, "unauthenticated")


def test_it_refuses_a_revoked_token_and_an_inactive_user(w, api):
    client = api(w.volunteer)
    assert client.get("/points").status_code == 200
    ApiToken.objects.filter(user=w.volunteer).update(revoked=True)
    assert_error(client.get("/points"), 401, "unauthenticated")
    client = api(w.coordinator)
    w.coordinator.is_active = False
    w.coordinator.save(update_fields=["is_active"])
    assert_error(client.get("/points"), 401, "unauthenticated")


@pytest.mark.parametrize("language", ["hy", "ru", "en"])
def test_errors_are_written_in_the_requests_language(w, api, language):
    # The catalogues are filled in by translators; the language in force is the request's.
    response = api(w.volunteer, language=language).post("/donations", donation(w, point=987654))
    assert_error(response, 400, "unknown_point")
    assert response["Content-Language"] == language


def test_a_token_is_enough_without_a_csrf_cookie(w, api):
    client = api(w.volunteer)
    client.client = Client(enforce_csrf_checks=True)
    assert client.post("/donations", donation(w)).status_code == 201
