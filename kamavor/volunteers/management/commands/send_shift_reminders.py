"""Plan the repeating shifts, then e-mail a reminder to everyone signed up for a shift that
starts tomorrow. Run it daily (or hourly): a reminder is never sent twice."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kamavor.volunteers.mail import send_reminders
from kamavor.volunteers.services import plan_all_shifts


class Command(BaseCommand):
    help = "E-mail reminders for tomorrow's shifts (never twice) and plan repeating shifts."

    def handle(self, *args, **options) -> None:
        planned = plan_all_shifts()
        sent = send_reminders()
        self.stdout.write(f"shifts planned: {planned}; reminders sent: {sent}")
