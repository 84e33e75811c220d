"""`kamavor token USERNAME [--name N] [--days D]`: print a new API token for that user."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kamavor.network.services import TOKEN_DAYS, TOKEN_MAX_DAYS, create_token


class Command(BaseCommand):
    help = (
        "Print a new API token for USERNAME (use it as 'Authorization: Bearer <token>'). "
        f"It expires after --days days ({TOKEN_DAYS} unless told)."
    )
    # The system checks cost seconds of CPU and guard nothing this command relies on.
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", "--label", default="", help="what the token is for")
        parser.add_argument(
            "--days",
            type=int,
            default=TOKEN_DAYS,
            help=f"days until it expires (1-{TOKEN_MAX_DAYS})",
        )

    def handle(self, *args, username: str, name: str, days: int, **options) -> None:
        if not 1 <= days <= TOKEN_MAX_DAYS:
            raise CommandError(f"--days must be between 1 and {TOKEN_MAX_DAYS}.")
        try:
            user = get_user_model().objects.get(username=username, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No active user named {username!r}.") from None
        self.stdout.write(create_token(user=user, name=name or "cli", days=days))
