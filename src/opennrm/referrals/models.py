"""Referrals: one organisation asks another to act for the person of a signal.

A ``Referral`` moves through an explicit state machine (``lifecycle.TRANSITIONS``); every
transition is stored as a ``ReferralTransition`` row (who, when, from, to, reason). One
organisation and one named person are responsible at every moment (``responsible_*``). While a
referral waits for acceptance, ``accept_by`` holds its deadline (stored and indexed); the escalation
job claims overdue referrals with a conditional update on ``escalated_at``.

A referral records either the person's informed consent (what is shared, with whom, when, in
which language, explained by whom) or an override with its legal ground, which is flagged for a
coordinator's review. ``shared`` lists the data categories of the signal the recipient may see
once it has accepted; before that it sees the categories only (``sharing.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opennrm.core.fields import EncryptedTextField
from opennrm.directory.models import Organisation
from opennrm.intake.models import Signal


class ReferralState(models.TextChoices):
    # With a context: the state of a referral, whose gender or form differs in some languages
    # from the same English word elsewhere (an API token is "Revoked" too).
    DRAFT = "draft", pgettext_lazy("referral state", "Draft")
    SENT = "sent", pgettext_lazy("referral state", "Sent")
    ACCEPTED = "accepted", pgettext_lazy("referral state", "Accepted")
    DECLINED = "declined", pgettext_lazy("referral state", "Declined")
    COMPLETED = "completed", pgettext_lazy("referral state", "Completed")
    REVOKED = "revoked", pgettext_lazy("referral state", "Revoked")


class Urgency(models.TextChoices):
    ACUTE = "acute", _("Acute")
    NORMAL = "normal", _("Normal")


class DeclineReason(models.TextChoices):
    NOT_COMPETENT = "not_competent", _("Not our competence")
    NO_CAPACITY = "no_capacity", _("No capacity at the moment")
    WRONG_REGION = "wrong_region", _("Another region's organisation is competent")
    INSUFFICIENT = "insufficient", _("Too little information to act on")
    ALREADY_KNOWN = "already_known", _("Already in our care or under investigation")


class RevokeReason(models.TextChoices):
    SENT_IN_ERROR = "sent_in_error", _("Sent in error")
    NO_LONGER_NEEDED = "no_longer_needed", _("No longer needed")
    OTHER_ROUTE = "other_route", _("Handled through another route")
    REVIEW_REJECTED = "review_rejected", _("The legal ground was rejected on review")


class ConsentBasis(models.TextChoices):
    CONSENT = "consent", _("Informed consent of the person")
    OVERRIDE = "override", _("Without consent, on a legal ground")


class OverrideGround(models.TextChoices):
    """Grounds to refer without consent; each is reviewed by a coordinator afterwards."""

    ACUTE_DANGER = "acute_danger", _("Acute danger to the life or liberty of the person")
    MINOR_AT_RISK = "minor_at_risk", _("A minor at risk (child protection duty)")
    LEGAL_OBLIGATION = "legal_obligation", _("A legal obligation to report")
    CANNOT_BE_ASKED = "cannot_be_asked", _("The person cannot be asked (unreachable, incapable)")


class ReviewStatus(models.TextChoices):
    NOT_NEEDED = "", _("Not needed")
    PENDING = "pending", _("Waiting for review")
    UPHELD = "upheld", _("Ground upheld")
    REJECTED = "rejected", _("Ground rejected")


class Referral(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    signal = models.ForeignKey(
        Signal, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("signal")
    )
    jurisdiction = models.CharField(_("jurisdiction"), max_length=3)
    sender_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("sent by")
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sender"),
    )
    recipient_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("sent to")
    )
    function = models.CharField(_("function"), max_length=60, blank=True)
    rule_id = models.CharField(_("routing rule"), max_length=60, blank=True)
    rule_source = models.CharField(_("source of the rule"), max_length=60, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    # The categories the routing was asked with (nationality, unaccompanied, needs shelter …),
    # never personal data: why these recipients were proposed, and the next one after a decline.
    situation = models.JSONField(_("situation"), default=dict)
    state = models.CharField(
        _("status"),
        max_length=20,
        choices=ReferralState.choices,
        default=ReferralState.DRAFT,
        db_index=True,
    )
    responsible_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible")
    )
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible person"),
    )
    shared = models.JSONField(_("data shared"), default=list)
    consent_basis = models.CharField(
        _("basis for sharing"), max_length=10, choices=ConsentBasis.choices
    )
    consent_given_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    consent_language = models.CharField(_("language of the explanation"), max_length=10, blank=True)
    consent_explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("explained by"),
    )
    override_ground = models.CharField(
        _("legal ground"), max_length=30, choices=OverrideGround.choices, blank=True
    )
    override_explanation = EncryptedTextField(_("why consent could not be asked"), blank=True)
    review_status = models.CharField(
        _("review"), max_length=10, choices=ReviewStatus.choices, blank=True, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    note = EncryptedTextField(_("message to the recipient"), blank=True)
    decline_reason = models.CharField(
        _("reason for declining"), max_length=20, choices=DeclineReason.choices, blank=True
    )
    decline_note = EncryptedTextField(_("explanation"), blank=True)
    suggested_next = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested next recipient"),
    )
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    accept_by = models.DateTimeField(_("to be accepted by"), null=True, blank=True, db_index=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["state", "accept_by"], name="referral_due_idx"),
            models.Index(fields=["jurisdiction", "state"], name="referral_jurisdiction_idx"),
            models.Index(fields=["sender_organisation", "created_at"], name="referral_sender_idx"),
            models.Index(
                fields=["recipient_organisation", "created_at"], name="referral_recipient_idx"
            ),
        ]
        permissions = [
            ("view_own_org_referral", "See referrals sent or received by one's own organisation"),
            ("send_own_org_referral", "Refer signals of one's own organisation"),
            ("respond_own_org_referral", "Accept, decline and complete referrals received"),
            (
                "manage_jurisdiction_referral",
                "Oversee the referrals of the coordination centre's country",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral {self.reference}"

    @property
    def is_open(self) -> bool:
        return self.state in (ReferralState.DRAFT, ReferralState.SENT, ReferralState.ACCEPTED)


TRANSITION_LABELS = {
    "create": _("Created"),
    "send": _("Sent"),
    "accept": _("Accepted"),
    "decline": _("Declined"),
    "complete": _("Completed"),
    "revoke": _("Revoked"),
    "escalate": _("Escalated to the coordination centre: not accepted in time"),
    "take": _("Taken over by the coordination centre"),
    "review": _("Legal ground reviewed"),
}


class ReferralTransition(models.Model):
    """One step of a referral's life: who did what, when, from which state to which."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=30, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["referral", "occurred_at"], name="referral_transition_idx")]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"

    @property
    def label(self) -> str:
        return str(TRANSITION_LABELS.get(self.action, self.action))
