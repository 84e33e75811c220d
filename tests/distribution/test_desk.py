"""The distribution desk through its URLs: open a household by code, hand out, once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kamavor.distribution import adapters
from kamavor.households.models import Household
from kamavor.lib import household_codes
from kamavor.stock.models import Document
from tests.distribution.factories import make_household, stock_up
from tests.factories import assert_members_only, desk, ledger, on_hand, page_messages, text


@pytest.fixture
def dues(monkeypatch):
    """What the needs app says is due, set by the test (the desk reads it through its adapter)."""
    due: dict = {}

    def dues_for(household, on, **_):
        return [adapters.Due(item=item, quantity=q, period_days=30) for item, q in due.items()]

    monkeypatch.setattr(adapters, "dues_for", dues_for)
    return due


def urls(w, household=None):
    code = household.code if household else "x"
    return {
        "desk": reverse("distribution:desk", args=[w.point.pk]),
        "visit": reverse("distribution:visit", args=[w.point.pk, code]),
        "add": reverse("distribution:add", args=[w.point.pk, code]),
        "post": reverse("distribution:post", args=[w.point.pk, code]),
        "remove": reverse("distribution:remove", args=[w.point.pk, code, 0]),
    }


def session_key(client, w) -> str:
    return client.session[f"cart:distribution:{w.point.pk}"]["key"]


def test_pages_are_for_members_who_distribute(w):
    household = make_household(w)
    u = urls(w, household)
    for path in (u["desk"], u["visit"]):
        assert_members_only(w, path)
        assert desk(w.volunteer).get(path).status_code == 200
        assert desk(w.coordinator).get(path).status_code == 200
    for path in (u["add"], u["post"], u["remove"]):
        response = desk().post(path)
        assert response.status_code == 302 and "/login/" in response["Location"]
        assert desk(w.outsider).post(path).status_code == 404
        assert desk(w.partner).post(path).status_code == 403


def test_the_outsider_cannot_open_our_household_at_their_own_point(w):
    household = make_household(w)
    path = reverse("distribution:visit", args=[w.other_point.pk, household.code])
    assert desk(w.outsider).get(path).status_code == 404


def test_the_code_opens_the_household(w):
    household = make_household(w)
    typed = household_codes.display(household.code).lower()
    client = desk(w.volunteer)
    response = client.get(urls(w)["desk"], {"code": typed})
    # The visit itself, in one round trip: its forms name the household's own URLs.
    page = text(response)
    assert response.status_code == 200 and 'id="composition"' in page
    assert household.display_code in page
    assert f'action="{urls(w, household)["visit"]}"' in page  # the find box


def test_a_typing_mistake_is_named_as_such(w):
    household = make_household(w)
    code = household.code
    swapped = code[1] + code[0] + code[2:] if code[0] != code[1] else code[:-1] + "A"
    wrong = code[:-1] + next(c for c in household_codes.ALPHABET if c != code[-1])
    for typo in (swapped, wrong):
        response = desk(w.volunteer).get(urls(w)["desk"], {"code": typo})
        assert response.status_code == 200
        assert "This code has a typing mistake" in text(response)
    response = desk(w.volunteer).get(urls(w)["desk"], {"code": "hello"})
    assert "This is not a household code" in text(response)
    unknown = household_codes.new_code()
    response = desk(w.volunteer).get(urls(w)["desk"], {"code": unknown})
    assert "No household with code" in text(response)


def test_the_visit_shows_composition_flags_and_never_personal_fields(w, dues):
    household = make_household(w, male_0_2=1, female_60=1, disability=True, notes="private")
    page = text(desk(w.volunteer).get(urls(w, household)["visit"]))
    assert household.display_code in page
    assert "3 people" in page and "disability" in page
    assert "private" not in page


def test_a_whole_visit_prefilled_from_what_is_due(w, dues):
    household = make_household(w)
    stock_up(w, w.soap, 10)
    early = stock_up(w, w.rice, 2, expiry=w.later(20))
    late = stock_up(w, w.rice, 5, expiry=w.later(200))
    dues.update({w.soap: 2, w.rice: 3, w.toothpaste: 1})  # no toothpaste here
    client = desk(w.volunteer)
    page = text(client.get(urls(w, household)["visit"]))
    assert 'name="quantity-0" value="2"' in page and 'name="quantity-1" value="3"' in page
    assert "quantity-2" not in page and "none here" in page
    response = client.post(
        urls(w, household)["post"],
        {"key": session_key(client, w), "quantity-0": "2", "quantity-1": "3", "note": ""},
    )
    document = Document.objects.get(kind="distribution")
    assert response.status_code == 302 and response["Location"].endswith(
        f"/receipts/{document.pk}/"
    )
    # First expiry first out: both units of the early lot, then one of the later.
    taken = dict(document.lines.values_list("lot_id", "quantity"))
    assert taken == {early.pk: 2, late.pk: 1, document.lines.get(item=w.soap).lot_id: 2}
    assert on_hand(w.point, w.soap) == 8
    receipt = text(client.get(response["Location"]))
    assert document.number in receipt and household.display_code in receipt


def test_a_second_ctrl_enter_posts_nothing_more(w, dues):
    household = make_household(w)
    stock_up(w, w.soap, 10)
    dues[w.soap] = 2
    client = desk(w.volunteer)
    client.get(urls(w, household)["visit"])
    data = {"key": session_key(client, w), "quantity-0": "2"}
    first = client.post(urls(w, household)["post"], data)
    second = client.post(urls(w, household)["post"], data)
    assert first["Location"] == second["Location"]
    assert Document.objects.filter(kind="distribution").count() == 1
    assert on_hand(w.point, w.soap) == 8


def test_quantities_are_editable_and_items_can_be_added_and_removed(w, dues):
    household = make_household(w)
    stock_up(w, w.soap, 10)
    stock_up(w, w.jacket, 3, size="110")
    dues[w.soap] = 2
    client = desk(w.volunteer)
    u = urls(w, household)
    client.get(u["visit"])
    page = text(client.get(u["visit"], {"q": "jacket"}))
    assert 'id="chosen-item"' in page
    assert (
        client.post(u["add"], {"item": w.jacket.pk, "size": "110", "quantity": 1}).status_code
        == 302
    )
    too_many = client.post(u["add"], {"item": w.jacket.pk, "size": "110", "quantity": 5})
    assert "already on this visit" in text(too_many)
    client.post(u["remove"])  # the soap
    response = client.post(
        u["post"], {"key": session_key(client, w), "quantity-0": "1", "size-0": "110"}
    )
    assert response.status_code == 302
    document = Document.objects.get(kind="distribution")
    assert list(document.lines.values_list("item_id", "size", "quantity")) == [
        (w.jacket.pk, "110", 1)
    ]
    assert on_hand(w.point, w.soap) == 10


@pytest.mark.parametrize(
    ("quantity", "message"),
    [("-1", "greater than or equal to 0"), ("ten", "whole number"), ("0", "Nothing to hand out")],
)
def test_it_refuses_bad_quantities(w, dues, quantity, message):
    household = make_household(w)
    stock_up(w, w.soap, 10)
    dues[w.soap] = 2
    client = desk(w.volunteer)
    client.get(urls(w, household)["visit"])
    counts = ledger()
    response = client.post(
        urls(w, household)["post"],
        {"key": session_key(client, w), "quantity-0": quantity},
        follow=True,
    )
    assert message in text(response)
    assert ledger() == counts


def test_more_than_the_point_has_is_refused_with_the_shortage(w, dues):
    household = make_household(w)
    stock_up(w, w.soap, 3)
    dues[w.soap] = 2
    client = desk(w.volunteer)
    client.get(urls(w, household)["visit"])
    response = client.post(
        urls(w, household)["post"], {"key": session_key(client, w), "quantity-0": "9"}, follow=True
    )
    assert any("9 to hand out, 3 on hand" in m for m in page_messages(response))
    assert on_hand(w.point, w.soap) == 3


def test_it_warns_when_the_household_already_received_the_item(w, dues):
    household = make_household(w)
    stock_up(w, w.soap, 10)
    dues[w.soap] = 2
    client = desk(w.volunteer)
    client.get(urls(w, household)["visit"])
    client.post(urls(w, household)["post"], {"key": session_key(client, w), "quantity-0": "2"})
    page = text(client.get(urls(w, household)["visit"]))
    assert 'id="repeat-warnings"' in page and "2 received, last on" in page


def test_a_repeat_is_not_handed_out_without_a_reason(w, dues):
    household = make_household(w)
    stock_up(w, w.soap, 10)
    dues[w.soap] = 2
    client = desk(w.volunteer)
    client.get(urls(w, household)["visit"])
    client.post(urls(w, household)["post"], {"key": session_key(client, w), "quantity-0": "2"})
    client.get(urls(w, household)["visit"])
    data = {"key": session_key(client, w), "quantity-0": "2", "note": ""}
    response = client.post(urls(w, household)["post"], data, HTTP_ACCEPT_LANGUAGE="hy")
    assert Document.objects.filter(kind="distribution").count() == 1
    assert on_hand(w.point, w.soap) == 8
    refused = text(client.get(urls(w, household)["visit"], HTTP_ACCEPT_LANGUAGE="hy"))
    assert response.status_code == 302
    assert "Նորից տալու համար նշումում գրեք պատճառը" in refused  # the refusal, in Armenian
    page = text(client.get(urls(w, household)["visit"]))
    assert "Reason to hand it out again" in page
    response = client.post(urls(w, household)["post"], {**data, "note": "Lost in the flood"})
    assert response.status_code == 302
    assert Document.objects.filter(kind="distribution").count() == 2
    assert on_hand(w.point, w.soap) == 6


def test_a_merged_household_is_sent_to_the_one_it_became(w):
    survivor = make_household(w)
    merged = make_household(w)
    Household.objects.filter(pk=merged.pk).update(status="merged", merged_into=survivor)
    response = desk(w.volunteer).get(urls(w, merged)["visit"], follow=True)
    messages = " ".join(page_messages(response))
    assert "was merged into household" in messages and survivor.display_code in messages


def test_opening_a_household_takes_a_fixed_number_of_queries(w, django_assert_max_num_queries):
    """Real standards, history and requests: the page reads each once, however many there are."""
    from kamavor.needs.services import LineIn, create_request
    from tests.needs.helpers import hand_out, make_standard

    make_standard("soap", w.soap, quantity=3)
    make_standard("rice", w.rice, per="household", quantity=2)
    stock_up(w, w.soap, 40)
    stock_up(w, w.rice, 40)
    client = desk(w.volunteer)
    households = []
    for visits in (1, 6):
        household = make_household(w, female_18_59=2)
        absorbed = make_household(w)
        Household.objects.filter(pk=absorbed.pk).update(status="merged", merged_into=household)
        for day in range(visits):
            hand_out(w, household, w.soap, 1, days_ago=day * 3)
            hand_out(w, absorbed, w.toothpaste, 1, days_ago=day * 3 + 1)
        for _ in range(visits):
            jacket = LineIn(1, w.jacket, size="110")
            create_request(by=w.volunteer, household=household, lines=[jacket])
        households.append((household, visits))
    client.get(urls(w, households[0][0])["visit"])  # sessions and caches warmed
    for household, visits in households:
        u = urls(w, household)
        # session, user, point, role, household; standards, lineage (2), history, lots here,
        # requests (+ lines), last visits (+ lines), its plan, the menu; the session saved (a
        # savepoint, its update and release inside the test's transaction)
        with django_assert_max_num_queries(19):
            page = text(client.get(u["visit"]))
        assert page.count("Child&#x27;s winter jacket (110) × 1") == visits
        receipts = reverse("distribution:desk", args=[w.point.pk]) + "receipts/"
        assert page.count(f'href="{receipts}') == min(visits * 2, 5)


def test_the_visit_lists_the_lots_that_go_out_first(w, dues):
    household = make_household(w)
    for days in (300, 30, 200, 100, 60):
        stock_up(w, w.rice, 2, expiry=w.later(days))
    dues[w.rice] = 1
    page = text(desk(w.volunteer).get(urls(w, household)["visit"]))
    lots = page[page.index('id="lots"') :]
    dates = [w.later(d).strftime("%d.%m.%Y") for d in (30, 60, 100, 200, 300)]
    assert all(d in lots for d in dates[:3]) and not any(d in lots for d in dates[3:])
    assert lots.index(dates[0]) < lots.index(dates[1]) < lots.index(dates[2])


def test_sizes_on_hand_are_offered_smallest_first(w, dues):
    household = make_household(w, male_6_11=1)
    for size in ("134", "98", "110"):
        stock_up(w, w.jacket, 2, size=size)
    dues[w.jacket] = 1
    page = text(desk(w.volunteer).get(urls(w, household)["visit"]))
    select = page[page.index('name="size-0"') :]
    select = select[: select.index("</select>")]
    assert [select.index(f'value="{s}"') for s in ("98", "110", "134")] == sorted(
        select.index(f'value="{s}"') for s in ("98", "110", "134")
    )
