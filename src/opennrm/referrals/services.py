"""Writes of the referrals (DESIGN rule 1): one service per use case, one transaction each.

Web pages, the API and the escalation job call these. Every transition is looked up in
``lifecycle.TRANSITIONS``, checked against the actor's part (sender, recipient, coordinator),
applied to the row locked with ``select_for_update`` if nobody changed it since the version the
actor saw, stored as a ``ReferralTransition`` and audited in the same transaction; notifications
are written in it too and e-mailed after the commit (``directory.notifications``). Audit details
hold codes and ids, never what was written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opennrm.core import audit, calendars, clock
from opennrm.core.errors import (
    ConcurrentEditError,
    InvalidInput,
    PermissionDeniedError,
)
from opennrm.core.locks import lock_for_update
from opennrm.core.models import AuditAction
from opennrm.core.references import new_reference
from opennrm.core.validation import FieldErrors, clean_text
from opennrm.directory import notifications, roles
from opennrm.directory import selectors as directory_selectors
from opennrm.directory.backends import organisations_with_perm
from opennrm.directory.models import Membership, Organisation, User
from opennrm.directory.services import SystemActor
from opennrm.intake import services as intake_services
from opennrm.intake.models import Signal
from opennrm.intake.selectors import access_signal
from opennrm.referrals import lifecycle, routing
from opennrm.referrals.models import (
    ConsentBasis,
    Referral,
    ReferralState,
    ReferralTransition,
    ReviewStatus,
    Urgency,
)
from opennrm.referrals.selectors import OBJECT_TYPE, roles_of
from opennrm.referrals.validation import (
    NOTE_LIMIT,
    clean_consent,
    clean_decline,
    clean_review,
    clean_revoke,
    clean_shared,
    clean_situation,
)

# The texts of the notifications (no personal data: a reference and an organisation's name).
for _code, _text in (
    ("referral_received", gettext_lazy("New referral %(reference)s from %(organisation)s")),
    ("referral_accepted", gettext_lazy("Referral %(reference)s was accepted by %(organisation)s")),
    ("referral_declined", gettext_lazy("Referral %(reference)s was declined by %(organisation)s")),
    (
        "referral_completed",
        gettext_lazy("Referral %(reference)s was completed by %(organisation)s"),
    ),
    ("referral_revoked", gettext_lazy("Referral %(reference)s was revoked by %(organisation)s")),
    (
        "referral_escalated",
        gettext_lazy(
            "Referral %(reference)s to %(organisation)s was not accepted in time and was "
            "escalated to the coordination centre"
        ),
    ),
    (
        "referral_review",
        gettext_lazy("Referral %(reference)s was made without consent: review the legal ground"),
    ),
    (
        "referral_review_rejected",
        gettext_lazy("The legal ground of referral %(reference)s was rejected by %(organisation)s"),
    ),
):
    notifications.register(_code, _text)

# When a jurisdiction file gives no acceptance deadlines (routing), these apply.
DEFAULT_ACCEPTANCE = {
    Urgency.ACUTE: routing.Deadline(hours=1),
    Urgency.NORMAL: routing.Deadline(working_days=2),
}


# --- helpers ------------------------------------------------------------------------------------


def _deny(actor: Any, referral: Referral | None, action: str) -> PermissionDeniedError:
    audit.record(
        action=AuditAction.DENIED,
        actor=actor,
        organisation_id=referral.sender_organisation_id if referral else None,
        object_type=OBJECT_TYPE,
        object_id=referral.pk if referral else "",
        detail={"action": action},
    )
    return PermissionDeniedError()


def _link(referral: Referral) -> str:
    return reverse("referrals:detail", args=[referral.pk])


def _members(organisation_id: int | None, perm: str) -> list[User]:
    """Active users holding a role that grants ``perm`` at the organisation."""
    if organisation_id is None:
        return []
    granted = [role for role, perms in roles.ROLE_PERMISSIONS.items() if perm in perms]
    user_ids = Membership.objects.filter(
        organisation_id=organisation_id, role__in=granted, is_active=True
    ).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


def _notify(users: Iterable[User | None], kind: str, referral: Referral, org: Organisation) -> None:
    notifications.notify(
        users=[user for user in users if user is not None],
        kind=kind,
        reference=referral.reference,
        organisation_name=org.name,
        link=_link(referral),
    )


def deadline_from(start: datetime, deadline: routing.Deadline, country: str) -> datetime:
    """When a referral sent at ``start`` must be accepted: hours on the clock, or working days of
    the jurisdiction's calendar (``core.calendars``)."""
    if deadline.hours:
        return start + timedelta(hours=deadline.hours)
    return calendars.calendar(country).add_working_days(start, deadline.working_days)


