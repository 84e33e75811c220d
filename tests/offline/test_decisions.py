"""A coordinator's decision on a held write: post what is possible, reverse the earlier posting
that caused the conflict then post, or drop; once, in one transaction; and the desk learns it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kamavor.core.errors import Conflict, InvalidInput
from kamavor.offline import services
from kamavor.offline.models import HeldWrite
from kamavor.stock.models import Document
from tests.distribution.factories import make_household, stock_up
from tests.factories import desk, ledger, on_hand
from tests.offline.test_outbox import send

pytestmark = pytest.mark.django_db


def two_desks_served_one_household(w):
    stock_up(w, w.soap, 10)
    household = make_household(w)
    payload = {"household": household.code, "lines": [{"item": w.soap.pk, "quantity": 2}]}
    send(desk(w.volunteer), "distribution", payload, point=w.point)
    second, key = send(desk(w.coordinator), "distribution", payload, point=w.point)
    assert second.json()["held"]["code"] == "repeat_needs_reason"
    earlier = Document.objects.get(kind="distribution")
    return household, earlier, HeldWrite.objects.get(), payload, key


def test_the_page_offers_the_earlier_hand_out_to_reverse(w):
    _household, earlier, held, _payload, _key = two_desks_served_one_household(w)
    assert services.causes(held) == [earlier]
    page = desk(w.coordinator).get(reverse("offline:held", args=[held.pk])).content.decode()
    assert 'value="reverse"' in page and earlier.number in page


def test_a_coordinator_reverses_the_other_desks_hand_out_then_posts(w):
    household, earlier, held, _payload, _key = two_desks_served_one_household(w)
    url = reverse("offline:held", args=[held.pk])
    form = {"decision": "reverse", "reverse": earlier.pk, "reason": "entered at both desks"}
    assert desk(w.coordinator).post(url, form).status_code == 302
    held.refresh_from_db()
    earlier.refresh_from_db()
    assert held.state == "reversed" and earlier.status == "reversed"
    assert held.reversal.reverses == earlier
    assert held.document.household == household and held.document.status == "posted"
    assert on_hand(w.point, w.soap) == 8  # one hand-out, not two
    # The same decision again (a retry) changes nothing; another is refused.
    before = ledger()
    again = services.decide_held_write(
        held=held, by=w.coordinator, decision="reverse", reason="x", reverse=earlier
    )
    assert again.pk == held.pk and ledger() == before
    with pytest.raises(Conflict):
        services.decide_held_write(held=held, by=w.coordinator, decision="drop", reason="x")
    assert Document.objects.filter(kind="reversal").count() == 1


def test_reversing_needs_one_of_the_causes(w):
    _household, _earlier, held, _payload, _key = two_desks_served_one_household(w)
    other = make_household(w)
    send(
        desk(w.volunteer),
        "distribution",
        {"household": other.code, "lines": [{"item": w.soap.pk, "quantity": 1}]},
        point=w.point,
    )
    unrelated = Document.objects.get(kind="distribution", household=other)
    before = ledger()
    for document in (None, unrelated):
        with pytest.raises(InvalidInput):
            services.decide_held_write(
                held=held, by=w.coordinator, decision="reverse", reason="x", reverse=document
            )
    held.refresh_from_db()
    assert held.state == "open" and ledger() == before


def test_a_failed_posting_undoes_the_reversal(w):
    """One transaction: if the held write still cannot post, the reversal is not kept."""
    household = make_household(w)
    stock_up(w, w.soap, 3)
    payload = {"household": household.code, "lines": [{"item": w.soap.pk, "quantity": 2}]}
    send(desk(w.volunteer), "distribution", payload, point=w.point)
    big = {"household": household.code, "lines": [{"item": w.soap.pk, "quantity": 9}]}
    send(desk(w.coordinator), "distribution", big, point=w.point)
    held = HeldWrite.objects.get()
    earlier = Document.objects.get(kind="distribution")
    assert held.error_code in services.REVERSIBLE_CODES and services.causes(held) == [earlier]
    before = ledger()
    with pytest.raises(Exception):  # noqa: B017 - too little stock even after the reversal
        services.decide_held_write(
            held=held, by=w.coordinator, decision="reverse", reason="x", reverse=earlier
        )
    earlier.refresh_from_db()
    held.refresh_from_db()
    assert earlier.status == "posted" and held.state == "open" and ledger() == before


def test_the_desk_learns_the_decision_when_it_sends_the_write_again(w):
    _household, earlier, held, payload, key = two_desks_served_one_household(w)
    again, _ = send(desk(w.coordinator), "distribution", payload, point=w.point, key=key)
    assert again.json()["held"]["state"] == "open"
    services.decide_held_write(
        held=held, by=w.coordinator, decision="reverse", reason="twice", reverse=earlier
    )
    answer, _ = send(desk(w.coordinator), "distribution", payload, point=w.point, key=key)
    body = answer.json()
    held.refresh_from_db()
    assert body["state"] == "held" and body["number"] == held.document.number
    assert (body["held"]["state"], body["held"]["reason"]) == ("reversed", "twice")
    assert Document.objects.filter(kind="distribution", status="posted").count() == 1
