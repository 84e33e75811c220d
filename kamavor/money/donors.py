"""Donors' names: sealed at rest, opened only for a receipt (each look audited), re-sealed when
the keys rotate and erased after the retention period (kamavor.privacy runs the last two)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kamavor.core.transactions import in_transaction
from kamavor.money.access import require_money
from kamavor.money.models import DonorLook, Record
from kamavor.privacy.sealing import vault

BATCH = 500


def open_donor(*, record: Record, by) -> str:
    """The donor's name of a money donation ('' when anonymous); the look is recorded."""
    require_money(by, record.organisation_id)
    if not record.donor_sealed:
        return ""

    def unit() -> str:
        DonorLook.objects.create(user=by, record=record)
        return vault().open(record.donor_sealed)

    return in_transaction(unit)


def erase_old_donors(*, days: int, now: dt.datetime | None = None) -> int:
    """Forget the names of donors who gave more than `days` days ago; how many were erased."""
    before = (now or timezone.now()) - dt.timedelta(days=days)
    return in_transaction(
        lambda: (
            Record.objects.filter(created_at__lt=before)
            .exclude(donor_sealed="")
            .update(donor_sealed="")
        )
    )


def rotate_donor_keys() -> int:
    """Re-seal every donor's name with the current key; how many were re-sealed."""
    v, count, last = vault(), 0, 0
    while True:
        batch = list(
            Record.objects.filter(pk__gt=last)
            .exclude(donor_sealed="")
            .order_by("pk")
            .values_list("pk", "donor_sealed")[:BATCH]
        )
        if not batch:
            return count
        for pk, sealed in batch:
            Record.objects.filter(pk=pk).update(donor_sealed=v.reseal(sealed))
        count += len(batch)
        last = batch[-1][0]
