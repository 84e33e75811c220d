"""kamavor recheck_households: compare the registry on its digests, fill the review queue."""

from __future__ import annotations

import os
import time

from django.core.management.base import BaseCommand

from kamavor.matching.services import recheck


class Command(BaseCommand):
    help = "Re-check every filed household for probable duplicates (after imports or field forms)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--organisation", type=int, action="append", help="only this one")
        parser.add_argument(
            "--workers", type=int, default=min(os.cpu_count() or 1, 4), help="scoring processes"
        )

    def handle(self, *args, organisation=None, workers=1, **options) -> None:
        started = time.perf_counter()
        found, new = recheck(
            organisation_ids=organisation, progress=self.stdout.write, workers=max(workers, 1)
        )
        self.stdout.write(
            f"{found} pair(s) above the review threshold, {new} new, "
            f"in {time.perf_counter() - started:.1f} s."
        )
