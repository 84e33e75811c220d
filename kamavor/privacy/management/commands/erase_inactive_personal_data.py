"""`kamavor erase_inactive_personal_data [--days N]`: the retention limit for personal fields."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kamavor.core.errors import KamavorError
from kamavor.privacy.registry import erase_inactive


class Command(BaseCommand):
    help = (
        "Erase the names, phones and document numbers of households inactive for N days "
        "(default: KAMAVOR_PERSONAL_DATA_RETENTION_DAYS), and the contact data of volunteers with "
        "no shift in that time. The households, sign-ups and their history stay."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days", type=int, default=None, help="inactive for at least this many days"
        )

    def handle(self, *args, days: int | None, **options) -> None:
        days = settings.KAMAVOR_PERSONAL_DATA_RETENTION_DAYS if days is None else days
        try:
            results = erase_inactive(days=days)
        except KamavorError as error:
            raise CommandError(error.message) from None
        for keeper, count in results:
            self.stdout.write(keeper.erased.format(count=count, days=days))
