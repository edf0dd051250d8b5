"""Information sharing under a legal basis (issue #6, DESIGN "sharing").

* ``LegalBasis``: a law or a covenant that lets named organisations share named categories of a
  person's data for a purpose, within a validity period. Dutch RIECs combine signals about one
  person under a covenant (source 001:L4969-L4989); the Task Force plans administrative covenants
  and structural exchange of operational data (000:L139-L143); Belgium's CIATTEH stalled on which
  data may be used (003:L583-L600).
* ``AccessGrant``: one member of an object's team (an organisation, or one named person in it)
  with a role, the data categories it may see, a purpose, an end date, and the basis of the
  sharing (a legal basis, or the person's consent with its date). Generic: ``object_type`` and
  ``object_id`` name the object (a case file); this app never imports the apps that hold them.
* ``BreakGlass``: an emergency opening of an object outside one's scope, with a typed reason and
  an expiry.
* ``LegalHold``: keeps an object from erasure by the retention schedule while proceedings run.
* ``Rectification``: one corrected field of a person (data-subject right), old and new value
  encrypted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opennrm.core.fields import EncryptedTextField
from opennrm.directory.models import Organisation


class DataCategory(models.TextChoices):
    IDENTITY = "identity", _("Identity and contact details")
    HEALTH = "health", _("Health and psychological data")
    IMMIGRATION = "immigration", _("Residence and protection procedure")
    JUSTICE = "justice", _("Justice: interviews, decisions, compensation")
    SERVICES = "services", _("Services and shelter")
    NOTES = "notes", _("Notes and free text")


class BasisKind(models.TextChoices):
    LAW = "law", pgettext_lazy("legal basis kind", "Law")
    COVENANT = "covenant", pgettext_lazy("legal basis kind", "Covenant")


class LegalBasis(models.Model):
    jurisdiction = models.CharField(_("country"), max_length=2)
    kind = models.CharField(_("kind"), max_length=10, choices=BasisKind.choices)
    title = models.CharField(_("title"), max_length=300)
    reference = models.CharField(_("document reference"), max_length=300)
    purpose = models.TextField(_("purpose"))
    categories = models.JSONField(_("data categories"), default=list)
    parties = models.ManyToManyField(Organisation, related_name="+", verbose_name=_("parties"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal bases")
        ordering = ["jurisdiction", "-valid_from", "pk"]
        permissions = [
            ("manage_jurisdiction_legalbasis", "Record the legal bases of one's country"),
            ("breakglass_jurisdiction_legalbasis", "Open a case file in an emergency"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_valid_on(self, day: object) -> bool:
        return (
            self.ended_at is None
            and self.valid_from <= day  # type: ignore[operator]
            and (self.valid_until is None or day <= self.valid_until)  # type: ignore[operator]
        )


class TeamRole(models.TextChoices):
    CARE = "care", _("Care and support")
    GUARDIAN = "guardian", _("Guardian")
    POLICE = "police", _("Police")
    PROSECUTION = "prosecution", _("Public prosecution")
    IMMIGRATION = "immigration", _("Immigration authority")
    LEGAL_AID = "legal_aid", _("Lawyer")
    MUNICIPALITY = "municipality", _("Municipality")
    OTHER = "other", pgettext_lazy("team role", "Other")


class AccessGrant(models.Model):
    object_type = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    jurisdiction = models.CharField(max_length=2)
    granting_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    role = models.CharField(_("role"), max_length=20, choices=TeamRole.choices)
    categories = models.JSONField(_("data categories"), default=list)
    purpose = EncryptedTextField(_("purpose"))  # free text: may name the person (rule 6)
    legal_basis = models.ForeignKey(
        LegalBasis,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grants",
        verbose_name=_("legal basis"),
    )
    consent_given_on = models.DateField(_("consent given on"), null=True, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), db_index=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    granted_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("team member")
        indexes = [models.Index(fields=["object_type", "object_id"], name="grant_object")]

    def __str__(self) -> str:
        return f"grant {self.pk} on {self.object_type} {self.object_id}"

    @property
    def basis_label(self) -> str:
        if self.legal_basis_id is not None:
            return self.legal_basis.title if self.legal_basis else ""
        return str(_("Consent of the person"))


class BreakGlass(models.Model):
    object_type = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField(_("reason"))
    opened_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("emergency access")
        indexes = [models.Index(fields=["object_type", "object_id"], name="breakglass_object")]

    def __str__(self) -> str:
        return f"emergency access {self.pk}"


class LegalHold(models.Model):
    object_type = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    reason = EncryptedTextField(_("reason"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    placed_at = models.DateTimeField()
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("legal hold")
        indexes = [models.Index(fields=["object_type", "object_id"], name="hold_object")]

    def __str__(self) -> str:
        return f"legal hold {self.pk}"


class Rectification(models.Model):
    object_type = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    field = models.CharField(_("field"), max_length=60)
    old_value = EncryptedTextField(_("before"), blank=True)
    new_value = EncryptedTextField(_("after"), blank=True)
    reason = EncryptedTextField(_("reason"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("rectification")
        indexes = [models.Index(fields=["object_type", "object_id"], name="rectification_object")]

    def __str__(self) -> str:
        return f"rectification {self.pk}"
