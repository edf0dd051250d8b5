"""National action plans: measures with a responsible body, a deadline and progress.

A ``Plan`` holds ``Measure`` rows transcribed from the plan as printed (number, text, body,
deadline) with their source line; the deadline as printed is kept and normalised to ``due_on``
(indexed) for sorting and alerts. Progress updates and comments keep the history; the measure's
``status`` is the latest update's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opennrm.core.fields import EncryptedTextField
from opennrm.directory.models import Organisation


class Plan(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    country = models.CharField(_("country"), max_length=2)
    title = models.CharField(_("title"), max_length=300)
    period_from = models.PositiveSmallIntegerField(_("from"))
    period_to = models.PositiveSmallIntegerField(_("to"))
    owner = models.CharField(_("owning body"), max_length=300)
    source = models.CharField(_("source"), max_length=60, blank=True)
    themes = models.JSONField(_("themes"), default=list)  # [{code, name, source}]
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("action plan")
        ordering = ["country", "-period_from", "code"]
        permissions = [
            ("view_all_plan", "View the action plans"),
            ("update_own_org_plan", "Report progress on measures one's organisation leads"),
            ("manage_jurisdiction_plan", "Import plans and steer the measures of one's country"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def jurisdiction(self) -> str:
        """For the permission backend's jurisdiction scope."""
        return self.country

    def theme_name(self, code: str) -> str:
        return next((str(t.get("name", code)) for t in self.themes if t.get("code") == code), code)


class MeasureStatus(models.TextChoices):
    NOT_STARTED = "not_started", pgettext_lazy("measure status", "Not started")
    IN_PROGRESS = "in_progress", pgettext_lazy("measure status", "In progress")
    DONE = "done", pgettext_lazy("measure status", "Done")
    DELAYED = "delayed", pgettext_lazy("measure status", "Delayed")
    DROPPED = "dropped", pgettext_lazy("measure status", "Dropped")


CLOSED_STATUSES = (MeasureStatus.DONE, MeasureStatus.DROPPED)


class DeadlineKind(models.TextChoices):
    DATE = "date", _("A date")
    MONTH = "month", _("A month")
    QUARTER = "quarter", _("A quarter")
    HALF = "half", _("A half year")
    SEASON = "season", _("A season")
    YEAR = "year", _("A year")
    PERIOD = "period", _("A period of years")
    CONTINUOUS = "continuous", _("Continuous")
    CONDITIONAL = "conditional", _("Depends on an event")
    NONE = "none", _("No deadline")


class Measure(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="measures")
    number = models.CharField(_("number"), max_length=20)
    position = models.PositiveIntegerField()
    theme = models.CharField(_("theme"), max_length=60, blank=True)
    text = models.TextField(_("measure"))
    lead_body = models.CharField(_("lead body"), max_length=300, blank=True)
    lead_as_printed = models.CharField(_("responsible as printed"), max_length=500, blank=True)
    contributors = models.JSONField(_("contributing bodies"), default=list, blank=True)
    lead_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead organisation in OpenNRM"),
    )
    deadline_text = models.CharField(_("deadline as printed"), max_length=100, blank=True)
    deadline_kind = models.CharField(
        _("kind of deadline"), max_length=12, choices=DeadlineKind.choices
    )
    due_on = models.DateField(_("due"), null=True, blank=True, db_index=True)
    depends_on = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="needed_by"
    )
    source = models.CharField(_("source"), max_length=60, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=MeasureStatus.choices,
        default=MeasureStatus.NOT_STARTED,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    reminded_due_at = models.DateTimeField(null=True, blank=True)
    reminded_overdue_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("measure")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="measure_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plan.code} {self.number}"

    @property
    def organisation_id(self) -> int | None:
        """For the permission backend: a measure belongs to its lead organisation (if linked)."""
        return self.lead_organisation_id

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES


class ProgressUpdate(models.Model):
    """One progress report on a measure: status, narrative, evidence; the history is kept."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(_("status"), max_length=12, choices=MeasureStatus.choices)
    narrative = EncryptedTextField(_("progress"), blank=True)  # free text (DESIGN rule 6)
    evidence_url = models.URLField(_("evidence (link)"), max_length=500, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"update {self.pk} of measure {self.measure_id}"


class MeasureComment(models.Model):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="comments")
    text = EncryptedTextField(_("comment"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"comment {self.pk} on measure {self.measure_id}"
