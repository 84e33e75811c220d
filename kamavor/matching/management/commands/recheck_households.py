"""kamavor recheck_households: compare the registry on its digests, fill the review queue."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from kamavor.matching.services import recheck


class Command(BaseCommand):
    help = "Re-check every filed household for probable duplicates (after imports or field forms)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--organisation", type=int, action="append", help="only this one")

    def handle(self, *args, organisation=None, **options) -> None:
        started = time.perf_counter()
        found, new = recheck(organisation_ids=organisation, progress=self.stdout.write)
        self.stdout.write(
            f"{found} pair(s) above the review threshold, {new} new, "
            f"in {time.perf_counter() - started:.1f} s."
        )
