"""The count desk: a stocktake sheet per category; only what was counted is posted."""

from __future__ import annotations

import pytest

from kamavor.stock import services
from kamavor.stock.models import Document, Lot
from kamavor.stock.services import CountLine, IntakeLine
from tests.factories import (
    assert_form_error,
    assert_members_only,
    desk,
    donate,
    ledger,
    lot_of,
    on_hand,
    page_messages,
    text,
)


@pytest.fixture
def hygiene(w):
    """Soap, toothpaste in two lots, and rice (another category) at the point."""
    donate(
        w,
        IntakeLine(w.soap, 12),
        IntakeLine(w.toothpaste, 5, expiry=w.later(100)),
        IntakeLine(w.toothpaste, 3, expiry=w.later(20)),
        IntakeLine(w.rice, 9, expiry=w.later(60)),
    )
    return {
        "soap": lot_of(w, w.soap),
        "paste_soon": lot_of(w, w.toothpaste, expiry=w.later(20)),
        "paste_later": lot_of(w, w.toothpaste, expiry=w.later(100)),
    }


def sheet_form(client, w, category="hygiene"):
    response = client.get(f"/desk/{w.point.pk}/counts/new/", {"category": category})
    assert response.status_code == 200
    return response, response.context["form"]


def post_sheet(client, w, form, counted: dict[Lot, str] | None = None, **fields):
    """Post the sheet `form` was rendered with, with a number typed for each lot in `counted`."""
    boxes = {f"lot_{lot.pk}": value for lot, value in (counted or {}).items()}
    data = {"key": form["key"].value(), "category": "hygiene", **boxes, **fields}
    return client.post(f"/desk/{w.point.pk}/counts/post/", data)


# ---------------------------------------------------------------- the list


def test_it_lists_recent_counts_and_categories(w, hygiene, django_assert_max_num_queries):
    for n in range(4):
        services.post_count(
            point=w.point,
            lines=[CountLine(counted=12 - n, lot=hygiene["soap"])],
            by=w.coordinator,
            reason="shelf check",
        )
    donate(w, IntakeLine(w.soap, 99), point=w.warehouse)
    client = desk(w.volunteer)
    with django_assert_max_num_queries(7):
        response = client.get(f"/desk/{w.point.pk}/counts/")
    assert response.status_code == 200
    recent = response.context["recent"]
    assert [(d.lots, d.differences) for d in recent] == [(1, 1), (1, 1), (1, 1), (1, 0)]
    categories = {c.code: c.lots for c in response.context["categories"]}
    assert categories == {"food": 1, "hygiene": 3}  # the warehouse's stock is not here
    assert "a coordinator posts the count" in text(response)


def test_the_list_and_sheet_are_refused_to_anonymous_outsider_and_partner(w, hygiene):
    for path in (f"/desk/{w.point.pk}/counts/", f"/desk/{w.point.pk}/counts/new/?category=food"):
        assert_members_only(w, path)


# ---------------------------------------------------------------- the sheet


def test_the_sheet_lists_every_lot_of_the_category_without_the_ledger(w, hygiene, travel):
    travel(30)  # the early toothpaste is now expired: still on the shelf, still counted
    response, form = sheet_form(desk(w.coordinator), w)
    lots = [lot for lot, _field, _lots in response.context["rows"]]
    assert lots == [hygiene["soap"], hygiene["paste_soon"], hygiene["paste_later"]]
    assert "expired" in text(response)
    assert "Rice" not in text(response)
    assert ">12<" not in text(response)  # a blind count: the ledger's quantity is not shown
    assert len(form["key"].value()) == 32
    assert "autofocus" in str(form[f"lot_{hygiene['soap'].pk}"])


def test_a_volunteer_sees_a_sheet_to_print_but_no_form(w, hygiene):
    response, _form = sheet_form(desk(w.volunteer), w)
    assert "count-form" not in text(response)
    assert "A coordinator posts the count." in text(response)
    assert len(response.context["rows"]) == 3


def test_an_unknown_category_goes_back_to_the_list(w):
    response = desk(w.coordinator).get(f"/desk/{w.point.pk}/counts/new/", {"category": "x"})
    assert response.status_code == 302
    assert response["Location"] == f"/desk/{w.point.pk}/counts/"


# ---------------------------------------------------------------- posting


def test_it_posts_only_the_typed_lines_and_asks_a_reason_for_differences(w, hygiene):
    client = desk(w.coordinator)
    _response, form = sheet_form(client, w)
    soap, soon, later = hygiene["soap"], hygiene["paste_soon"], hygiene["paste_later"]
    data = {
        "key": form["key"].value(),
        "category": "hygiene",
        f"lot_{soap.pk}": "10",
        f"lot_{soon.pk}": "3",
        f"lot_{later.pk}": "",  # not counted
    }
    before = ledger()
    response = client.post(f"/desk/{w.point.pk}/counts/post/", data)
    assert_form_error(response, "Give a reason for the difference on Soap bar.")
    assert ledger() == before

    data["reason"] = "two bars wet, thrown away"
    response = client.post(f"/desk/{w.point.pk}/counts/post/", data, follow=True)
    count = Document.objects.get(kind="count")
    assert response.redirect_chain == [(f"/desk/documents/{count.pk}/", 302)]
    assert page_messages(response) == [
        f"{count.number} posted: 2 lots counted, 1 with a difference."
    ]
    lines = {x.lot_id: (x.quantity, x.expected_quantity) for x in count.lines.all()}
    assert lines == {soap.pk: (10, 12), soon.pk: (3, 3)}
    assert (on_hand(w.point, w.soap), on_hand(w.point, w.toothpaste)) == (10, 8)
    assert count.reason == "two bars wet, thrown away"

    again = client.post(f"/desk/{w.point.pk}/counts/post/", data)  # a retry: counted once
    assert again["Location"] == f"/desk/documents/{count.pk}/"
    assert Document.objects.filter(kind="count").count() == 1
    assert on_hand(w.point, w.soap) == 10


