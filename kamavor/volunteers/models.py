"""Volunteers and shifts: time slots at a point that need hands, and the people who sign up.

A volunteer has no account: a name or nickname, a phone or an e-mail (sealed like households'
personal data) and the languages they speak. Their private link is a random token; only its
keyed digest is stored, so a database dump does not open anyone's sign-ups.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kamavor.core.localised import Localised
from kamavor.network.models import Point


class Task(models.TextChoices):
    INTAKE = "intake", _("intake")
    SORTING = "sorting", _("sorting")
    DISTRIBUTION = "distribution", _("distribution")
    DRIVING = "driving", _("driving")
    TRANSLATION = "translation", _("translation")
    COOKING = "cooking", _("cooking")
    OTHER = "other", _("other")


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class ShiftTemplate(Localised, models.Model):
    """A repeating shift: on these weekdays, from this time to that, from a date (to a date)."""

    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="shift_templates")
    task = models.CharField(_("task"), max_length=20, choices=Task.choices)
    weekdays = models.JSONField(_("weekdays"), default=list)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("to"))
    hands_needed = models.PositiveSmallIntegerField(_("hands needed"))
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    # Notes per language (shift.tr.notes); `notes` is the default text.
    notes_hy = models.CharField(_("notes (Armenian)"), max_length=300, blank=True, default="")
    notes_ru = models.CharField(_("notes (Russian)"), max_length=300, blank=True, default="")
    notes_en = models.CharField(_("notes (English)"), max_length=300, blank=True, default="")
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("repeating shift")
        verbose_name_plural = _("repeating shifts")
        constraints = [
            models.CheckConstraint(condition=Q(hands_needed__gt=0), name="shift_template_hands"),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="shift_template_times"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point} {self.task} {self.start_time:%H:%M}-{self.end_time:%H:%M}"

    @property
    def weekday_names(self) -> list[str]:
        return [str(label) for day, label in WEEKDAYS if day in self.weekdays]


class ShiftQuerySet(models.QuerySet):
    def upcoming(self, now: dt.datetime | None = None) -> ShiftQuerySet:
        """Shifts not yet over and not cancelled, soonest first."""
        now = now or timezone.now()
        return self.filter(ends_at__gt=now, cancelled=False).order_by("starts_at", "pk")

    def public(self) -> ShiftQuerySet:
        return self.filter(point__active=True).exclude(point__kind=Point.Kind.SHELTER)

    def with_taken(self) -> ShiftQuerySet:
        """Each shift with `taken`: how many places are held by sign-ups not cancelled."""
        return self.select_related("point").annotate(
            taken=Count("signups", filter=Q(signups__cancelled_at__isnull=True))
        )


class Shift(Localised, models.Model):
    """A time slot at a point for a task, with the number of hands needed."""

    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="shifts")
    task = models.CharField(_("task"), max_length=20, choices=Task.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    hands_needed = models.PositiveSmallIntegerField(_("hands needed"))
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    # Notes per language (shift.tr.notes); `notes` is the default text.
    notes_hy = models.CharField(_("notes (Armenian)"), max_length=300, blank=True, default="")
    notes_ru = models.CharField(_("notes (Russian)"), max_length=300, blank=True, default="")
    notes_en = models.CharField(_("notes (English)"), max_length=300, blank=True, default="")
    template = models.ForeignKey(
        ShiftTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="shifts"
    )
    cancelled = models.BooleanField(_("cancelled"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ShiftQuerySet.as_manager()

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        constraints = [
            models.CheckConstraint(condition=Q(hands_needed__gt=0), name="shift_hands"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="shift_times"
            ),
            models.UniqueConstraint(
                fields=["template", "starts_at"],
                condition=Q(template__isnull=False),
                name="shift_template_once",
            ),
        ]
        indexes = [
            models.Index(fields=["point", "starts_at"], name="shift_point_starts"),
            models.Index(fields=["starts_at"], name="shift_starts"),
        ]

    def __str__(self) -> str:
        return f"{self.point} {self.task} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class Volunteer(models.Model):
    """Someone who signed up, without an account. Contact fields are sealed at rest; the
    digests let a coordinator recognise a recurring volunteer without holding the values."""

    name_sealed = models.TextField()
    phone_sealed = models.TextField(blank=True)
    email_sealed = models.TextField(blank=True)
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True)
    email_digest = models.CharField(max_length=64, blank=True, db_index=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="hy"
    )
    link_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")

    def __str__(self) -> str:
        return f"volunteer {self.pk}"

    @property
    def person_key(self) -> str:
        """The same person across private links: their e-mail's digest, else their phone's."""
        return self.email_digest or self.phone_digest or f"v{self.pk}"


class SignUpQuerySet(models.QuerySet):
    def active(self) -> SignUpQuerySet:
        return self.filter(cancelled_at__isnull=True)


class SignUp(models.Model):
    """A volunteer taking a place in a shift; cancelled, never deleted."""

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="signups")
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    no_show = models.BooleanField(default=False)
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = SignUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                condition=Q(cancelled_at__isnull=True),
                name="signup_once_per_shift",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} @ {self.shift}"

    @property
    def hours(self) -> float:
        if not (self.checked_in_at and self.checked_out_at):
            return 0.0
        return max(0.0, (self.checked_out_at - self.checked_in_at).total_seconds() / 3600)


class SignUpReceipt(models.Model):
    """What a public sign-up answered, kept a day so that the same submission sent again (a
    double click, a resubmit after a timeout) takes no second place and gets the same answer.

    `key_digest` is a keyed digest of the form's idempotency key; `person_digest` a keyed digest
    of the shift, name and contact, to refuse the same person signing up again on a fresh form;
    `link_sealed` the private link's token, sealed, to answer a replay with the same link.
    """

    signup = models.ForeignKey(SignUp, on_delete=models.CASCADE, related_name="+")
    key_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    fingerprint = models.CharField(max_length=64)
    person_digest = models.CharField(max_length=64, db_index=True)
    link_sealed = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"receipt of sign-up {self.signup_id}"


class FormHit(models.Model):
    """One submission of a public form from an address (a keyed digest, never the address),
    kept in the database so the limit holds across several app processes."""

    form = models.CharField(max_length=30)
    key = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["form", "key", "at"], name="form_hit_lookup")]

    def __str__(self) -> str:
        return f"{self.form} {self.key[:8]} {self.at}"
