"""Hand-outs count against the household's open requests, in the same transaction."""

from __future__ import annotations

import pytest

from kamavor.core.errors import NotEnoughStock
from kamavor.distribution.models import Fulfilment
from kamavor.distribution.services import record_distribution
from kamavor.needs.models import Request
from kamavor.needs.services import LineIn, cancel_request, create_request
from kamavor.stock.services import LotLine
from tests.distribution.factories import make_household, stock_up
from tests.factories import desk, text


def ask(w, household, *lines, urgency="normal"):
    return create_request(by=w.volunteer, household=household, lines=list(lines), urgency=urgency)


def serve(w, household, *lines, key="visit"):
    return record_distribution(
        point=w.point, household=household, lines=list(lines), by=w.volunteer, idempotency_key=key
    )


def states(*requests):
    return [Request.objects.get(pk=r.pk).state for r in requests]


def test_it_fulfils_a_request_for_the_item(w):
    household = make_household(w)
    request = ask(w, household, LineIn(quantity=4, item=w.soap))
    soap = stock_up(w, w.soap, 10)
    serve(w, household, LotLine(soap, 3))
    line = request.lines.get()
    line.refresh_from_db()
    assert line.fulfilled_quantity == 3
    assert states(request) == ["partly_fulfilled"]
    serve(w, household, LotLine(soap, 5), key="second")
    line.refresh_from_db()
    assert line.fulfilled_quantity == 4  # never counted beyond what was asked
    assert states(request) == ["fulfilled"]
    assert sum(Fulfilment.objects.values_list("quantity", flat=True)) == 4


def test_it_fulfils_a_category_after_item_lines_and_the_most_urgent_first(w):
    household = make_household(w)
    low = ask(w, household, LineIn(quantity=2, item=w.soap), urgency="low")
    urgent = ask(
        w,
        household,
        LineIn(quantity=1, item=w.soap),
        LineIn(quantity=5, category=w.soap.category),
        urgency="critical",
    )
    soap = stock_up(w, w.soap, 10)
    serve(w, household, LotLine(soap, 4))
    got = {
        (f.request_line.request_id, f.request_line.item_id): f.quantity
        for f in Fulfilment.objects.select_related("request_line")
    }
    # Item lines first (most urgent first), then the category line.
    assert got == {(urgent.pk, w.soap.pk): 1, (low.pk, w.soap.pk): 2, (urgent.pk, None): 1}
    assert states(low, urgent) == ["fulfilled", "partly_fulfilled"]


def test_it_leaves_other_items_closed_requests_and_other_sizes_alone(w):
    household = make_household(w)
    rice = ask(w, household, LineIn(quantity=2, item=w.rice))
    jacket = ask(w, household, LineIn(quantity=1, item=w.jacket, size="110"))
    cancelled = ask(w, household, LineIn(quantity=2, item=w.soap))
    cancel_request(request=cancelled, by=w.volunteer)
    soap = stock_up(w, w.soap, 10)
    small = stock_up(w, w.jacket, 3, size="98")
    serve(w, household, LotLine(soap, 2), LotLine(small, 1))
    assert states(rice, jacket, cancelled) == ["open", "open", "cancelled"]
    assert not Fulfilment.objects.exists()


def test_a_refused_distribution_fulfils_nothing(w):
    household = make_household(w)
    request = ask(w, household, LineIn(quantity=2, item=w.soap))
    soap = stock_up(w, w.soap, 1)
    with pytest.raises(NotEnoughStock):
        serve(w, household, LotLine(soap, 2))
    assert states(request) == ["open"] and not Fulfilment.objects.exists()


def test_a_repeated_key_fulfils_once(w):
    household = make_household(w)
    request = ask(w, household, LineIn(quantity=5, item=w.soap))
    soap = stock_up(w, w.soap, 10)
    serve(w, household, LotLine(soap, 2), key="same")
    serve(w, household, LotLine(soap, 2), key="same")
    assert request.lines.get().fulfilled_quantity == 2


def test_the_desk_shows_which_request_a_line_meets(w):
    household = make_household(w)
    request = ask(w, household, LineIn(quantity=2, item=w.soap))
    soap = stock_up(w, w.soap, 10)
    client = desk(w.volunteer)
    client.get(f"/desk/{w.point.pk}/distribution/{household.code}/")
    session = client.session
    key = f"cart:distribution:{w.point.pk}"
    session[key] = {**session[key], "lines": [{"item": w.soap.pk, "size": "", "quantity": 2}]}
    session.save()
    page = client.get(f"/desk/{w.point.pk}/distribution/{household.code}/")
    assert f"meets request #{request.pk} (2)" in text(page)
    document = serve(w, household, LotLine(soap, 2))
    receipt = client.get(f"/desk/{w.point.pk}/distribution/receipts/{document.pk}/")
    assert f"2 for request #{request.pk} (fulfilled)" in text(receipt)
