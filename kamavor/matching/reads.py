"""The review queue as the page shows it: open pairs, best first, with the evidence in words."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.db import models
from django.db.models import QuerySet

from kamavor.matching.models import Pair
from kamavor.matching.services import EVIDENCE


def open_pairs(*, organisation_ids: Collection[int]) -> QuerySet[Pair]:
    """Open pairs of these organisations whose two households are both still active."""
    return (
        Pair.objects.filter(
            organisation_id__in=list(organisation_ids),
            status=Pair.Status.OPEN,
            first__status="active",
            second__status="active",
        )
        .select_related("first__registered_point", "second__registered_point")
        .order_by("-score", "pk")
    )


@dataclass(frozen=True)
class QueueRow:
    pair: Pair
    evidence: list[str]


def rows(pairs) -> list[QueueRow]:
    return [
        QueueRow(pair, [str(EVIDENCE[c]) for c in pair.evidence if c in EVIDENCE]) for pair in pairs
    ]


@dataclass(frozen=True)
class OtherRow:
    other: object  # the other household of the pair
    evidence: list[str]


def probable_for(household_id: int, *, limit: int = 5) -> list[OtherRow]:
    """The open pairs of one household, best first, each as the other household and the
    evidence in words (for the household's page, shown to those who decide the queue)."""
    pairs = (
        Pair.objects.filter(status=Pair.Status.OPEN)
        .filter(models.Q(first_id=household_id) | models.Q(second_id=household_id))
        .filter(first__status="active", second__status="active")
        .select_related("first", "second")
        .order_by("-score", "pk")[:limit]
    )
    return [
        OtherRow(
            pair.second if pair.first_id == household_id else pair.first,
            [str(EVIDENCE[c]) for c in pair.evidence if c in EVIDENCE],
        )
        for pair in pairs
    ]
