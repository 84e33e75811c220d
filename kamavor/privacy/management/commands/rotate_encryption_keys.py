"""`kamavor rotate_encryption_keys`: re-seal personal data with the first encryption key."""

from django.core.management.base import BaseCommand

from kamavor.privacy.registry import rotate_keys


class Command(BaseCommand):
    help = (
        "Re-seal every household's personal data and every volunteer's contact data with the "
        "first key of KAMAVOR_ENCRYPTION_KEY and recompute the lookup digests. Put the new key "
        "first (new,old), run this, then remove the old key."
    )

    def handle(self, *args, **options) -> None:
        for keeper, count in rotate_keys():
            self.stdout.write(keeper.rotated.format(count=count))
