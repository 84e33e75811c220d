"""Field data coming in: submissions from phones (OpenRosa) and spreadsheet imports.

A submission row is both the idempotency claim (one per organisation and instanceID) and the
record of who sent what, when, and what became of it. What a submission held is kept only
while a coordinator must decide on it, and then only sealed; the raw XML is never kept.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kamavor.network.models import Organisation

FORM_IDS = ("household", "request", "intake", "headcount")


class SubmissionQuerySet(models.QuerySet):
    def of_organisations(self, organisation_ids) -> SubmissionQuerySet:
        return self.filter(organisation_id__in=organisation_ids)

    def waiting(self) -> SubmissionQuerySet:
        return self.filter(status=Submission.Status.REVIEW)


class Submission(models.Model):
    """One filled form received from a phone or a web form, known by its instanceID."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        REVIEW = "review", _("waits for review")
        REJECTED = "rejected", _("rejected")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    form_id = models.CharField(_("form"), max_length=40)
    form_version = models.CharField(max_length=40, blank=True)
    instance_id = models.CharField(max_length=200)
    # A keyed digest of the XML and its attachments: the same instance sent again is answered
    # as the first time, a different one under the same instanceID is a conflict.
    digest = models.CharField(max_length=64)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    # Why it waits, per language ({"hy": …, "ru": …, "en": …}), and the error's stable code.
    reason_code = models.CharField(max_length=60, blank=True)
    reasons = models.JSONField(default=dict, blank=True)
    # The submitted values (a JSON object), sealed, while it waits; emptied once decided.
    data_sealed = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)  # names, sizes and digests only
    result = models.CharField(_("result"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_key = models.CharField(max_length=200, blank=True)  # the decider's idempotency key

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "instance_id"], name="submission_instance_unique"
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "submitted_at"], name="submission_queue")
        ]

    def __str__(self) -> str:
        return f"{self.form_id} {self.instance_id}"

    def reason(self, language: str | None = None) -> str:
        """Why it waits, in the given language (the page's by default)."""
        from django.utils.translation import get_language

        language = (language or get_language() or "en")[:2]
        return self.reasons.get(language) or self.reasons.get("en") or ""


class Import(models.Model):
    """One spreadsheet posted into Kamavor: who, when, what kind, and what it changed."""

    class Kind(models.TextChoices):
        ITEMS = "items", _("catalogue items")
        POINTS = "points", _("points")
        STANDARDS = "standards", _("standards")
        HOUSEHOLDS = "households", _("households")

    class Status(models.TextChoices):
        CHECKED = "checked", _("checked (dry run)")
        POSTED = "posted", _("imported")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    filename = models.CharField(_("file"), max_length=200, blank=True)
    # A keyed digest of the file's bytes (it may hold personal data): the same file twice.
    digest = models.CharField(max_length=64, db_index=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    # The file, sealed, between its dry run and its post (then emptied): it may name people.
    content_sealed = models.TextField(blank=True)
    # Each row's outcome (row, outcome, label, error), as last checked or posted: no values.
    report = models.JSONField(default=list, blank=True)
    idempotency_key = models.CharField(max_length=200, blank=True)
    post_key = models.CharField(max_length=200, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-imported_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["imported_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="import_key_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"


class ImportedHousehold(models.Model):
    """A household registered from a spreadsheet row, known by a keyed digest of that row, so
    that the same row imported again registers nobody twice."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64)
    household = models.ForeignKey(
        "households.Household", on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "digest"], name="imported_household_unique"
            )
        ]

    def __str__(self) -> str:
        return self.digest[:8]
