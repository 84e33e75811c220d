"""`kamavor rotate_encryption_keys`: re-seal personal data with the first encryption key."""

from django.core.management.base import BaseCommand

from kamavor.households.services import rotate_encryption_keys
from kamavor.volunteers.services import rotate_contact_keys


class Command(BaseCommand):
    help = (
        "Re-seal every household's personal data with the first key of KAMAVOR_ENCRYPTION_KEY "
        "and recompute the lookup digests. Put the new key first (new,old), run this, then "
        "remove the old key."
    )

    def handle(self, *args, **options) -> None:
        count = rotate_encryption_keys()
        self.stdout.write(f"Re-sealed the personal data of {count} household(s).")
        volunteers = rotate_contact_keys()
        self.stdout.write(f"Re-sealed the contact data of {volunteers} volunteer(s).")
