"""Households: displaced families, known by a code, with the least personal data that works.

Composition and vulnerability decide what a household is due; names, phones and document
numbers are optional, held only in PersonalData, sealed with the network's encryption key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kamavor.network.models import Organisation, Point

# Age bands of Sphere and the humanitarian data standards; (field suffix, label, from, to).
AGE_BANDS = [
    ("0_2", _("0–2 years"), 0, 2),
    ("3_5", _("3–5 years"), 3, 5),
    ("6_11", _("6–11 years"), 6, 11),
    ("12_17", _("12–17 years"), 12, 17),
    ("18_59", _("18–59 years"), 18, 59),
    ("60", _("60 years and over"), 60, 150),
]
SEXES = [("female", _("female")), ("male", _("male"))]
COMPOSITION_FIELDS = [f"{sex}_{band}" for sex, _label in SEXES for band, *_rest in AGE_BANDS]

VULNERABILITIES = [
    ("pregnant_or_breastfeeding", _("pregnant or breastfeeding")),
    ("disability", _("disability")),
    ("chronic_illness", _("chronic illness")),
    ("single_caregiver", _("single caregiver")),
    ("unaccompanied_minor", _("unaccompanied minor")),
    ("older_person_alone", _("older person alone")),
]


class HouseholdQuerySet(models.QuerySet):
    def active(self) -> HouseholdQuerySet:
        return self.filter(status=Household.Status.ACTIVE)

    def of_organisations(self, organisation_ids) -> HouseholdQuerySet:
        return self.filter(organisation_id__in=organisation_ids)


def _composition_field(name: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(default=0)


class Household(models.Model):
    """A displaced family, served by its code. Holds nothing that names anyone."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        MERGED = "merged", _("merged into another")
        CLOSED = "closed", _("closed")

    code = models.CharField(_("household code"), max_length=8, unique=True)
    # No index of its own: household_org_status begins with it.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="households", db_index=False
    )
    registered_at = models.DateTimeField(default=timezone.now)
    registered_point = models.ForeignKey(
        Point, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    shelter = models.ForeignKey(
        Point,
        on_delete=models.PROTECT,
        related_name="residents",
        null=True,
        blank=True,
        limit_choices_to={"kind": Point.Kind.SHELTER},
        verbose_name=_("shelter"),
    )
    area = models.CharField(_("where it stays"), max_length=200, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    notes = models.TextField(_("notes (no names or numbers)"), blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)

    female_0_2 = _composition_field("female_0_2")
    female_3_5 = _composition_field("female_3_5")
    female_6_11 = _composition_field("female_6_11")
    female_12_17 = _composition_field("female_12_17")
    female_18_59 = _composition_field("female_18_59")
    female_60 = _composition_field("female_60")
    male_0_2 = _composition_field("male_0_2")
    male_3_5 = _composition_field("male_3_5")
    male_6_11 = _composition_field("male_6_11")
    male_12_17 = _composition_field("male_12_17")
    male_18_59 = _composition_field("male_18_59")
    male_60 = _composition_field("male_60")

    pregnant_or_breastfeeding = models.BooleanField(_("pregnant or breastfeeding"), default=False)
    disability = models.BooleanField(_("disability"), default=False)
    chronic_illness = models.BooleanField(_("chronic illness"), default=False)
    single_caregiver = models.BooleanField(_("single caregiver"), default=False)
    unaccompanied_minor = models.BooleanField(_("unaccompanied minor"), default=False)
    older_person_alone = models.BooleanField(_("older person alone"), default=False)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [models.Index(fields=["organisation", "status"], name="household_org_status")]

    def __str__(self) -> str:
        return self.display_code

    @property
    def display_code(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}"

    @property
    def composition(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COMPOSITION_FIELDS}

    @property
    def size(self) -> int:
        return sum(self.composition.values())

    @property
    def flags(self) -> list[str]:
        return [name for name, _label in VULNERABILITIES if getattr(self, name)]


class PersonalData(models.Model):
    """The optional personal data of a household, sealed at rest, with its legal basis.

    Only coordinators of the household's organisation may see it; every view, export and
    erasure is written to the audit log. Lookups use keyed digests, never plain values.
    """

    class Basis(models.TextChoices):
        CONSENT = "consent", _("consent")
        VITAL_INTEREST = "vital_interest", _("vital interest")
        PUBLIC_INTEREST = "public_interest", _("humanitarian task in the public interest")

    household = models.OneToOneField(
        Household, on_delete=models.CASCADE, primary_key=True, related_name="personal"
    )
    collector_name_sealed = models.TextField(blank=True)
    given_name_sealed = models.TextField(blank=True)
    family_name_sealed = models.TextField(blank=True)
    birth_date_sealed = models.TextField(blank=True)  # "1980-05-03", "1980" (year only) or ""
    sex_sealed = models.TextField(blank=True)
    member_names_sealed = models.TextField(blank=True)  # other members' first names, by commas
    phone_sealed = models.TextField(blank=True)
    document_sealed = models.TextField(blank=True)
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True)
    document_digest = models.CharField(max_length=64, blank=True, db_index=True)
    basis = models.CharField(_("legal basis"), max_length=20, choices=Basis.choices)
    notice_language = models.CharField(
        _("privacy notice given in"), max_length=5, choices=settings.LANGUAGES
    )
    notice_given_at = models.DateTimeField(default=timezone.now)
    consent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("personal data")
        verbose_name_plural = _("personal data")
        constraints = [
            models.CheckConstraint(
                condition=~Q(basis="consent") | Q(consent_at__isnull=False),
                name="personal_consent_recorded",
            )
        ]

    def __str__(self) -> str:
        return f"personal data of {self.household_id}"


class NameToken(models.Model):
    """A keyed digest of one word of a collector's name, folded across scripts, so that
    probable duplicates can be found without keeping the name in clear."""

    # No index of its own: name_token_unique begins with it.
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="name_tokens", db_index=False
    )
    digest = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["household", "digest"], name="name_token_unique")
        ]

    def __str__(self) -> str:
        return self.digest[:8]


class RegistrationKey(models.Model):
    """A client's idempotency key for a registration, so a retried form or sync registers once.

    The fingerprint is a keyed digest (never a plain hash) because the request may carry a
    name or a phone number.
    """

    # No index of its own: household_key_unique begins with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="household_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key


class MergeRecord(models.Model):
    """One merge, with what it changed, so that a wrong merge can be undone exactly: the
    households merged earlier into the duplicate that were pointed at the survivor, and whether
    the duplicate's personal data moved to it."""

    kept = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="merge_records")
    moved_personal = models.BooleanField(default=False)
    repointed = models.JSONField(default=list)  # ids of households merged into `merged` before
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.merged_id} into {self.kept_id}"
