"""The network: organisations, their points, and the members who work there."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kamavor.core.localised import Localised


class Organisation(models.Model):
    """A group inside the network: a food bank, a charity, a volunteer fund."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class PointQuerySet(models.QuerySet):
    def active(self) -> PointQuerySet:
        return self.filter(active=True)

    def for_user(self, user) -> PointQuerySet:
        """Points of the organisations the user is a member of (all of them for a superuser)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(organisation__members__user=user).distinct()


class Point(Localised, models.Model):
    """A physical place of an organisation where goods or people are."""

    class Kind(models.TextChoices):
        COLLECTION = "collection", _("collection point")
        WAREHOUSE = "warehouse", _("warehouse")
        DISTRIBUTION = "distribution", _("distribution point")
        SHELTER = "shelter", _("shelter")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="points",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=300, blank=True)
    # The fields above hold the point's default text; these give it per language (point.tr.name).
    name_hy = models.CharField(_("name (Armenian)"), max_length=200, blank=True, default="")
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True, default="")
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True, default="")
    address_hy = models.CharField(_("address (Armenian)"), max_length=300, blank=True, default="")
    address_ru = models.CharField(_("address (Russian)"), max_length=300, blank=True, default="")
    address_en = models.CharField(_("address (English)"), max_length=300, blank=True, default="")
    opening_hours_hy = models.CharField(
        _("opening hours (Armenian)"), max_length=300, blank=True, default=""
    )
    opening_hours_ru = models.CharField(
        _("opening hours (Russian)"), max_length=300, blank=True, default=""
    )
    opening_hours_en = models.CharField(
        _("opening hours (English)"), max_length=300, blank=True, default=""
    )
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = PointQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = _("point")
        verbose_name_plural = _("points")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="point_unique_name"),
        ]

    def __str__(self) -> str:
        return self.tr.name  # in the page's language (pickers, lists)


class Member(models.Model):
    """A user's place in an organisation, with the role that decides what they may do."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("administrator")
        COORDINATOR = "coordinator", _("coordinator")
        VOLUNTEER = "volunteer", _("volunteer")
        PARTNER = "partner", _("partner")
        # Sees and posts the organisation's money (kamavor.money), nothing of households.
        TREASURER = "treasurer", _("treasurer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="members")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="hy"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        """Tokens that still open the API: not revoked and not expired."""
        return self.filter(revoked=False, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A named bearer token for the HTTP API that expires; only its SHA-256 digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} {self.name or self.digest[:8]}"
