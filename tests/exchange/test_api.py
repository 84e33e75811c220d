"""The exchange API: the review queue, decisions, and imports (dry run, then post)."""

from __future__ import annotations

import base64

from kamavor.catalogue.models import Item
from kamavor.exchange.models import Import, Submission
from kamavor.stock.models import Document
from tests.api.conftest import assert_error
from tests.exchange.helpers import Phone
from tests.exchange.test_imports import ITEMS
from tests.exchange.test_review import intake_xml
from tests.factories import on_hand


def test_the_queue_lists_decides_and_audits(w, api):
    Phone(w.org, w.volunteer).submit(intake_xml(w, ("soap-bar", "0"), instance_id="uuid:z"))
    waiting = Submission.objects.get()
    listed = api(w.coordinator).get("/exchange/submissions", status="review")
    assert listed.status_code == 200
    (row,) = listed.json()
    assert row["instance_id"] == "uuid:z" and row["submitted_by"] == w.volunteer.username
    assert row["reason"] and row["reason_code"]
    one = api(w.coordinator).get(f"/exchange/submissions/{waiting.pk}").json()
    assert one["values"]["line"] == [
        {"item": "soap-bar", "quantity": "0", "expiry": "2030-01-01", "size": ""}
    ]
    values = {"point": w.point.slug, "line": [{"item": "soap-bar", "quantity": "2"}]}
    coordinator = api(w.coordinator)
    path = f"/exchange/submissions/{waiting.pk}/accept"
    accepted = coordinator.post(path, {"values": values}, key="decide-1")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    retried = coordinator.post(path, {"values": values}, key="decide-1")
    assert retried.status_code == 200 and retried.json() == accepted.json()
    assert on_hand(w.point, w.soap) == 2 and Document.objects.count() == 1
    assert_error(
        api(w.coordinator).post(f"/exchange/submissions/{waiting.pk}/reject"), 409,
        "already_decided",
    )  # fmt: skip


def test_the_queue_refuses_who_may_not_see_it(w, api):
    Phone(w.org, w.volunteer).submit(intake_xml(w, ("caviar", "1"), instance_id="uuid:y"))
    waiting = Submission.objects.get()
    assert_error(api().get("/exchange/submissions"), 401, "unauthenticated")
    assert api(w.volunteer).get("/exchange/submissions").json() == []
    assert_error(api(w.volunteer).get(f"/exchange/submissions/{waiting.pk}"), 403, "forbidden")
    assert_error(api(w.outsider).get(f"/exchange/submissions/{waiting.pk}"), 404, "not_found")
    assert_error(
        api(w.outsider).post(f"/exchange/submissions/{waiting.pk}/reject"), 404, "not_found"
    )
    assert Submission.objects.get().status == "review"


def test_an_import_is_checked_then_posted(w, api):
    body = {
        "organisation": w.org.pk,
        "kind": "items",
        "filename": "items.csv",
        "content": base64.b64encode(ITEMS.encode()).decode(),
    }
    coordinator = api(w.coordinator)
    checked = coordinator.post("/exchange/imports", body, key="check-1")
    assert checked.status_code == 201, checked.content
    data = checked.json()
    assert coordinator.post("/exchange/imports", body, key="check-1").json() == data
    assert [r["outcome"] for r in data["report"]] == ["created", "unchanged"]
    assert data["status"] == "checked" and not Item.objects.filter(code="pasta-500g").exists()
    posted = api(w.coordinator).post(f"/exchange/imports/{data['id']}/post")
    assert posted.status_code == 200 and posted.json()["status"] == "posted"
    assert Item.objects.filter(code="pasta-500g").exists()
    assert_error(api(w.coordinator).post(f"/exchange/imports/{data['id']}/post"), 409, "not_ready")
    listed = api(w.coordinator).get("/exchange/imports").json()
    assert [(r["kind"], r["imported_by"]) for r in listed] == [("items", w.coordinator.username)]
    assert_error(api(w.volunteer).post("/exchange/imports", body), 403, "forbidden")
    assert_error(api(w.outsider).post("/exchange/imports", body), 404, "not_found")
    bad = api(w.coordinator).post("/exchange/imports", {**body, "content": "%%%"})
    assert_error(bad, 400, "invalid_base64")
    empty = {**body, "content": ""}
    assert_error(api(w.coordinator).post("/exchange/imports", empty), 400, "file_empty")
    assert Import.objects.count() == 1
