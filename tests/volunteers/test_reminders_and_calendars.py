"""Reminders the day before (never twice) and the iCalendar feeds."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from kamavor.volunteers.models import SignUp
from kamavor.volunteers.services import cancel_sign_up, create_template
from tests.volunteers.helpers import make_shift, sign


def _tomorrow_at(hour: int) -> int:
    """Hours from now to tomorrow at `hour`, local time."""
    now = timezone.localtime()
    target = (now + dt.timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return round((target - now).total_seconds() / 3600)


def test_reminders_go_the_day_before_and_never_twice(w):
    tomorrow = make_shift(w, in_hours=_tomorrow_at(12))
    later = make_shift(w, in_hours=_tomorrow_at(12) + 48)
    sign(tomorrow, email="ani@example.org")
    sign(tomorrow, name="Aram", email="", ip="10.0.0.2")  # no e-mail: nothing to send
    sign(later, name="Lilit", email="lilit@example.org", ip="10.0.0.3")
    gone, _t = sign(tomorrow, name="Gone", email="gone@example.org", ip="10.0.0.4")
    SignUp.objects.filter(pk=gone.pk).update(cancelled_at=timezone.now())
    mail.outbox.clear()
    out = StringIO()
    call_command("send_shift_reminders", stdout=out)
    assert "reminders sent: 1" in out.getvalue()
    assert [m.to for m in mail.outbox] == [["ani@example.org"]]
    assert tomorrow.point.name in mail.outbox[0].body
    call_command("send_shift_reminders", stdout=out)
    assert len(mail.outbox) == 1


def test_the_reminder_is_in_the_volunteers_language(client, w):
    shift = make_shift(w, in_hours=_tomorrow_at(12))
    client.post(
        f"/ru/shifts/{shift.pk}/",
        {"name": "Ani", "email": "ani@example.org", "languages": ["ru"]},
        REMOTE_ADDR="10.0.0.5",
    )
    mail.outbox.clear()
    call_command("send_shift_reminders", stdout=StringIO())
    assert "Напоминание" in mail.outbox[0].subject


def test_the_point_calendar_lists_its_shifts(client, w):
    shift = make_shift(w)
    response = client.get(f"/en/{w.point.slug}/shifts.ics")
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert f"UID:shift-{shift.pk}@" in body
    start = shift.starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}" in body
    assert "SUMMARY:Sorting: Coworking hub" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_the_volunteer_calendar_is_behind_the_private_link(client, w):
    shift, other = make_shift(w), make_shift(w, in_hours=48)
    signup, token = sign(shift)
    response = client.get(f"/en/v/{token}/shifts.ics")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert f"UID:shift-{shift.pk}@" in body and f"UID:shift-{other.pk}@" not in body
    cancel_sign_up(volunteer=signup.volunteer, signup_id=signup.pk)
    assert f"UID:shift-{shift.pk}@" not in client.get(f"/en/v/{token}/shifts.ics").content.decode()
    assert client.get("/en/v/not-a-token/shifts.ics").status_code == 404


def test_a_repeating_shift_plans_the_coming_days(w):
    template = create_template(
        point=w.point, task="cooking", weekdays=[0, 2, 4],
        start_time=dt.time(10), end_time=dt.time(14), hands_needed=3,
        starts_on=timezone.localdate(), by=w.coordinator,
    )  # fmt: skip
    days = {timezone.localtime(s.starts_at).date() for s in template.shifts.all()}
    assert days and all(d.weekday() in (0, 2, 4) for d in days)
    assert all(timezone.localtime(s.starts_at).hour == 10 for s in template.shifts.all())
    count = template.shifts.count()
    call_command("send_shift_reminders", stdout=StringIO())
    assert template.shifts.count() == count


def test_the_calendars_speak_the_feeds_language(client, w):
    w.point.name_hy, w.point.name_ru = "Քովորքինգ կենտրոն", "Коворкинг-центр"
    w.point.address_hy = "Թումանյան փ. 8"
    w.point.save()
    shift = make_shift(w)
    shift.notes, shift.notes_hy = "Bring gloves", "Բերեք ձեռնոցներ"
    shift.save()
    _signup, token = sign(shift)

    def feed(path: str) -> str:
        return client.get(path).content.decode().replace("\r\n ", "")

    armenian = feed(f"/hy/{w.point.slug}/shifts.ics")
    assert "Քովորքինգ կենտրոն" in armenian and "Coworking hub" not in armenian
    assert "LOCATION:Քովորքինգ կենտրոն\\, Թումանյան փ. 8" in armenian
    assert "DESCRIPTION:Բերեք ձեռնոցներ" in armenian
    mine = feed(f"/ru/v/{token}/shifts.ics")
    assert "Коворкинг-центр" in mine and "Coworking hub" not in mine
    assert "DESCRIPTION:Bring gloves" in mine  # no Russian notes: the default text