def test_zero_is_a_count_and_a_lot_gone_meanwhile_is_still_counted(w, hygiene):
    client = desk(w.coordinator)
    _response, form = sheet_form(client, w)
    soon = hygiene["paste_soon"]
    services.post_count(  # someone else empties the lot before this sheet is posted
        point=w.point, lines=[CountLine(counted=0, lot=soon)], by=w.admin, reason="used"
    )
    response = post_sheet(client, w, form, {soon: "1"}, reason="found")
    assert response.status_code == 302
    line = Document.objects.filter(kind="count").latest("pk").lines.get()
    assert (line.lot_id, line.quantity, line.expected_quantity) == (soon.pk, 1, 0)


def test_check_keeps_the_numbers_and_moves_to_the_next_blank_box(w, hygiene):
    client = desk(w.coordinator)
    _response, form = sheet_form(client, w)
    soap, soon, later = hygiene["soap"], hygiene["paste_soon"], hygiene["paste_later"]
    before = ledger()
    response = post_sheet(client, w, form, {soap: "12"}, action="check")
    assert response.status_code == 200
    assert ledger() == before
    checked = response.context["form"]
    assert checked[f"lot_{soap.pk}"].value() == "12"
    assert "autofocus" in str(checked[f"lot_{soon.pk}"])
    assert "autofocus" not in str(checked[f"lot_{later.pk}"])
    assert "1 of 3 lots counted so far." in text(response)


@pytest.mark.parametrize(
    ("counted", "error"),
    [
        ("-1", "The quantity cannot be negative."),
        ("twelve", "Type a whole number."),
        ("1000001", "More than one line may hold (1000000)."),
        ("1.5", "Type a whole number."),
    ],
)
def test_it_refuses_a_bad_count(w, hygiene, counted, error):
    client = desk(w.coordinator)
    _response, form = sheet_form(client, w)
    soap = hygiene["soap"]
    before = ledger()
    response = post_sheet(client, w, form, {soap: counted}, reason="x")
    assert_form_error(response, error)
    assert ledger() == before
    assert "autofocus" in str(response.context["form"][f"lot_{soap.pk}"])


def test_it_refuses_an_empty_sheet(w, hygiene):
    client = desk(w.coordinator)
    _response, form = sheet_form(client, w)
    before = ledger()
    response = post_sheet(client, w, form)
    assert "Type at least one counted quantity." in text(response)
    assert ledger() == before


def test_a_lot_of_another_point_cannot_be_slipped_into_a_sheet(w, hygiene):
    donate(w, IntakeLine(w.soap, 5), point=w.warehouse)
    theirs = lot_of(w, w.soap, point=w.warehouse)
    client = desk(w.coordinator)
    _response, form = sheet_form(client, w)
    response = post_sheet(client, w, form, {theirs: "0"}, reason="x")
    assert "Type at least one counted quantity." in text(response)
    assert on_hand(w.warehouse, w.soap) == 5


def test_posting_is_refused_to_volunteer_partner_outsider_and_anonymous(w, hygiene):
    soap = hygiene["soap"]
    data = {"key": "k", "category": "hygiene", f"lot_{soap.pk}": "1", "reason": "x"}
    path = f"/desk/{w.point.pk}/counts/post/"
    before = ledger()
    assert desk(w.volunteer).post(path, data).status_code == 403
    assert desk(w.partner).post(path, data).status_code == 403
    assert desk(w.outsider).post(path, data).status_code == 404
    assert desk().post(path, data).status_code == 302
    assert ledger() == before


def test_the_sheet_counts_by_item_and_splits_only_where_expiry_or_size_differ(w, hygiene):
    # Soap in a second lot that differs only in condition: one row, one box, for both lots.
    donate(w, IntakeLine(w.soap, 4, condition="used"))
    used = lot_of(w, w.soap, condition="used")
    client = desk(w.coordinator)
    response, form = sheet_form(client, w)
    rows = response.context["rows"]
    assert len(rows) == 3  # soap; toothpaste by its two expiry dates
    page = text(response)
    assert f'name="lot_{used.pk}"' not in page and f'name="lot_{hygiene["soap"].pk}"' in page
    # 13 bars found of 16: the difference is taken off the last lot of the row.
    response = post_sheet(client, w, form, {hygiene["soap"]: "13"}, reason="three bars wet")
    assert response.status_code == 302
    count = Document.objects.get(kind="count")
    lines = {x.lot_id: (x.quantity, x.expected_quantity) for x in count.lines.all()}
    assert lines == {hygiene["soap"].pk: (12, 12), used.pk: (1, 4)}
    assert on_hand(w.point, w.soap) == 13
    assert page_messages(client.get(f"/desk/documents/{count.pk}/")) == [
        f"{count.number} posted: 2 lots counted, 1 with a difference."
    ]
