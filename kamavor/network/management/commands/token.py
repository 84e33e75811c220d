"""`kamavor token USERNAME`: print a new API token for that user."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kamavor.network.services import create_token


class Command(BaseCommand):
    help = "Print a new API token for USERNAME (use it as 'Authorization: Bearer <token>')."
    # The system checks cost seconds of CPU and guard nothing this command relies on.
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--label", default="", help="what the token is for")

    def handle(self, *args, username: str, label: str, **options) -> None:
        try:
            user = get_user_model().objects.get(username=username, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No active user named {username!r}.") from None
        self.stdout.write(create_token(user=user, label=label or "cli"))
