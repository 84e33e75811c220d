"""Coordinators' pages: permissions, roster with audited contact data, check-in and
check-out, no-shows, CSV export, writing to a shift, hours per volunteer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from kamavor.privacy.models import ContactAudit
from kamavor.volunteers.board import open_shifts
from kamavor.volunteers.models import Shift, ShiftTemplate, SignUp
from kamavor.volunteers.services import create_template
from tests.factories import desk
from tests.volunteers.helpers import make_shift, sign

OK, HIDDEN, REFUSED = 200, 404, 403


@pytest.fixture
def roster(w):
    shift = make_shift(w)
    signup, _token = sign(shift, name="Անահիտ", email="anahit@example.org")
    return shift, signup


def _pages(w, shift, signup):
    p = w.point.pk
    return {
        "shifts": f"/desk/{p}/shifts/",
        "roster": f"/desk/{p}/shifts/{shift.pk}/",
        "csv": f"/desk/{p}/shifts/{shift.pk}/roster.csv",
        "hours": f"/desk/{p}/volunteers/",
        "public": f"/desk/{p}/public/",
    }


def _posts(w, shift, signup):
    p, s = w.point.pk, shift.pk
    return {
        "check_in": (f"/desk/{p}/shifts/{s}/signups/{signup.pk}/check_in/", {}),
        "write": (f"/desk/{p}/shifts/{s}/write/", {"subject": "Hi", "message": "Gloves"}),
        "cancel": (f"/desk/{p}/shifts/{s}/cancel/", {}),
        "add": (
            f"/desk/{p}/shifts/",
            {
                "task": "intake",
                "day": "2030-01-01",
                "start": "10:00",
                "end": "14:00",
                "hands_needed": 2,
            },
        ),
        "line": (f"/desk/{p}/public/line/", {"item": w.soap.pk, "pinned": "on"}),
    }


def test_each_page_for_each_persona(w, roster):
    shift, signup = roster
    for name, url in _pages(w, shift, signup).items():
        response = desk().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], name
        assert desk(w.outsider).get(url).status_code == HIDDEN, name
        assert desk(w.volunteer).get(url).status_code == REFUSED, name
        assert desk(w.partner).get(url).status_code == REFUSED, name
        assert desk(w.coordinator).get(url).status_code == OK, name
        assert desk(w.admin).get(url).status_code == OK, name


def test_writes_refuse_everyone_but_coordinators(w, roster):
    shift, signup = roster
    for name, (url, data) in _posts(w, shift, signup).items():
        assert desk().post(url, data).status_code == 302, name
        assert desk(w.outsider).post(url, data).status_code == HIDDEN, name
        assert desk(w.volunteer).post(url, data).status_code == REFUSED, name
    signup.refresh_from_db()
    shift.refresh_from_db()
    assert signup.checked_in_at is None and not shift.cancelled
    assert not mail.outbox
    assert Shift.objects.count() == 1


def test_another_organisations_shift_is_not_found_through_our_point(w, roster):
    other = make_shift(w, point=w.other_point, by=w.outsider)
    assert desk(w.coordinator).get(f"/desk/{w.point.pk}/shifts/{other.pk}/").status_code == 404
    url = f"/desk/{w.other_point.pk}/shifts/{other.pk}/"
    assert desk(w.coordinator).get(url).status_code == 404


def test_the_roster_opens_contact_data_and_audits_it(w, roster):
    shift, signup = roster
    body = desk(w.coordinator).get(f"/desk/{w.point.pk}/shifts/{shift.pk}/").content.decode()
    assert "Անահիտ" in body and "anahit@example.org" in body
    entry = ContactAudit.objects.get()
    assert (entry.user, entry.volunteer, entry.action) == (
        w.coordinator, signup.volunteer, "view",
    )  # fmt: skip


def test_check_in_check_out_and_no_show(w, roster):
    shift, signup = roster
    client = desk(w.coordinator)
    base = f"/desk/{w.point.pk}/shifts/{shift.pk}/signups/{signup.pk}"
    # Checking out before checking in is refused.
    client.post(f"{base}/check_out/")
    signup.refresh_from_db()
    assert signup.checked_out_at is None
    assert client.post(f"{base}/check_in/").status_code == 302
    signup.refresh_from_db()
    assert signup.checked_in_at is not None
    assert client.post(f"{base}/check_out/").status_code == 302
    signup.refresh_from_db()
    assert signup.checked_out_at >= signup.checked_in_at
    # A no-show is for someone who did not check in.
    other, _t = sign(shift, name="Aram", ip="10.0.0.9")
    client.post(f"/desk/{w.point.pk}/shifts/{shift.pk}/signups/{other.pk}/no_show/")
    other.refresh_from_db()
    assert other.no_show
    client.post(f"{base}/no_show/")
    signup.refresh_from_db()
    assert not signup.no_show
    assert client.post(f"{base}/dance/").status_code == 404


def test_the_roster_exports_as_csv_audited(w, roster):
    shift, _signup = roster
    response = desk(w.coordinator).get(f"/desk/{w.point.pk}/shifts/{shift.pk}/roster.csv")
    assert response["Content-Type"].startswith("text/csv")
    # A file to save, named after the point and the shift's local start, not a page to read.
    start = timezone.localtime(shift.starts_at).strftime("%Y-%m-%d-%H%M")
    assert response["Content-Disposition"] == (
        f'attachment; filename="roster-{w.point.slug}-{start}.csv"'
    )
    page = desk(w.coordinator).get(f"/desk/{w.point.pk}/shifts/{shift.pk}/").content.decode()
    assert 'roster.csv" download hx-boost="false"' in page  # the desk's htmx leaves it alone
    body = response.content.decode("utf-8-sig")
    assert "Անահիտ" in body and "anahit@example.org" in body
    assert ContactAudit.objects.filter(action="export").count() == 1


def test_writing_to_a_shift_emails_its_volunteers(w, roster):
    shift, _signup = roster
    sign(shift, name="Aram", email="", ip="10.0.0.7")  # a phone only: not written to
    mail.outbox.clear()
    response = desk(w.coordinator).post(
        f"/desk/{w.point.pk}/shifts/{shift.pk}/write/",
        {"subject": "Tomorrow", "message": "Bring gloves, please."},
    )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["anahit@example.org"]]
    assert ContactAudit.objects.filter(action="contact").count() == 1


def test_the_coordinator_adds_a_shift_and_a_repeating_shift(w):
    client = desk(w.coordinator)
    day = timezone.localdate() + dt.timedelta(days=2)
    response = client.post(
        f"/desk/{w.point.pk}/shifts/",
        {"task": "intake", "day": day.isoformat(), "start": "10:00", "end": "14:00",
         "hands_needed": 4, "notes": "At the back door"},
    )  # fmt: skip
    assert response.status_code == 302
    shift = Shift.objects.get()
    assert timezone.localtime(shift.starts_at).hour == 10 and shift.hands_needed == 4
    response = client.post(
        f"/desk/{w.point.pk}/shifts/repeat/",
        {"task": "sorting", "weekdays": list(range(7)), "start": "10:00", "end": "14:00",
         "hands_needed": 5, "starts_on": timezone.localdate().isoformat()},
    )  # fmt: skip
    assert response.status_code == 302
    template = ShiftTemplate.objects.get()
    assert template.shifts.count() == 15  # today and the next 14 days
    # Planning again creates nothing twice.
    client.get(f"/desk/{w.point.pk}/shifts/")
    assert template.shifts.count() == 15


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"end": "09:00"}, "A shift must end after it starts."),
        ({"hands_needed": 0}, "Ensure this value is greater than or equal to 1."),
        ({"task": "juggling"}, "Select a valid choice."),
        ({"notes": "x" * 301}, "Ensure this value has at most 300 characters"),
    ],
)
def test_bad_shifts_are_refused(w, data, error):
    values = {"task": "intake", "day": "2030-01-01", "start": "10:00", "end": "14:00",
              "hands_needed": 2} | data  # fmt: skip
    response = desk(w.coordinator).post(f"/desk/{w.point.pk}/shifts/", values, follow=True)
    assert error in response.content.decode()
    assert not Shift.objects.exists()


def test_hours_per_volunteer_and_recurring_volunteers(w):
    client = desk(w.coordinator)
    first, second = make_shift(w, in_hours=2), make_shift(w, in_hours=30)
    a, token = sign(first, email="anahit@example.org")
    from kamavor.volunteers.services import join_shift, volunteer_for_link

    b = join_shift(volunteer=volunteer_for_link(token), shift=second, address="10.0.0.1")
    for signup, hours in ((a, 4), (b, 3)):
        start = timezone.now() - dt.timedelta(hours=hours)
        SignUp.objects.filter(pk=signup.pk).update(
            checked_in_at=start, checked_out_at=timezone.now()
        )
    # The same person through a new link (same e-mail) counts as the same volunteer.
    third = make_shift(w, in_hours=50)
    c, _t = sign(third, name="Ani again", email="ANAHIT@example.org", ip="10.0.0.2")
    SignUp.objects.filter(pk=c.pk).update(no_show=True)
    body = client.get(f"/desk/{w.point.pk}/volunteers/").content.decode()
    assert "7.0" in body and "recurring" in body
    assert body.count("<tr>") == 2  # header and one person


def test_cancelling_a_shift_tells_its_volunteers(w, roster):
    shift, signup = roster
    sign(shift, name="Aram", email="", ip="10.0.0.7")  # a phone only: not written to
    mail.outbox.clear()
    response = desk(w.coordinator).post(f"/desk/{w.point.pk}/shifts/{shift.pk}/cancel/")
    assert response.status_code == 302
    shift.refresh_from_db()
    assert shift.cancelled
    assert [m.to for m in mail.outbox] == [["anahit@example.org"]]
    assert shift.point.name in mail.outbox[0].body
    assert ContactAudit.objects.filter(action="contact", volunteer=signup.volunteer).exists()
    # The board no longer offers it, and the volunteer's page says so.
    assert shift.pk not in [s.pk for s in open_shifts()]


def test_stopping_a_repeating_shift_keeps_the_ones_with_volunteers(w):
    template = create_template(
        point=w.point, task="cooking", weekdays=list(range(7)), start_time=dt.time(10),
        end_time=dt.time(14), hands_needed=3,
        starts_on=timezone.localdate() + dt.timedelta(days=1), by=w.coordinator,
    )  # fmt: skip
    first = template.shifts.order_by("starts_at").first()
    sign(first)
    url = f"/desk/{w.point.pk}/shifts/repeat/{template.pk}/stop/"
    assert desk(w.volunteer).post(url).status_code == 403
    assert desk(w.coordinator).post(url).status_code == 302
    template.refresh_from_db()
    assert not template.active
    assert list(template.shifts.filter(cancelled=False)) == [first]
    assert desk(w.coordinator).post(url).status_code == 404


def test_the_desk_shows_the_shifts_tab_only_to_who_may_use_it(w):
    intake = f"/desk/{w.point.pk}/intake/"
    assert f'href="/desk/{w.point.pk}/shifts/"' in desk(w.coordinator).get(intake).content.decode()
    assert f'href="/desk/{w.point.pk}/public/"' in desk(w.coordinator).get(intake).content.decode()
    page = desk(w.volunteer).get(intake).content.decode()
    assert f'href="/desk/{w.point.pk}/shifts/"' not in page
    assert f'href="/desk/{w.point.pk}/public/"' not in page


def test_the_roster_marks_first_timers(w):
    earlier = make_shift(w, in_hours=2)
    before, _t = sign(earlier, name="Ani", email="ani@example.org", phone="091111111")
    SignUp.objects.filter(pk=before.pk).update(checked_in_at=timezone.now())
    shift = make_shift(w, in_hours=30)
    # The same person through a new link, and someone new.
    sign(shift, name="Ani", email="ANI@example.org", phone="091111111", ip="10.0.0.2")
    sign(shift, name="Aram", email="aram@example.org", phone="092222222", ip="10.0.0.3")
    body = desk(w.coordinator).get(f"/desk/{w.point.pk}/shifts/{shift.pk}/").content.decode()
    assert "<td>Ani</td>" in body
    assert '<td>Aram <span class="badge">first time</span></td>' in body
