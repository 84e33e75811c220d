"""Undoing a merge, and merging a pair from the review queue: the services that
kamavor.matching's queue needs, apart from the household services they build on."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.core.errors import Conflict, InvalidInput
from kamavor.households.models import Household, MergeRecord, PersonalData
from kamavor.households.services import (
    PERSONAL_FIELDS,
    Personal,
    _audit,
    _compositions_changed,
    _move_personal,
    _require,
    has_personal_data,
    merge_households,
)
from kamavor.matching import services as matching
from kamavor.network.access import Action
from kamavor.privacy.audit import AuditEntry
from kamavor.privacy.sealing import vault


def unmerge_household(*, household: Household, by) -> Household:
    """Undo the last merge of a household: it is active again with its own personal data (moved
    back if the merge moved it), and the households merged into it before point at it again.
    Both keep their history, and the undoing is audited on both."""
    _require(by, household.organisation_id, Action.MERGE_HOUSEHOLDS)
    with transaction.atomic():
        merged = Household.objects.select_for_update().get(pk=household.pk)
        record = (
            MergeRecord.objects.filter(merged=merged, undone_at__isnull=True)
            .order_by("-at")
            .first()
        )
        if merged.status != Household.Status.MERGED or record is None:
            raise Conflict(_("This household is not merged."), code="household_not_merged")
        kept = Household.objects.select_for_update().get(pk=record.kept_id)
        if kept.status != Household.Status.ACTIVE:
            raise Conflict(
                _("Undo the later merge of %(code)s first.") % {"code": kept.display_code},
                code="household_not_active",
            )
        fields: list[str] = []
        if record.moved_personal and has_personal_data(kept):
            fields = _move_personal(kept, merged)
        Household.objects.filter(pk__in=record.repointed, merged_into=kept).update(
            merged_into=merged
        )
        merged.status = Household.Status.ACTIVE
        merged.merged_into = None
        merged.save(update_fields=["status", "merged_into"])
        _compositions_changed([(merged.organisation_id, None, merged.composition)])
        if not fields:
            _refile(merged)
        pair = matching.pair_between(kept.pk, merged.pk)
        if pair is not None:  # merged by mistake: they are not the same
            matching.decide_pair(pair=pair, status=matching.Pair.Status.DISMISSED, by=by)
        record.undone_at, record.undone_by = timezone.now(), by
        record.save(update_fields=["undone_at", "undone_by"])
        _audit(
            by=by, household=kept, action=AuditEntry.Action.MERGE, fields=fields,
            note=f"{merged.code} unmerged from this",
        )  # fmt: skip
        _audit(
            by=by, household=merged, action=AuditEntry.Action.MERGE, fields=fields,
            note=f"unmerged from {kept.code}",
        )  # fmt: skip
    return merged


def merge_pair(*, pair, keep_id: int, by) -> Household:
    """Merge the two households of a review-queue pair into the one chosen to stay, and mark
    the pair merged, in one transaction."""
    if keep_id not in (pair.first_id, pair.second_id):
        raise InvalidInput(_("Choose one of the two households."), field="decision")
    keep, other = (
        (pair.first, pair.second) if keep_id == pair.first_id else (pair.second, pair.first)
    )
    with transaction.atomic():
        kept = merge_households(keep=keep, merge=other, by=by)
        matching.decide_pair(pair=pair, status=matching.Pair.Status.MERGED, by=by)
    return kept


def _refile(household: Household) -> None:
    """File a household's digests again from its sealed personal data (nothing is shown)."""
    record = PersonalData.objects.filter(household=household).first()
    if record is None:
        return
    v = vault()
    plain = Personal(**{n: v.open(getattr(record, f"{n}_sealed")) for n in PERSONAL_FIELDS})
    matching.file_household(
        household_id=household.pk,
        organisation_id=household.organisation_id,
        identity=plain.identity,
        v=v,
    )
