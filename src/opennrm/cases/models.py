"""Persons: the people OpenNRM supports. Identity fields are encrypted at rest.

Names and aliases are searchable only through ``PersonNameToken`` (keyed HMAC of normalised name
words); the date of birth through ``dob_index``. No plaintext identity is ever stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opennrm.core.fields import EncryptedDateField, EncryptedJSONField, EncryptedTextField
from opennrm.directory.models import Organisation


class Person(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    given_names = EncryptedTextField(_("given names"), blank=True)
    family_name = EncryptedTextField(_("family name"), blank=True)
    aliases = EncryptedJSONField(_("aliases"), default=list, blank=True)
    date_of_birth = EncryptedDateField(_("date of birth"), null=True, blank=True)
    identity_documents = EncryptedJSONField(_("identity documents"), default=list, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    email = EncryptedTextField(_("e-mail"), blank=True)
    address = EncryptedTextField(_("address"), blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    dob_index = models.CharField(max_length=32, blank=True, db_index=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        permissions = [
            ("view_own_org_person", "View persons of one's own organisation"),
            ("add_own_org_person", "Register persons in one's own organisation"),
            ("change_own_org_person", "Change persons of one's own organisation"),
            ("delete_own_org_person", "Delete persons of one's own organisation"),
            ("export_own_org_person", "Export persons of one's own organisation"),
        ]

    def __str__(self) -> str:
        return f"Person {self.pk}"  # never the name: str() ends up in logs and messages

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.given_names, self.family_name) if part)


class PersonNameToken(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_tokens")
    token = models.CharField(max_length=32, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "token"], name="person_name_token_unique")
        ]

    def __str__(self) -> str:
        return f"token of person {self.person_id}"


# --- case files


class Phase(models.TextChoices):
    OPENING = "opening", pgettext_lazy("case phase", "Opening")
    ASSISTANCE = "assistance", pgettext_lazy("case phase", "Assistance")
    CLOSING = "closing", pgettext_lazy("case phase", "Closure requested")
    CLOSED = "closed", pgettext_lazy("case phase", "Closed")


class ClosureReason(models.TextChoices):
    GOALS_MET = "goals_met", _("Assistance completed: the goals of the plan are met")
    RETURNED = "returned", _("Returned to the country of origin")
    TRANSFERRED_ABROAD = "transferred_abroad", _("Taken over by a service in another country")
    DECLINED = "declined", _("The person no longer wants assistance")
    LOST_CONTACT = "lost_contact", _("Contact lost")
    NOT_A_VICTIM = "not_a_victim", _("No indications of trafficking after all")
    DECEASED = "deceased", _("Deceased")
    OTHER = "other", _("Other (explained in the note)")


class IdentificationStatus(models.TextChoices):
    # Eurostat counts identified and presumed victims separately (standards.md, glossary).
    POTENTIAL = "potential", _("Potential victim")
    PRESUMED = "presumed", _("Presumed victim")
    IDENTIFIED = "identified", _("Identified victim")


class CaseFile(models.Model):
    """One organisation's support of one person through opening, assistance and closure.

    Exactly one lead organisation and one named case owner at every moment (both required). The
    phase moves only through ``phases.TRANSITIONS``; each step is a ``CaseTransition`` row.
    """

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="case_files", verbose_name=_("person")
    )
    jurisdiction = models.CharField(_("jurisdiction"), max_length=3)
    lead_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lead organisation"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("case owner"),
    )
    phase = models.CharField(
        _("phase"), max_length=12, choices=Phase.choices, default=Phase.OPENING, db_index=True
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referral"),
    )
    identification_status = models.CharField(
        _("identification status"),
        max_length=12,
        choices=IdentificationStatus.choices,
        default=IdentificationStatus.POTENTIAL,
    )
    identification_decided_by = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    identification_decided_on = models.DateField(_("decided on"), null=True, blank=True)
    unaccompanied_minor = models.BooleanField(_("unaccompanied minor"), default=False)
    guardian_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("guardian organisation"),
    )
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("guardian"),
    )
    guardian_appointed_on = models.DateField(_("guardian appointed on"), null=True, blank=True)
    # An unaccompanied minor without a guardian may leave the opening phase only with a recorded
    # reason that a coordinator has reviewed.
    no_guardian_reason = EncryptedTextField(_("why there is no guardian yet"), blank=True)
    no_guardian_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    no_guardian_reviewed_at = models.DateTimeField(null=True, blank=True)
    police_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("police contact (organisation)"),
    )
    police_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("police contact"),
    )
    closure_reason = models.CharField(
        _("closure reason"), max_length=20, choices=ClosureReason.choices, blank=True
    )
    closure_note = EncryptedTextField(_("closure note"), blank=True)
    opened_at = models.DateTimeField(_("opened"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("case file")
        verbose_name_plural = _("case files")
        permissions = [
            ("view_own_org_casefile", "View case files of one's own organisation or team"),
            ("add_own_org_casefile", "Open case files in one's own organisation"),
            ("change_own_org_casefile", "Work on case files of one's own organisation"),
            ("manage_jurisdiction_casefile", "Oversee the case files of one's country"),
        ]
        indexes = [models.Index(fields=["lead_organisation", "phase"], name="case_lead_phase")]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "lead_organisation"],
                condition=models.Q(referral__isnull=False),
                name="case_one_per_referral_and_org",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def organisation_id(self) -> int:
        """For the permission backend: a case belongs to its lead organisation."""
        return int(self.lead_organisation_id)

    @property
    def is_open(self) -> bool:
        return self.phase != Phase.CLOSED


class CaseTransition(models.Model):
    """One step of a case file: a phase change, a transfer, a guardian, a review (who, when)."""

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=30)
    from_phase = models.CharField(max_length=12, blank=True)
    to_phase = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=30, blank=True)
    # Ids only (e.g. the organisations of a transfer), never personal data.
    details = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["case", "occurred_at"], name="case_transition_idx")]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_phase} → {self.to_phase}"


class ProtectionProcedure(models.Model):
    """A case's place in a jurisdiction's protection procedure (``procedures.Procedure``).

    ``due_on`` is the current state's computed end, renewal or milestone date: stored and indexed
    so that deadline views and the reminder job never recompute rules over all cases.
    """

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="procedures")
    procedure = models.CharField(_("procedure"), max_length=80)  # key, e.g. "BE/residence"
    state = models.CharField(_("state"), max_length=60)
    started_on = models.DateField(_("since"))
    due_on = models.DateField(_("end or renewal date"), null=True, blank=True, db_index=True)
    due_kind = models.CharField(max_length=12, blank=True)  # "end" or "milestone"
    renewals_used = models.PositiveSmallIntegerField(_("renewals"), default=0)
    final = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("protection procedure")
        constraints = [
            models.UniqueConstraint(fields=["case", "procedure"], name="case_procedure_unique")
        ]

    def __str__(self) -> str:
        return f"{self.procedure}: {self.state}"


class ProcedureTransition(models.Model):
    """One step of a protection procedure, with the date it took effect and its source line."""

    procedure = models.ForeignKey(
        ProtectionProcedure, on_delete=models.CASCADE, related_name="transitions"
    )
    action = models.CharField(max_length=60)  # "start", "renew" or a transition code
    from_state = models.CharField(max_length=60, blank=True)
    to_state = models.CharField(max_length=60)
    effective_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=60, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"


class DeadlineKind(models.TextChoices):
    PROCEDURE = "procedure", _("Protection procedure")
    MAJORITY = "majority", _("18th birthday")
    TRANSITION_PLAN = "transition_plan", _("Transition plan before the 18th birthday")
    TASK = "task", _("Task")


class DeadlineStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("deadline status", "Open")
    DONE = "done", pgettext_lazy("deadline status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("deadline status", "Cancelled")


class Deadline(models.Model):
    """A dated duty on a case: a procedure date, a birthday, a task. ``owner`` empty: the case
    owner (so a transfer moves the duties with the case)."""

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(_("kind"), max_length=20, choices=DeadlineKind.choices)
    title = EncryptedTextField(_("task"), blank=True)  # free text: personal data (rule 6)
    due_on = models.DateField(_("due"), db_index=True)
    remind_on = models.DateField(_("reminder"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN
    )
    procedure = models.ForeignKey(
        ProtectionProcedure, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    label = models.CharField(max_length=200, blank=True)  # the rule's name, e.g. a permit's
    source = models.CharField(_("source"), max_length=60, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["status", "remind_on"], name="deadline_reminder_idx"),
            models.Index(fields=["status", "due_on"], name="deadline_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} due {self.due_on}"


class MissingOutcome(models.TextChoices):
    RETURNED = "returned", _("Came back")
    FOUND = "found", _("Found again")


class Disappearance(models.Model):
    """A report that the person (typically a minor) has gone missing, and how it ended.

    ``police_notified_at`` and ``guardian_notified_at`` are set in the request that records the
    report; the time from ``missing_since`` to them is what the sources measure in days.
    """

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="disappearances")
    missing_since = models.DateTimeField(_("missing since"))
    reported_at = models.DateTimeField(_("reported"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    circumstances = EncryptedTextField(_("circumstances"), blank=True)
    police_notified_at = models.DateTimeField(_("police notified"), null=True, blank=True)
    guardian_notified_at = models.DateTimeField(_("guardian notified"), null=True, blank=True)
    ended_at = models.DateTimeField(_("back or found"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=MissingOutcome.choices, blank=True
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-reported_at", "-pk"]

    def __str__(self) -> str:
        return f"disappearance {self.pk} of case {self.case_id}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None