def acceptance_deadline(country: str, urgency: str) -> routing.Deadline:
    found = routing.routings().get(country)
    if found is not None and urgency in found.acceptance:
        return found.acceptance[urgency]
    return DEFAULT_ACCEPTANCE[Urgency(urgency)]


def situation_of(signal: Signal, extra: Mapping[str, Any] | None = None) -> routing.Situation:
    """The routing situation of a signal: its categories plus those asked when referring."""
    extra = extra or {}
    latest = (
        signal.screenings.order_by("-performed_at", "-pk").values_list("level", flat=True).first()
    )
    return routing.Situation(
        country=signal.jurisdiction,
        acute=True if signal.acute else None,
        population=signal.population or "unknown",
        unaccompanied=extra.get("unaccompanied"),
        nationality=extra.get("nationality") or "unknown",
        forms=tuple(signal.forms),
        region=signal.region,
        needs_shelter=extra.get("needs_shelter"),
        screening_level=latest or "",
        referrer_kind=signal.organisation.kind,
    )


def _record(
    referral: Referral,
    *,
    action: str,
    actor: Any,
    from_state: str,
    organisation: Organisation | None,
    reason: str = "",
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Store the transition row and its audit event (inside the caller's transaction)."""
    now = clock.now()
    user = actor if isinstance(actor, User) else None
    ReferralTransition.objects.create(
        referral=referral,
        action=action,
        from_state=from_state,
        to_state=referral.state,
        actor=user,
        organisation=organisation,
        reason=reason,
        occurred_at=now,
    )
    audit.record(
        action=AuditAction.CREATE if action == "create" else AuditAction.UPDATE,
        actor=user,
        actor_label="" if user else getattr(actor, "label", "system"),
        organisation_id=referral.sender_organisation_id,
        object_type=OBJECT_TYPE,
        object_id=referral.pk,
        detail={
            "transition": action,
            "from": from_state,
            "to": referral.state,
            **({"reason": reason} if reason else {}),
            **(detail or {}),
        },
    )


def _save(referral: Referral, fields: Iterable[str]) -> None:
    referral.version += 1
    referral.updated_at = clock.now()
    referral.save(update_fields=[*fields, "version", "updated_at"])


def _acting_organisation(actor: Any, organisation_ids: Iterable[int]) -> Organisation | None:
    ids = set(organisation_ids) & organisations_with_perm(actor, roles.VIEW_REFERRAL)
    return Organisation.objects.filter(pk__in=ids).order_by("pk").first() if ids else None


# --- creating and sending -------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """One recipient the routing proposes for a signal: the organisation, its function, the rule."""

    organisation: Organisation
    function: str
    rule: routing.Rule | None
    fallback: bool
    deadline: routing.Deadline


def proposals(signal: Signal, extra: Mapping[str, Any] | None = None) -> list[Proposal]:
    """The routing's recipients for this signal, each organisation once (first rule wins)."""
    answer = routing.advise(situation_of(signal, extra))
    found: list[Proposal] = []
    for advice in answer.advice:
        for recipient in advice.recipients:
            org = recipient.organisation
            if org is None or org.pk == signal.organisation_id:
                continue
            if any(item.organisation.pk == org.pk for item in found):
                continue
            code = recipient.function.code if recipient.function else ""
            found.append(Proposal(org, code, advice.rule, recipient.fallback, advice.deadline))
    return found


def _sender_organisation(actor: Any, signal: Signal) -> Organisation:
    """The organisation referring: the signal's own, else the actor's coordination centre."""
    if signal.organisation_id in organisations_with_perm(actor, roles.SEND_REFERRAL):
        return signal.organisation
    if actor.has_perm(roles.TRIAGE_SIGNAL, signal) and actor.has_perm(
        roles.MANAGE_REFERRAL, signal
    ):
        centre = directory_selectors.coordination_centre(country=signal.jurisdiction)
        if centre is not None and centre.pk in organisations_with_perm(actor, roles.SEND_REFERRAL):
            return centre
    raise _deny(actor, None, "create")


def _explained_by(actor: Any, sender_org: Organisation, user_id: int | None) -> User | None:
    if user_id is None:
        if getattr(actor, "is_service_account", False):
            # A partner's system acts through a service account, which explains nothing to anyone.
            raise InvalidInput(
                {"explained_by": [_("Name the colleague who explained the consent.")]}
            )
        return actor if isinstance(actor, User) else None
    member = Membership.objects.filter(
        organisation=sender_org, user_id=user_id, is_active=True, user__is_active=True
    ).exists()
    if not member:
        raise InvalidInput({"explained_by": [_("Choose a colleague of your organisation.")]})
    return User.objects.get(pk=user_id)


def referral_create(
    *,
    actor: Any,
    signal_id: int,
    recipient_organisation_id: Any,
    data: Mapping[str, Any],
    send: bool = False,
) -> Referral:
    """Refer a signal to an organisation, as a draft (or sent at once with ``send``).

    ``data`` holds ``rule`` (the routing rule proposing the recipient; empty for a recipient the
    sender chose itself), ``situation`` (nationality, unaccompanied, needs shelter), ``shared``
    (the data categories shared), ``consent`` (see ``validation.clean_consent``) and ``note``.
    """
    # Viewing the signal is enough: a prosecutor refers signals of the office it cannot change.
    signal = access_signal(actor=actor, signal_id=signal_id, action="view", record_read=False)
    sender_org = _sender_organisation(actor, signal)
    errors = FieldErrors()
    situation = clean_situation(dict(data.get("situation") or {}), errors)
    shared = clean_shared(data.get("shared"), errors)
    consent = clean_consent(dict(data.get("consent") or {}), errors)
    note = clean_text(data.get("note"), "note", NOTE_LIMIT, errors, multiline=True)
    try:
        recipient = Organisation.objects.filter(
            pk=int(str(recipient_organisation_id)), is_active=True, country=signal.jurisdiction
        ).first()
    except ValueError:
        recipient = None
    if recipient is None or recipient.pk == sender_org.pk:
        errors.add("recipient", _("Choose an organisation of the signal's country to refer to."))
    rule_id = str(data.get("rule") or "")
    proposal = None
    if recipient is not None and rule_id:
        proposal = next(
            (
                item
                for item in proposals(signal, situation)
                if item.rule is not None
                and item.rule.id == rule_id
                and item.organisation.pk == recipient.pk
            ),
            None,
        )
        if proposal is None:
            errors.add("rule", _("This rule does not propose this organisation for the signal."))
    errors.raise_if_any()
    assert recipient is not None and consent is not None  # noqa: S101 (errors raised above)
    explained_by = (
        _explained_by(actor, sender_org, consent.explained_by_id)
        if consent.basis == ConsentBasis.CONSENT
        else None
    )
    # Acute when the rule says so or the signal is: an acute threat is never given working days.
    rule_is_acute = (
        proposal is not None
        and proposal.rule is not None
        and (proposal.rule.urgency == Urgency.ACUTE)
    )
    urgency = Urgency.ACUTE if rule_is_acute or signal.acute else Urgency.NORMAL
    now = clock.now()
    with transaction.atomic():
        open_states = (ReferralState.DRAFT, ReferralState.SENT, ReferralState.ACCEPTED)
        if Referral.objects.filter(
            signal=signal, recipient_organisation=recipient, state__in=open_states
        ).exists():
            raise InvalidInput(
                {"recipient": [_("This signal already has an open referral to this organisation.")]}
            )
        referral = Referral.objects.create(
            reference=new_reference(
                "R", lambda code: Referral.objects.filter(reference=code).exists()
            ),
            signal=signal,
            jurisdiction=signal.jurisdiction,
            sender_organisation=sender_org,
            sender=actor,
            recipient_organisation=recipient,
            function=proposal.function if proposal else "",
            rule_id=proposal.rule.id if proposal and proposal.rule else "",
            rule_source=proposal.rule.source if proposal and proposal.rule else "",
            urgency=urgency,
            situation=situation,
            responsible_organisation=sender_org,
            responsible_user=actor,
            shared=shared,
            consent_basis=consent.basis,
            consent_given_at=consent.given_at,
            consent_language=consent.language,
            consent_explained_by=explained_by,
            override_ground=consent.ground,
            override_explanation=consent.explanation,
            review_status=(ReviewStatus.PENDING if consent.basis == ConsentBasis.OVERRIDE else ""),
            note=note,
            created_at=now,
            updated_at=now,
        )
        _record(
            referral,
            action="create",
            actor=actor,
            from_state="",
            organisation=sender_org,
            detail={
                "signal": signal.pk,
                "recipient": recipient.pk,
                "rule": referral.rule_id,
                "basis": consent.basis,
                **({"ground": consent.ground} if consent.ground else {}),
                "shared": shared,
            },
        )
        if send:
            referral = referral_send(
                actor=actor, referral_id=referral.pk, expected_version=referral.version
            )
    return referral


def _check(actor: Any, referral: Referral, action: str) -> lifecycle.Transition:
    """The transition, if it is legal from the referral's state and the actor may take it."""
    step = lifecycle.transition(action, referral.state)
    if not step.by & roles_of(actor, referral):
        raise _deny(actor, referral, action)
    return step


def _precheck(actor: Any, referral_id: int, action: str, expected_version: int | None) -> None:
    """Before the transaction: may the actor see the referral and take ``action`` now? A refusal
    is audited here, outside the transaction, so that the rollback does not erase it. A version
    that is no longer current is a conflict, whatever the state has become."""
    from opennrm.referrals.selectors import access_referral

    referral = access_referral(actor=actor, referral_id=referral_id, record_read=False)
    if expected_version is not None and referral.version != expected_version:
        raise ConcurrentEditError
    _check(actor, referral, action)


def _step(
    actor: Any, referral_id: int, expected_version: int | None, action: str
) -> tuple[Referral, lifecycle.Transition, str]:
    """Lock one referral and check ``action`` again on the locked row (inside the transaction;
    ``_precheck`` ran before it)."""
    referral = lock_for_update(Referral, referral_id, expected_version)
    step = _check(actor, referral, action)
    return referral, step, referral.state


def referral_send(*, actor: Any, referral_id: int, expected_version: int) -> Referral:
    """Send a draft: the recipient is notified and has until ``accept_by`` to accept."""
    _precheck(actor, referral_id, "send", expected_version)
    with transaction.atomic():
        referral, step, before = _step(actor, referral_id, expected_version, "send")
        now = clock.now()
        referral.state = str(step.target)
        referral.sent_at = now
        referral.accept_by = deadline_from(
            now, acceptance_deadline(referral.jurisdiction, referral.urgency), referral.jurisdiction
        )
        _save(referral, ["state", "sent_at", "accept_by"])
        _record(
            referral,
            action="send",
            actor=actor,
            from_state=before,
            organisation=referral.sender_organisation,
        )
        intake_services.signal_mark_referred(actor=actor, signal_id=referral.signal_id)
        _notify(
            _members(referral.recipient_organisation_id, roles.RESPOND_REFERRAL),
            "referral_received",
            referral,
            referral.sender_organisation,
        )
        if referral.review_status == ReviewStatus.PENDING:
            centre = directory_selectors.coordination_centre(country=referral.jurisdiction)
            _notify(
                _members(centre.pk if centre else None, roles.MANAGE_REFERRAL),
                "referral_review",
                referral,
                referral.sender_organisation,
            )
    return referral


# --- the recipient's answers ----------------------------------------------------------------------


def referral_accept(*, actor: Any, referral_id: int, expected_version: int) -> Referral:
    """The recipient accepts: it and the accepting person are now responsible."""
    _precheck(actor, referral_id, "accept", expected_version)
    with transaction.atomic():
        referral, step, before = _step(actor, referral_id, expected_version, "accept")
        recipient = referral.recipient_organisation
        referral.state = str(step.target)
        referral.accepted_at = clock.now()
        referral.accept_by = None
        referral.responsible_organisation = recipient
        referral.responsible_user = actor
        _save(
            referral,
            ["state", "accepted_at", "accept_by", "responsible_organisation", "responsible_user"],
        )
        _record(referral, action="accept", actor=actor, from_state=before, organisation=recipient)
        _notify([referral.sender], "referral_accepted", referral, recipient)
    return referral


def next_recipient(referral: Referral) -> Organisation | None:
    """After a decline: the next organisation the routing proposes that has not yet declined or
    been referred to for this signal, else the coordination centre (unless it declined itself)."""
    tried = set(
        Referral.objects.filter(signal_id=referral.signal_id).values_list(
            "recipient_organisation_id", flat=True
        )
    )
    tried |= {referral.recipient_organisation_id, referral.sender_organisation_id}
    situation = {
        key: referral.situation.get(key)
        for key in ("nationality", "unaccompanied", "needs_shelter")
    }
    for proposal in proposals(referral.signal, situation):
        if proposal.organisation.pk not in tried:
            return proposal.organisation
    centre = directory_selectors.coordination_centre(country=referral.jurisdiction)
    if centre is not None and centre.pk not in tried:
        return centre
    return None


def referral_decline(
    *, actor: Any, referral_id: int, expected_version: int, reason: str, note: str = ""
) -> Referral:
    """The recipient declines with a reason: the referral returns to the sender, with the next
    suggested recipient."""
    code, text = clean_decline(reason, note)
    _precheck(actor, referral_id, "decline", expected_version)
    with transaction.atomic():
        referral, step, before = _step(actor, referral_id, expected_version, "decline")
        recipient = referral.recipient_organisation
        referral.state = str(step.target)
        referral.decline_reason = code
        referral.decline_note = text
        referral.closed_at = clock.now()
        referral.accept_by = None
        referral.responsible_organisation = referral.sender_organisation
        referral.responsible_user = referral.sender
        referral.suggested_next = next_recipient(referral)
        _save(
            referral,
            [
                "state",
                "decline_reason",
                "decline_note",
                "closed_at",
                "accept_by",
                "responsible_organisation",
                "responsible_user",
                "suggested_next",
            ],
        )
        _record(
            referral,
            action="decline",
            actor=actor,
            from_state=before,
            organisation=recipient,
            reason=code,
            detail={"suggested_next": referral.suggested_next_id},
        )
        _notify([referral.sender], "referral_declined", referral, recipient)
    return referral


def referral_complete(*, actor: Any, referral_id: int, expected_version: int) -> Referral:
    """The recipient has done what it was asked."""
    _precheck(actor, referral_id, "complete", expected_version)
    with transaction.atomic():
        referral, step, before = _step(actor, referral_id, expected_version, "complete")
        recipient = referral.recipient_organisation
        referral.state = str(step.target)
        referral.closed_at = clock.now()
        referral.responsible_organisation = recipient
        referral.responsible_user = actor
        _save(referral, ["state", "closed_at", "responsible_organisation", "responsible_user"])
        _record(referral, action="complete", actor=actor, from_state=before, organisation=recipient)
        _notify([referral.sender], "referral_completed", referral, recipient)
    return referral


# --- the sender's and the coordinator's actions ---------------------------------------------------


def referral_revoke(
    *, actor: Any, referral_id: int, expected_version: int, reason: str
) -> Referral:
    """The sender (or a coordinator) withdraws a referral; the recipient no longer sees its data."""
    code = clean_revoke(reason)
    _precheck(actor, referral_id, "revoke", expected_version)
    with transaction.atomic():
        referral, step, before = _step(actor, referral_id, expected_version, "revoke")
        acting = _acting_organisation(
            actor, [referral.sender_organisation_id, referral.responsible_organisation_id]
        ) or directory_selectors.coordination_centre(country=referral.jurisdiction)
        referral.state = str(step.target)
        referral.closed_at = clock.now()
        referral.accept_by = None
        referral.responsible_organisation = referral.sender_organisation
        referral.responsible_user = referral.sender
        _save(
            referral,
            ["state", "closed_at", "accept_by", "responsible_organisation", "responsible_user"],
        )
        _record(
            referral,
            action="revoke",
            actor=actor,
            from_state=before,
            organisation=acting,
            reason=code,
        )
        if before != ReferralState.DRAFT and acting is not None:
            _notify(
                _members(referral.recipient_organisation_id, roles.RESPOND_REFERRAL),
                "referral_revoked",
                referral,
                acting,
            )
            if referral.sender_id != getattr(actor, "pk", None):
                _notify([referral.sender], "referral_revoked", referral, acting)
    return referral


def referral_take(*, actor: Any, referral_id: int, expected_version: int) -> Referral:
    """A coordinator takes responsibility for a referral (e.g. one escalated to the centre)."""
    _precheck(actor, referral_id, "take", expected_version)
    with transaction.atomic():
        referral, _step_found, before = _step(actor, referral_id, expected_version, "take")
        centre = directory_selectors.coordination_centre(country=referral.jurisdiction)
        if centre is None:
            raise _deny(actor, referral, "take")
        referral.responsible_organisation = centre
        referral.responsible_user = actor
        _save(referral, ["responsible_organisation", "responsible_user"])
        _record(referral, action="take", actor=actor, from_state=before, organisation=centre)
    return referral


def referral_review(
    *, actor: Any, referral_id: int, expected_version: int, outcome: str
) -> Referral:
    """A coordinator reviews a referral made without consent: the ground is upheld or rejected
    (a rejected ground is reported to the sender, who revokes or records consent)."""
    code = clean_review(outcome)
    _precheck(actor, referral_id, "review", expected_version)
    with transaction.atomic():
        referral, _step_found, before = _step(actor, referral_id, expected_version, "review")
        if referral.review_status != ReviewStatus.PENDING:
            raise InvalidInput({"outcome": [_("This referral is not waiting for a review.")]})
        centre = directory_selectors.coordination_centre(country=referral.jurisdiction)
        referral.review_status = code
        referral.reviewed_by = actor
        referral.reviewed_at = clock.now()
        _save(referral, ["review_status", "reviewed_by", "reviewed_at"])
        _record(
            referral,
            action="review",
            actor=actor,
            from_state=before,
            organisation=centre,
            reason=code,
        )
        if code == ReviewStatus.REJECTED and centre is not None:
            _notify([referral.sender], "referral_review_rejected", referral, centre)
    return referral


# --- the escalation job -------------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationRun:
    due: int
    escalated: list[int]


def _centre_of(
    country: str, known: dict[str, tuple[Organisation | None, list[User]]]
) -> tuple[Organisation | None, list[User]]:
    """The country's coordination centre and its coordinators (the first is on duty), looked up
    once per country and run."""
    if country not in known:
        centre = directory_selectors.coordination_centre(country=country)
        known[country] = (centre, _members(centre.pk if centre else None, roles.MANAGE_REFERRAL))
    return known[country]


def escalate_overdue(*, limit: int = 500, label: str = "escalation-job") -> EscalationRun:
    """Escalate every sent referral not accepted by its deadline, once.

    Each one is claimed with a conditional update (``escalated_at IS NULL`` and still ``sent``):
    of two jobs running at once, only one claims a referral, and a second run finds nothing, so the
    sender and the coordinators are notified exactly once. The coordination centre becomes
    responsible, through its first coordinator until one takes the referral over.
    """
    now = clock.now()
    due = list(
        Referral.objects.filter(
            state=ReferralState.SENT, escalated_at__isnull=True, accept_by__lte=now
        )
        .order_by("accept_by", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    escalated: list[int] = []
    system = SystemActor(label)
    centres: dict[str, tuple[Organisation | None, list[User]]] = {}
    for referral_id in due:
        with transaction.atomic():
            claimed = Referral.objects.filter(
                pk=referral_id,
                state=ReferralState.SENT,
                escalated_at__isnull=True,
                accept_by__lte=now,
            ).update(escalated_at=now)
            if claimed != 1:
                continue  # another run claimed it, or it was accepted meanwhile
            referral = (
                Referral.objects.select_for_update()
                .select_related("recipient_organisation", "sender")
                .get(pk=referral_id)
            )
            centre, coordinators = _centre_of(referral.jurisdiction, centres)
            already = centre is not None and referral.responsible_organisation_id == centre.pk
            duty = None if already or not coordinators else coordinators[0]
            if centre is not None and duty is not None:
                # A coordinator who already took it over (or sent it) stays responsible.
                referral.responsible_organisation = centre
                referral.responsible_user = duty
            _save(referral, ["responsible_organisation", "responsible_user"])
            _record(
                referral,
                action="escalate",
                actor=system,
                from_state=referral.state,
                organisation=centre,
                detail={"overdue_minutes": int((now - referral.accept_by).total_seconds() // 60)}
                if referral.accept_by
                else None,
            )
            _notify(
                [referral.sender, *coordinators],
                "referral_escalated",
                referral,
                referral.recipient_organisation,
            )
            escalated.append(referral_id)
    return EscalationRun(len(due), escalated)
