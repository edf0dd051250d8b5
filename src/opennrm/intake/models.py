"""Signals, screenings and public reports: the intake of OpenNRM.

A ``Signal`` is one observation that may point to trafficking, recorded by a professional of an
organisation or received through the anonymous public form. Free text and the description of the
person are personal data and encrypted; the categorical fields (barrier, population, forms,
region) stay in the clear for triage and statistics. A signal belongs to the organisation that
recorded it; the coordination centre of its jurisdiction triages it.

A ``Screening`` is one run of an indicator catalogue on a signal. It stores the catalogue's id,
version and digest, the indicators observed and the result; ``CatalogueVersion`` keeps the exact
catalogue content once per digest, so an old result stays reproducible.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opennrm.core.fields import EncryptedJSONField, EncryptedTextField
from opennrm.core.taxonomies import Barrier, Population
from opennrm.directory.models import Organisation


class SignalSource(models.TextChoices):
    PROFESSIONAL = "professional", _("Professional")
    PUBLIC = "public", _("Public report")


class TriageStatus(models.TextChoices):
    NEW = "new", _("New")
    SCREENED = "screened", _("Screened")
    REFERRED = "referred", _("Referred")
    DISMISSED = "dismissed", _("Dismissed")


class DismissReason(models.TextChoices):
    NO_INDICATION = "no_indication", _("No indication of trafficking")
    DUPLICATE = "duplicate", _("Duplicate of another signal")
    OTHER_AUTHORITY = "other_authority", _("Belongs to another authority (not trafficking)")
    INSUFFICIENT = "insufficient", _("Too little information to act on")
    ABUSE = "abuse", _("Abusive or test report")


class Signal(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    source = models.CharField(max_length=20, choices=SignalSource.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    observer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("observer"),
    )
    jurisdiction = models.CharField(_("jurisdiction"), max_length=3)
    observed_at = models.DateTimeField(_("date and time observed"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), db_index=True)
    region = models.CharField(_("region"), max_length=10, blank=True)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    place_detail = EncryptedTextField(_("place (address or description)"), blank=True)
    barrier = models.CharField(_("barrier"), max_length=20, choices=Barrier.choices, blank=True)
    population = models.CharField(
        _("population"), max_length=10, choices=Population.choices, default=Population.UNKNOWN
    )
    estimated_age = models.PositiveSmallIntegerField(_("estimated age"), null=True, blank=True)
    forms = models.JSONField(_("suspected forms of exploitation"), default=list, blank=True)
    labour_sector = models.CharField(_("sector (ISIC section)"), max_length=1, blank=True)
    person = models.ForeignKey(
        "cases.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    person_description = EncryptedTextField(_("description of the person"), blank=True)
    description = EncryptedTextField(_("what was observed"), blank=True)
    observed_indicators = models.JSONField(default=list, blank=True)
    first_contact = EncryptedJSONField(_("first-contact answers"), null=True, blank=True)
    acute = models.BooleanField(_("acute threat to life or liberty"), default=False)
    triage_status = models.CharField(
        max_length=20, choices=TriageStatus.choices, default=TriageStatus.NEW, db_index=True
    )
    dismiss_reason = models.CharField(max_length=30, choices=DismissReason.choices, blank=True)
    has_new_information = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        indexes = [
            models.Index(fields=["jurisdiction", "triage_status", "acute", "recorded_at"]),
            models.Index(fields=["organisation", "recorded_at"]),
        ]
        permissions = [
            ("view_own_org_signal", "View signals of one's own organisation"),
            ("add_own_org_signal", "Record signals in one's own organisation"),
            ("change_own_org_signal", "Screen, link and add to signals of one's own organisation"),
            (
                "triage_jurisdiction_signal",
                "Triage the signals of the coordination centre's country",
            ),
        ]

    def __str__(self) -> str:
        return f"Signal {self.reference}"


class SignalLinkKind(models.TextChoices):
    SAME_PERSON = "same_person", _("Concerns the same person")
    SAME_PLACE = "same_place", _("Concerns the same place")


class SignalLink(models.Model):
    """Two signals that concern the same person or place (stored once, lower id first)."""

    from_signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="+")
    to_signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=SignalLinkKind.choices)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["from_signal", "to_signal", "kind"], name="signal_link_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(from_signal__lt=models.F("to_signal")),
                name="signal_link_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"link {self.from_signal_id}-{self.to_signal_id} ({self.kind})"


class SignalAddition(models.Model):
    """Information added later to a signal (by the public reporter with the reference and PIN)."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="additions")
    source = models.CharField(max_length=20, choices=SignalSource.choices)
    text = EncryptedTextField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"addition to signal {self.signal_id}"


class PublicReport(models.Model):
    """The anonymous channel of a signal: a keyed index of the reference code and a PIN hash.

    Neither the reference code nor the PIN is stored; no address, browser or account either.
    """

    signal = models.OneToOneField(Signal, on_delete=models.CASCADE, related_name="public_report")
    code_index = models.CharField(max_length=64, unique=True)
    pin_hash = models.CharField(max_length=200)
    language = models.CharField(max_length=8)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"public report of signal {self.signal_id}"


class CatalogueVersion(models.Model):
    """The exact content of a catalogue version that a screening used (once per digest)."""

    catalogue_id = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    digest = models.CharField(max_length=64, unique=True)
    snapshot = models.JSONField()
    first_used_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["catalogue_id", "version"], name="catalogue_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.catalogue_id}@v{self.version}"


class Screening(models.Model):
    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="screenings")
    catalogue = models.ForeignKey(CatalogueVersion, on_delete=models.PROTECT, related_name="+")
    population = models.CharField(max_length=10, choices=Population.choices)
    observed = models.JSONField(default=list)
    level = models.CharField(max_length=20)
    score = models.IntegerField()
    result = models.JSONField()
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    performed_at = models.DateTimeField()

    class Meta:
        ordering = ["-performed_at", "-pk"]

    def __str__(self) -> str:
        return f"screening {self.pk} of signal {self.signal_id}"
