"""The statements of each hot write, pinned: a change that adds one to a desk's every write
fails here. Counted through the API (token, access, service, answer), with the lots existing
already, as at a busy desk; inside the test's transaction BEGIN/COMMIT are a savepoint."""

from __future__ import annotations

import pytest
from django.db import connection

from kamavor.stock.models import Lot
from kamavor.stock.services import IntakeLine
from tests.distribution.factories import make_household
from tests.factories import donate, make_item

LINES = 10


def warm(client):
    """The token was used once already (its first use is recorded: not a desk's every write)."""
    client.get("/points")
    return client


@pytest.fixture
def shelf(w):
    """Ten items with a lot each at the point."""
    items = [
        make_item(f"q{i}", category=w.soap.category, hy=f"Ապրանք {i}", ru=f"Товар {i}", en=f"T{i}")
        for i in range(LINES)
    ]
    donate(w, *[IntakeLine(item, 50) for item in items])
    return items, [Lot.objects.get(point=w.point, item=item).pk for item in items]


def test_a_ten_line_donation(w, api, shelf, django_assert_num_queries):
    items, _lots = shelf
    client = warm(api(w.volunteer))
    body = {"point": w.point.pk, "lines": [{"item": i.pk, "quantity": 2} for i in items]}
    # token, point, items with their lots at the point; savepoint, document, key, lines,
    # balances, movements, item balances, daily flows and their roll-up per point, release
    with django_assert_num_queries(13):
        response = client.post("/donations", body, key="d1")
    assert response.status_code == 201 and len(response.json()["lines"]) == LINES


def test_a_ten_line_hand_out(w, api, shelf, django_assert_num_queries):
    _items, lots = shelf
    client = warm(api(w.volunteer))
    household = make_household(w)
    body = {
        "point": w.point.pk,
        "household": household.display_code,
        "lines": [{"lot": lot, "quantity": 1} for lot in lots],
    }
    # token, point, role, household, lots; savepoint, document, the household's latest visit
    # (the dashboards' roll-up), key, household locked (and
    # whether any was merged into it or it has an open request: neither, so they are not
    # read), the standards and last hand-outs for the repeat check, lines, balances, movements,
    # item balances, daily flows and their roll-ups per point and per month of hand-outs (the
    # public pages' dues), last activity, release
    with django_assert_num_queries(20):
        response = client.post("/distributions", body, key="h1")
    assert response.status_code == 201 and len(response.json()["lines"]) == LINES


def test_sending_a_transfer(w, api, shelf, django_assert_num_queries):
    _items, lots = shelf
    client = warm(api(w.coordinator))
    lines = [{"lot": lot, "quantity": 1} for lot in lots]
    body = {"source": w.point.pk, "destination": w.warehouse.pk, "lines": lines}
    # token, source, destination, lots; savepoint, document, key, lines, release: answered
    # from what was written, nothing read back
    with django_assert_num_queries(9):
        transfer = client.post("/transfers", body, key="t1").json()
    # token, transfer; savepoint, key, transfer locked and marked sent at once, lines,
    # balances, movements, item balances, daily flows and their roll-up per point, release
    with django_assert_num_queries(12):
        response = client.post(f"/transfers/{transfer['id']}/send", key="t1-send")
    assert response.status_code == 200 and response.json()["status"] == "sent"
    receiver = warm(api(w.coordinator))  # (the warehouse is the same organisation's)
    # token, transfer, lines, the destination's lots; savepoint, key, transfer locked, lines'
    # received quantities, new lots (lots, balances: no savepoint of their own; PostgreSQL
    # writes both in one statement), balances, movements, item balances, daily flows and their
    # roll-up per point, transfer received, release
    with django_assert_num_queries(16 if connection.vendor == "postgresql" else 17):
        response = receiver.post(f"/transfers/{transfer['id']}/receive", key="t1-receive")
    assert response.status_code == 200 and response.json()["status"] == "received"


def test_registering_a_household(w, api, django_assert_num_queries):
    client = warm(api(w.volunteer))
    body = {"point": w.point.pk, "composition": {"female_18_59": 1, "male_0_2": 1}}
    # token, point; savepoint, household (an INSERT that skips a code taken, which is drawn
    # again: no savepoint of its own), the organisation's entitlement totals (none kept here:
    # no UPDATE), key, release
    with django_assert_num_queries(7):
        response = client.post("/households", body, key="r1")
    assert response.status_code == 201


def test_registering_a_household_into_a_shelter(w, api, django_assert_num_queries):
    from tests.shelters.helpers import make_shelter

    shelter = make_shelter(w.org, "Old factory", by=w.coordinator, units={"Hall": 20})
    client = warm(api(w.coordinator))
    body = {"point": w.point.pk, "shelter": shelter.pk, "composition": {"female_18_59": 2}}
    # the 7 above and the shelter point; the check-in: shelter (counts it beds?), placement,
    # units (the fullest that fits), the unit's beds, the shelter's beds, the placement's unit,
    # audit ("where it stays" is already in the new row)
    with django_assert_num_queries(15):
        response = client.post("/households", body, key="r1")
    assert response.status_code == 201
