"""`kamavor backup [PATH]`: an online, encrypted backup of the database, verified by restoring it
into a scratch database and checking the ledger."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kamavor.backup.envelope import BackupError
from kamavor.backup.services import make_backup


class Command(BaseCommand):
    help = (
        "Write an encrypted backup of the database (default: the data folder's backups/) while "
        "the server runs, then verify it by restoring it into a scratch database."
    )
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", nargs="?", help="a file to write, or a folder for a dated name")

    def handle(self, *args, path: str | None, **options) -> None:
        try:
            result = make_backup(Path(path).expanduser() if path else None)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Backup written to {result.path} ({result.size:,} bytes, {result.kind}); "
            f"verified by a restore: {result.audit.describe()}."
        )
