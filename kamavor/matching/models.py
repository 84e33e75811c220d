"""The matching index: keyed digests of what identifies a household's collector, and the pairs
of households that are probably one, waiting for a coordinator.

Nothing here is a personal value: every key is an HMAC digest made with the network's lookup
key (kamavor.privacy.sealing), of the normal forms of kamavor.lib.person_keys. A blocking key
keeps its kind in clear ("names-year|…"), which names no one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    """The digested keys of one household's collector, compared with a candidate's."""

    household = models.OneToOneField(
        "households.Household", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    keys = models.JSONField(default=dict)  # kind -> list of digests
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"profile of {self.household_id}"


class IndexKey(models.Model):
    """One blocking key of one household: candidates are the households sharing a key, found
    by this table's index, never by reading every household."""

    household = models.ForeignKey(
        "households.Household", on_delete=models.CASCADE, related_name="+"
    )
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=60)

    class Meta:
        indexes = [models.Index(fields=["organisation", "key"], name="matching_key_lookup")]

    def __str__(self) -> str:
        return self.key


class Pair(models.Model):
    """Two households that are probably one person's, with the score and the evidence (codes
    the page says in words), until a coordinator merges or dismisses them."""

    class Status(models.TextChoices):
        OPEN = "open", _("waiting")
        MERGED = "merged", _("merged")
        DISMISSED = "dismissed", _("not the same")

    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    first = models.ForeignKey("households.Household", on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey("households.Household", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    evidence = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    found_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="matching_pair_unique"),
            models.CheckConstraint(condition=models.Q(first__lt=models.F("second")),
                                   name="matching_pair_ordered"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["organisation", "status", "-score"], name="matching_queue")]

    def __str__(self) -> str:
        return f"{self.first_id}~{self.second_id}"
