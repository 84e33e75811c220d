"""E-mails to volunteers: their private link, and the reminder the day before a shift."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kamavor.privacy.sealing import vault
from kamavor.volunteers.models import SignUp


def send_link(*, email: str, url: str, lang: str) -> None:
    """The private link, so that a volunteer who loses the page can still find it."""
    if not email:
        return
    with translation.override(lang):
        body = render_to_string("volunteers/mail_link.txt", {"url": url})
        # The sign-up is made already: a mail server that is down must not hide the link.
        EmailMessage(_("Your volunteer sign-ups"), body, to=[email]).send(fail_silently=True)


def _tomorrow(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    day = timezone.localtime(now).date() + dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time.min, zone)
    return start, start + dt.timedelta(days=1)


def send_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind by e-mail everyone signed up for a shift that starts tomorrow (local time).

    Each sign-up is claimed (reminded_at set where it was empty) before its e-mail goes, so a
    second run, or two runs at once, never send the same reminder twice. Returns how many went.
    """
    now = now or timezone.now()
    start, end = _tomorrow(now)
    due = (
        SignUp.objects.active()
        .filter(
            reminded_at__isnull=True,
            shift__cancelled=False,
            shift__starts_at__gte=start,
            shift__starts_at__lt=end,
        )
        .exclude(Q(volunteer__email_sealed=""))
        .select_related("shift", "shift__point", "volunteer")
    )
    v = vault()
    sent = 0
    with get_connection() as connection:
        for signup in due:
            claimed = SignUp.objects.filter(pk=signup.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if not claimed:
                continue  # another run took it
            volunteer = signup.volunteer
            lang = volunteer.language
            with translation.override(lang):
                body = render_to_string(
                    "volunteers/mail_reminder.txt",
                    {
                        "shift": signup.shift,
                        "starts": timezone.localtime(signup.shift.starts_at),
                        "ends": timezone.localtime(signup.shift.ends_at),
                        "public_url": settings.KAMAVOR_PUBLIC_URL,
                        "lang": lang,
                    },
                )
                subject = _("Reminder: your shift tomorrow")
            EmailMessage(
                subject, body, to=[v.open(volunteer.email_sealed)], connection=connection
            ).send()
            sent += 1
    return sent


def send_cancellation(*, shift, volunteers) -> list:
    """Tell the volunteers of a cancelled shift who gave an e-mail; returns those told."""
    v = vault()
    told = []
    with get_connection() as connection:
        for volunteer in volunteers:
            email = v.open(volunteer.email_sealed)
            if not email:
                continue
            with translation.override(volunteer.language):
                body = render_to_string(
                    "volunteers/mail_cancelled.txt",
                    {
                        "shift": shift,
                        "starts": timezone.localtime(shift.starts_at),
                        "ends": timezone.localtime(shift.ends_at),
                        "public_url": settings.KAMAVOR_PUBLIC_URL,
                        "lang": volunteer.language,
                    },
                )
                subject = _("Your shift is cancelled")
            EmailMessage(subject, body, to=[email], connection=connection).send(fail_silently=True)
            told.append(volunteer)
    return told
