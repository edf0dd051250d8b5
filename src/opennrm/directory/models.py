"""The directory: organisations, users, their roles per organisation, and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from opennrm.directory.roles import Role


class OrganisationKind(models.TextChoices):
    POLICE = "police", _("Police")
    BORDER_POLICE = "border_police", _("Border police")
    PROSECUTION = "prosecution", _("Prosecution")
    LABOUR_INSPECTORATE = "labour_inspectorate", _("Labour inspectorate")
    IMMIGRATION = "immigration", _("Immigration")
    MUNICIPALITY = "municipality", _("Municipality")
    CHILD_PROTECTION = "child_protection", _("Child protection")
    GUARDIANSHIP = "guardianship", _("Guardianship")
    SHELTER_NGO = "shelter_ngo", _("Specialised shelter / NGO")
    HEALTH = "health", _("Health")
    EDUCATION = "education", _("Education")
    COORDINATION_CENTRE = "coordination_centre", _("Coordination centre")
    NATIONAL_RAPPORTEUR = "national_rapporteur", _("National rapporteur")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    slug = models.SlugField(_("code"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2"))
    region = models.CharField(
        _("region"),
        max_length=100,
        blank=True,
        help_text=_("ISO 3166-2 code of the region it serves; empty: the whole country"),
    )
    functions = models.JSONField(
        _("functions"),
        default=list,
        blank=True,
        help_text=_("Codes of the jurisdiction's functions it performs (routing recipients)"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["country", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        permissions = [("view_all_organisation", "View every organisation in the directory")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(country__regex=r"^[A-Z]{2}$"), name="organisation_country_iso"
            )
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class User(AbstractUser):
    """A member of staff. ``is_superuser`` grants nothing: permissions come from memberships."""

    is_demo = models.BooleanField(
        default=False, help_text="Demo account: can log in only when OPENNRM_DEMO=1."
    )
    is_service_account = models.BooleanField(
        default=False,
        help_text=(
            "Service account: used only through API tokens, never signs in with a password. "
            "Created by operators with `opennrm user create --service-account`."
        ),
    )
    preferred_language = models.CharField(max_length=8, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [("manage_own_org_user", "Manage the users of one's own organisation")]

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        # Unlike Django's default, an active superuser is not granted everything.
        from django.contrib.auth.models import _user_has_perm  # type: ignore[attr-defined]

        return bool(self.is_active and _user_has_perm(self, perm, obj))


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("membership")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.organisation_id}:{self.role}"


class ApiToken(models.Model):
    """A system-to-system credential: acts as ``user`` within ``organisation`` only.

    Only a SHA-256 of the secret part is stored; the full token is shown once, on creation.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        permissions = [("manage_own_org_apitoken", "Manage the API tokens of one's organisation")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class Notification(models.Model):
    """One message in a user's in-app inbox (also sent by e-mail).

    It holds no personal data: a kind (whose text the app that sends it registers in
    ``directory.notifications``), the reference of the object concerned, the name of an
    organisation, and a link to the page where the user, after signing in, sees the rest.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    reference = models.CharField(max_length=20, blank=True)
    organisation_name = models.CharField(max_length=200, blank=True)
    link = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}"
