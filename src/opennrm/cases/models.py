"""Persons: the people OpenNRM supports. Identity fields are encrypted at rest.

Names and aliases are searchable only through ``PersonNameToken`` (keyed HMAC of normalised name
words); the date of birth through ``dob_index``. No plaintext identity is ever stored.
"""

from __future__ import annotations

import datetime

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
    # A specially protected record (a victim at high risk, a witness under protection): only the
    # people named on the case see it; searches hide it from everyone else (issue #6).
    specially_protected = models.BooleanField(_("specially protected"), default=False)
    # Set when the retention schedule anonymised the case: identity and free text are gone; the
    # ages below keep the statistics that needed the date of birth.
    anonymised_at = models.DateTimeField(null=True, blank=True, db_index=True)
    age_at_identification = models.PositiveSmallIntegerField(null=True, blank=True)
    age_at_exploitation = models.PositiveSmallIntegerField(null=True, blank=True)
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
            ("viewhealth_own_org_casefile", "See health data of one's organisation's cases"),
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
    SERVICE_FOLLOW_UP = "service_follow_up", _("Service follow-up")
    COMPENSATION = "compensation", _("State advance of unpaid compensation")
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
    # The service or compensation row a follow-up or state-advance date belongs to.
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
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


# --- the person's situation (HTCDS names in comments; standards.md §H.1) ------------------------


class Sex(models.TextChoices):
    # HTCDS prs_Gender; Eurostat counts by sex. "Other" and "unknown" are first-class answers.
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class TraffickingScope(models.TextChoices):
    INTERNAL = "internal", _("Internal (within one country)")
    CROSS_BORDER = "cross_border", _("Cross-border")
    UNKNOWN = "unknown", _("Not known")


class Relationship(models.TextChoices):
    # HTCDS vic_RelationshipToTrafficker (Familial; Acquainted; Unaquainted) refined as CTDC's
    # recruiterRelation* flags (intimate partner, friend, family, other, unknown).
    FAMILY = "family", _("Family member")
    INTIMATE_PARTNER = "intimate_partner", _("Intimate partner")
    FRIEND = "friend", _("Friend or acquaintance")
    EMPLOYER = "employer", _("Employer")
    STRANGER = "stranger", _("Not acquainted")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not known")


class MeansOfControl(models.TextChoices):
    # HTCDS vic_MethodsOfControl.
    PHYSICAL_THREATS = "physical_threats", _("Physical threats")
    THREATS_LAW_ENFORCEMENT = "threats_law_enforcement", _("Threats of law enforcement")
    THREATENS_FAMILY = "threatens_family", _("Threatens children or family")
    DEBT_BONDAGE = "debt_bondage", _("Debt bondage")
    FALSE_PROMISES = "false_promises", _("False promises")
    PHYSICAL_ABUSE = "physical_abuse", _("Physical abuse")
    SEXUAL_ABUSE = "sexual_abuse", _("Sexual abuse")
    PSYCHOLOGICAL_ABUSE = "psychological_abuse", _("Psychological abuse")
    TAKES_EARNINGS = "takes_earnings", _("Takes earnings")
    RESTRICTS_FINANCES = "restricts_finances", _("Restricts access to money")
    RESTRICTS_MOVEMENT = "restricts_movement", _("Restricts movement")
    RESTRICTS_MEDICAL_CARE = "restricts_medical_care", _("Restricts medical care")
    WITHHOLDS_NECESSITIES = "withholds_necessities", _("Withholds necessities")
    PSYCHOACTIVE_SUBSTANCES = "psychoactive_substances", _("Psychoactive substances")
    EXCESSIVE_HOURS = "excessive_hours", _("Excessive working hours")
    WITHHOLDS_DOCUMENTS = "withholds_documents", _("Withholds documents")
    OTHER = "other", _("Other")


class RecruitmentMethod(models.TextChoices):
    # HTCDS vic_MethodOfRecruitment.
    PLACE_OF_BUSINESS = "place_of_business", _("At a place of business")
    EDUCATIONAL_INSTITUTION = "educational_institution", _("At an educational institution")
    AT_WORK = "at_work", _("At work")
    ONLINE_SOCIAL_NETWORK = "online_social_network", _("Through online social networks")
    ONLINE_ADVERTISEMENT = "online_advertisement", _("Through an online advertisement")
    OTHER_ADVERTISEMENT = "other_advertisement", _("Through a television or newspaper advert")
    FAMILY = "family", _("Through family or family events")
    FRIENDS = "friends", _("Through friends or social events")
    ABDUCTION = "abduction", _("Abduction")
    OTHER = "other", _("Other")


