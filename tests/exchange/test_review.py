"""Submissions that fail a rule wait for a coordinator, whole, in the coordinator's language;
each form writes through the same service as a desk."""

from __future__ import annotations

import datetime as dt

from kamavor.exchange.models import Submission
from kamavor.exchange.services import accept_submission, open_submission
from kamavor.households.models import Household, PersonalData
from kamavor.needs.models import Request
from kamavor.network.models import Point
from kamavor.privacy.models import AuditEntry
from kamavor.shelters.access import shelter_record
from kamavor.shelters.models import Headcount
from kamavor.shelters.services import set_partner
from kamavor.stock.models import Document
from tests.exchange.helpers import Phone, household_xml, instance
from tests.factories import make_point, on_hand, text


def intake_xml(w, *lines: tuple[str, str], instance_id=None, expiry="2030-01-01") -> str:
    body = f"<point>{w.point.slug}</point><donor></donor>" + "".join(
        f"<line><item>{item}</item><quantity>{qty}</quantity><expiry>{expiry}</expiry>"
        "<size></size></line>"
        for item, qty in lines
    )
    return instance("intake", body, instance_id)


def test_an_intake_count_posts_a_donation_through_the_ledger(w):
    response = Phone(w.org, w.volunteer).submit(
        intake_xml(w, ("rice-1kg", "12"), ("soap-bar", "3"))
    )
    assert response.status_code == 201, response.content
    assert on_hand(w.point, w.rice) == 12 and on_hand(w.point, w.soap) == 3
    assert Document.objects.filter(kind="donation", created_by=w.volunteer).count() == 1


def test_a_failing_rule_keeps_the_whole_submission_for_review(w):
    xml = intake_xml(w, ("rice-1kg", "5"), ("caviar", "2"), instance_id="uuid:bad")
    response = Phone(w.org, w.volunteer, language="hy").submit(xml)
    assert response.status_code == 201  # received: the phone's job is done
    assert on_hand(w.point, w.rice) == 0 and not Document.objects.exists()  # nothing half-written
    waiting = Submission.objects.get(instance_id="uuid:bad")
    assert waiting.status == "review" and waiting.reason_code == "unknown_item"
    assert set(waiting.reasons) == {"hy", "ru", "en"}
    assert "caviar" in waiting.reasons["en"] and waiting.reasons["ru"] != waiting.reasons["en"]
    assert waiting.data_sealed and "caviar" not in waiting.data_sealed  # sealed
    again = Phone(w.org, w.volunteer).submit(xml)
    assert again.status_code == 201 and Submission.objects.count() == 1


def test_a_negative_count_waits_and_can_be_fixed_and_accepted(w, client):
    xml = intake_xml(w, ("soap-bar", "-4"), instance_id="uuid:neg")
    Phone(w.org, w.volunteer).submit(xml)
    waiting = Submission.objects.get(instance_id="uuid:neg")
    assert waiting.status == "review"
    client.force_login(w.coordinator)
    queue = client.get("/desk/field/")
    assert queue.status_code == 200 and "intake" in text(queue)
    page = client.get(f"/desk/field/{waiting.pk}/")
    assert page.status_code == 200 and 'value="-4"' in page.content.decode()
    still_wrong = client.post(
        f"/desk/field/{waiting.pk}/",
        {"decision": "accept", "v:point": w.point.slug, "v:line-1-item": "soap-bar",
         "v:line-1-quantity": "-4"},
    )  # fmt: skip
    assert still_wrong.status_code == 200 and on_hand(w.point, w.soap) == 0
    fixed = client.post(
        f"/desk/field/{waiting.pk}/",
        {"decision": "accept", "v:point": w.point.slug, "v:line-1-item": "soap-bar",
         "v:line-1-quantity": "4", "v:line-1-expiry": "", "v:line-1-size": ""},
    )  # fmt: skip
    assert fixed.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == "accepted" and waiting.decided_by == w.coordinator
    assert waiting.data_sealed == "" and on_hand(w.point, w.soap) == 4


def test_a_waiting_submission_can_be_rejected_and_its_values_are_dropped(w, client):
    Phone(w.org, w.volunteer).submit(intake_xml(w, ("caviar", "1"), instance_id="uuid:rej"))
    waiting = Submission.objects.get(instance_id="uuid:rej")
    client.force_login(w.coordinator)
    assert client.post(f"/desk/field/{waiting.pk}/", {"decision": "reject"}).status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == "rejected" and waiting.data_sealed == ""
    assert client.post(f"/desk/field/{waiting.pk}/", {"decision": "reject"}).status_code == 200


