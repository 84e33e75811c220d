"""The count desk: a stocktake sheet per category; only what was counted is posted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from kamavor.stock import services
from kamavor.stock.models import Balance, Document, Lot, Movement
from kamavor.stock.services import CountLine, IntakeLine


@pytest.fixture(autouse=True)
def _plain_http(settings) -> None:
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def travel(monkeypatch):
    """Move "today" some days ahead, for everything that asks django.utils.timezone."""
    real = timezone.localdate

    def to(days: int) -> dt.date:
        target = real() + dt.timedelta(days=days)
        monkeypatch.setattr(
            timezone, "localdate", lambda value=None, tz=None: real(value, tz) if value else target
        )
        return target

    return to


def desk(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def donate(w, *lines: IntakeLine, point=None, by=None) -> Document:
    return services.post_donation(point=point or w.point, lines=list(lines), by=by or w.coordinator)


def on_hand(point, item) -> int:
    return Balance.objects.filter(point=point, item=item).aggregate(s=Sum("quantity"))["s"] or 0


def lot_of(w, item, point=None, **attributes) -> Lot:
    return Lot.objects.get(item=item, point=point or w.point, **attributes)


def ledger() -> tuple[int, int]:
    return Document.objects.count(), Movement.objects.count()


def text(response) -> str:
    return response.content.decode()


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


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
        response = desk().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert desk(w.outsider).get(path).status_code == 404
        assert desk(w.partner).get(path).status_code == 403


# ---------------------------------------------------------------- the sheet


def test_the_sheet_lists_every_lot_of_the_category_without_the_ledger(w, hygiene, travel):
    travel(30)  # the early toothpaste is now expired: still on the shelf, still counted
    response, form = sheet_form(desk(w.coordinator), w)
    lots = [lot for lot, _field in response.context["rows"]]
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
    assert response.status_code == 200
    assert "Give a reason for the difference on Soap bar." in text(response)
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
    response = client.post(
        f"/desk/{w.point.pk}/counts/post/",
        {
            "key": form["key"].value(),
            "category": "hygiene",
            f"lot_{soon.pk}": "1",
            "reason": "found",
        },
    )
    assert response.status_code == 302
    line = Document.objects.filter(kind="count").latest("pk").lines.get()
    assert (line.lot_id, line.quantity, line.expected_quantity) == (soon.pk, 1, 0)


def test_check_keeps_the_numbers_and_moves_to_the_next_blank_box(w, hygiene):
    client = desk(w.coordinator)
    _response, form = sheet_form(client, w)
    soap, soon, later = hygiene["soap"], hygiene["paste_soon"], hygiene["paste_later"]
    before = ledger()
    response = client.post(
        f"/desk/{w.point.pk}/counts/post/",
        {
            "key": form["key"].value(),
            "category": "hygiene",
            f"lot_{soap.pk}": "12",
            "action": "check",
        },
    )
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
    response = client.post(
        f"/desk/{w.point.pk}/counts/post/",
        {
            "key": form["key"].value(),
            "category": "hygiene",
            f"lot_{soap.pk}": counted,
            "reason": "x",
        },
    )
    assert response.status_code == 200
    assert error in text(response)
    assert ledger() == before
    assert "autofocus" in str(response.context["form"][f"lot_{soap.pk}"])


def test_it_refuses_an_empty_sheet(w, hygiene):
    client = desk(w.coordinator)
    _response, form = sheet_form(client, w)
    before = ledger()
    response = client.post(
        f"/desk/{w.point.pk}/counts/post/", {"key": form["key"].value(), "category": "hygiene"}
    )
    assert "Type at least one counted quantity." in text(response)
    assert ledger() == before


def test_a_lot_of_another_point_cannot_be_slipped_into_a_sheet(w, hygiene):
    donate(w, IntakeLine(w.soap, 5), point=w.warehouse)
    theirs = lot_of(w, w.soap, point=w.warehouse)
    client = desk(w.coordinator)
    _response, form = sheet_form(client, w)
    response = client.post(
        f"/desk/{w.point.pk}/counts/post/",
        {"key": form["key"].value(), "category": "hygiene", f"lot_{theirs.pk}": "0", "reason": "x"},
    )
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