class Situation(models.Model):
    """What is known of the person's situation, one per case. Places are free text (personal
    data, encrypted); countries are ISO 3166-1 alpha-2 codes; languages ISO 639 codes."""

    case = models.OneToOneField(CaseFile, on_delete=models.CASCADE, related_name="situation")
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    citizenships = models.JSONField(_("citizenship"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    exploitation_forms = models.JSONField(_("forms of exploitation"), default=list, blank=True)
    sectors = models.JSONField(_("sectors"), default=list, blank=True)
    means_of_control = models.JSONField(_("means of control"), default=list, blank=True)
    recruitment_methods = models.JSONField(_("recruitment method"), default=list, blank=True)
    relationship = models.CharField(
        _("relationship to the trafficker"),
        max_length=20,
        choices=Relationship.choices,
        default=Relationship.UNKNOWN,
    )
    recruitment_country = models.CharField(_("country of recruitment"), max_length=2, blank=True)
    recruitment_place = EncryptedTextField(_("place of recruitment"), blank=True)
    recruited_on = models.DateField(_("date of recruitment"), null=True, blank=True)
    transit_countries = models.JSONField(_("transit countries"), default=list, blank=True)
    exploitation_country = models.CharField(_("country of exploitation"), max_length=2, blank=True)
    exploitation_place = EncryptedTextField(_("place of exploitation"), blank=True)
    exploitation_started_on = models.DateField(_("exploitation began"), null=True, blank=True)
    exploitation_ended_on = models.DateField(_("exploitation ended"), null=True, blank=True)
    scope = models.CharField(
        _("internal or cross-border"),
        max_length=12,
        choices=TraffickingScope.choices,
        default=TraffickingScope.UNKNOWN,
    )
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("situation")

    def __str__(self) -> str:
        return f"situation of case {self.case_id}"


# --- services and placements -------------------------------------------------------------------


class ServiceKind(models.TextChoices):
    SHELTER = "shelter", _("Shelter")
    MEDICAL = "medical", _("Medical care")
    PSYCHOLOGICAL = "psychological", _("Psychological support")
    LEGAL_AID = "legal_aid", _("Legal aid")
    INTERPRETER = "interpreter", _("Interpreter")
    EDUCATION = "education", _("Education")
    FINANCIAL = "financial", _("Financial support")
    REINTEGRATION = "reintegration", _("Reintegration")
    RETURN = "return", _("Assisted return")


class ServiceStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("service status", "Planned")
    ACTIVE = "active", pgettext_lazy("service status", "Under way")
    COMPLETED = "completed", pgettext_lazy("service status", "Completed")
    CANCELLED = "cancelled", pgettext_lazy("service status", "Cancelled")


class CaseService(models.Model):
    """One service of the case's service plan, with its provider, dates and status."""

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(_("service"), max_length=20, choices=ServiceKind.choices)
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("provider"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ServiceStatus.choices, default=ServiceStatus.PLANNED
    )
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    sessions = models.PositiveSmallIntegerField(_("number of sessions"), null=True, blank=True)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.kind} for case {self.case_id}"


class Placement(models.Model):
    """A stay in a shelter: the days in placement are computed from the dates."""

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="placements")
    shelter = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("shelter")
    )
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["started_on", "pk"]

    def __str__(self) -> str:
        return f"placement of case {self.case_id}"

    def days(self, today: datetime.date) -> int:
        """Nights in placement: to the end date, or to today while it lasts."""
        return ((self.ended_on or today) - self.started_on).days


# --- interviews ---------------------------------------------------------------------------------


class Interview(models.Model):
    """One hearing of the person (minors guide §2.4: heard 3 to 4 times by different people)."""

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="interviews")
    held_on = models.DateField(_("date"))
    interviewer_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("interviewer"),
    )
    certified_interviewer = models.BooleanField(_("certified interviewer"), default=False)
    audio_visual = models.BooleanField(_("recorded audio-visually"), default=False)
    child_friendly_room = models.BooleanField(_("child-friendly room"), default=False)
    minor_at_the_time = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"interview of case {self.case_id}"


# --- justice, compensation and informing the victim -------------------------------------------


class JusticeKind(models.TextChoices):
    INVESTIGATION = "investigation", _("Investigation opened")
    NOT_PROSECUTED = "not_prosecuted", _("Not prosecuted")
    CHARGED = "charged", _("Charged")
    CONVICTED = "convicted", _("Convicted")
    ACQUITTED = "acquitted", _("Acquitted")