def test_the_queue_is_the_coordinators_and_their_organisations_only(w, client):
    Phone(w.org, w.volunteer).submit(intake_xml(w, ("caviar", "1"), instance_id="uuid:q"))
    waiting = Submission.objects.get()
    client.force_login(w.volunteer)
    assert client.get("/desk/field/").status_code == 403
    assert client.get(f"/desk/field/{waiting.pk}/").status_code == 403
    client.force_login(w.outsider)
    assert client.get(f"/desk/field/{waiting.pk}/").status_code == 404
    assert "uuid:q" not in text(client.get("/desk/field/"))


def test_a_probable_duplicate_household_waits_and_personal_fields_are_sealed(w, client):
    personal = {
        "personal": "yes", "basis": "consent", "notice_language": "hy", "consent": "yes",
        "collector_name": "Armen Sargsyan", "phone": "+374 93 111 222", "document": "",
    }  # fmt: skip
    phone = Phone(w.org, w.volunteer)
    assert phone.submit(household_xml("uuid:h1", **personal)).status_code == 201
    assert PersonalData.objects.count() == 1
    phone.submit(household_xml("uuid:h2", **personal))
    waiting = Submission.objects.get(instance_id="uuid:h2")
    assert waiting.status == "review" and waiting.reason_code == "probable_duplicate"
    assert "111 222" not in waiting.data_sealed and Household.objects.count() == 1
    client.force_login(w.coordinator)
    page = client.get(f"/desk/field/{waiting.pk}/")
    assert "Armen Sargsyan" in page.content.decode()
    looks = AuditEntry.objects.filter(user=w.coordinator, action="view")
    assert any("phone" in entry.fields for entry in looks)
    values = {f"v:{k}": v for k, v in {"female_18_59": "1", "male_6_11": "2", **personal}.items()}
    assert (
        client.post(f"/desk/field/{waiting.pk}/", {"decision": "accept", **values}).status_code
        == 302
    )
    assert Household.objects.count() == 2


def test_a_request_and_a_headcount_from_a_shelter(w):
    shelter = make_point(w.org, "Dormitory 3", Point.Kind.SHELTER)
    phone = Phone(w.org, w.partner)
    body = (
        f"<target>shelter</target><household_code/><shelter>{shelter.slug}</shelter>"
        "<number_of_people>40</number_of_people><urgency>high</urgency><reason>cold</reason>"
        "<line><item>soap-bar</item><size/><quantity>40</quantity></line>"
    )
    assert phone.submit(instance("request", body)).status_code == 201
    assert Submission.objects.get().reasons == {}
    request = Request.objects.get()
    assert (request.shelter, request.urgency, request.number_of_people) == (shelter, "high", 40)
    assert request.lines.get().quantity == 40
    count = f"<shelter>{shelter.slug}</shelter><day>2026-01-05</day><people>38</people>"
    # Only the shelter's own partners count its people: not yet linked, it waits for review.
    assert phone.submit(instance("headcount", count)).status_code == 201
    assert not Headcount.objects.exists()
    set_partner(shelter=shelter_record(shelter), by=w.coordinator, partner=w.partner)
    count = count.replace("2026-01-05", "2026-01-06")
    assert phone.submit(instance("headcount", count)).status_code == 201
    assert (Headcount.objects.get().night, Headcount.objects.get().people) == (
        dt.date(2026, 1, 6),
        38,
    )
    later = count.replace("38", "41")
    assert phone.submit(instance("headcount", later)).status_code == 201
    assert Headcount.objects.get().people == 41


def test_a_volunteers_headcount_waits_for_a_coordinator_who_confirms_it(w):
    shelter = make_point(w.org, "Dormitory 4", Point.Kind.SHELTER)
    count = f"<shelter>{shelter.slug}</shelter><day>2026-01-07</day><people>25</people>"
    response = Phone(w.org, w.volunteer).submit(instance("headcount", count))
    assert response.status_code == 201 and "coordinator" in text(response)
    waiting = Submission.objects.get()
    assert waiting.status == "review" and waiting.reason_code == "headcount_not_allowed"
    assert not Headcount.objects.exists()
    values = open_submission(submission=waiting, by=w.coordinator)
    accept_submission(submission=waiting, values=values, by=w.coordinator)
    confirmed = Headcount.objects.get()
    assert (confirmed.people, confirmed.confirmed_by) == (25, w.coordinator)


def test_a_household_request_by_its_code(w):
    phone = Phone(w.org, w.volunteer)
    phone.submit(household_xml("uuid:hh"))
    household = Household.objects.get()
    body = (
        f"<target>household</target><household_code>{household.display_code}</household_code>"
        "<urgency>normal</urgency><line><item>jacket-child-winter</item><size>110</size>"
        "<quantity>1</quantity></line>"
    )
    assert phone.submit(instance("request", body)).status_code == 201
    assert Request.objects.get().household == household
