"""`kamavor restore PATH`: replace the database with a backup's content (stop the server first)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kamavor.backup.envelope import BackupError
from kamavor.backup.services import restore_backup


class Command(BaseCommand):
    help = (
        "Restore an encrypted backup into the database. Refuses a database in use (users or "
        "organisations) unless --force. Stop `kamavor serve` first."
    )
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="the backup file")
        parser.add_argument(
            "--force", action="store_true", help="replace a database that is in use"
        )

    def handle(self, *args, path: str, force: bool, **options) -> None:
        try:
            audit = restore_backup(Path(path).expanduser(), force=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Restored from {path}: {audit.describe()}.")