class NotProsecutedReason(models.TextChoices):
    INSUFFICIENT_EVIDENCE = "insufficient_evidence", _("Insufficient evidence")
    PERPETRATOR_UNKNOWN = "perpetrator_unknown", _("Perpetrator unknown or abroad")
    NOT_TRAFFICKING = "not_trafficking", _("Not qualified as trafficking")
    OTHER = "other", _("Other reason")


class JusticeEvent(models.Model):
    """A step of the criminal case: investigation and prosecution references, decisions,
    sentence and confiscation (the references are encrypted: they lead to persons)."""

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="justice_events")
    kind = models.CharField(_("decision"), max_length=20, choices=JusticeKind.choices)
    decided_on = models.DateField(_("date"))
    authority = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("authority"),
    )
    reference = EncryptedTextField(_("investigation or prosecution reference"), blank=True)
    reason = models.CharField(
        _("reason"), max_length=30, choices=NotProsecutedReason.choices, blank=True
    )
    sentence = EncryptedTextField(_("sentence"), blank=True)
    confiscation = models.BooleanField(_("assets confiscated"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_on", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} in case {self.case_id}"


class Compensation(models.Model):
    """Compensation claimed, awarded and paid (amounts in euro cents). Where the rules say the
    state advances an unpaid award (NL: 8 months after judgement, 001:L1234-L1239), that date is
    a deadline of the case until the payment is recorded."""

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="compensations")
    claimed_on = models.DateField(_("claimed on"))
    amount_claimed = models.PositiveBigIntegerField(_("amount claimed"), null=True, blank=True)
    awarded_on = models.DateField(_("judgement on"), null=True, blank=True)
    amount_awarded = models.PositiveBigIntegerField(_("amount awarded"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    amount_paid = models.PositiveBigIntegerField(_("amount paid"), null=True, blank=True)
    paid_by_state = models.BooleanField(_("advanced by the state"), default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["claimed_on", "pk"]

    def __str__(self) -> str:
        return f"compensation in case {self.case_id}"


class InformationTopic(models.TextChoices):
    RIGHTS = "rights", _("Rights and the procedure")
    INVESTIGATION = "investigation", _("Progress of the investigation")
    DECISION = "decision", _("A decision on prosecution")
    TRIAL = "trial", _("Trial date")
    VERDICT = "verdict", _("The verdict")
    COMPENSATION = "compensation", _("Compensation")
    RELEASE = "release", _("Release of the offender")
    RESIDENCE = "residence", _("Residence procedure")
    OTHER = "other", _("Other")


class VictimInformation(models.Model):
    """What the person was told about their case, when and by whom (minors guide §2.4: victims
    read the verdict in the newspaper)."""

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="information")
    informed_on = models.DateField(_("date"))
    topic = models.CharField(_("about"), max_length=20, choices=InformationTopic.choices)
    justice_event = models.ForeignKey(
        JusticeEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="information",
        verbose_name=_("justice event"),
    )
    informed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = EncryptedTextField(_("what was said"), blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["informed_on", "pk"]

    def __str__(self) -> str:
        return f"information in case {self.case_id}"


# --- handing the dossier over abroad ----------------------------------------------------------


class ExportBasis(models.TextChoices):
    CONSENT = "consent", _("The person's consent")
    LEGAL_GROUND = "legal_ground", _("A legal ground")


class ExportGround(models.TextChoices):
    CHILD_BEST_INTERESTS = (
        "child_best_interests",
        _("The best interests of the child (handover to the guardian or child protection)"),
    )
    VITAL_INTERESTS = "vital_interests", _("Vital interests of the person")
    LEGAL_OBLIGATION = "legal_obligation", _("A legal obligation")
    COURT_ORDER = "court_order", _("A court order")


class CaseExport(models.Model):
    """A record of each dossier handed over to a service or guardian abroad: to whom, on which
    basis, by whom, and the SHA-256 digest of the JSON that left (the files are not kept)."""

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="exports")
    exported_at = models.DateTimeField(_("exported"))
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recipient_country = models.CharField(_("country"), max_length=2)
    recipient_name = EncryptedTextField(_("recipient"))
    basis = models.CharField(_("basis"), max_length=20, choices=ExportBasis.choices)
    legal_ground = models.CharField(
        _("legal ground"), max_length=30, choices=ExportGround.choices, blank=True
    )
    consent_given_on = models.DateField(_("consent given on"), null=True, blank=True)
    explanation = EncryptedTextField(_("explanation"), blank=True)
    digest = models.CharField(_("SHA-256 of the JSON"), max_length=64)

    class Meta:
        ordering = ["-exported_at", "-pk"]

    def __str__(self) -> str:
        return f"export {self.pk} of case {self.case_id}"
