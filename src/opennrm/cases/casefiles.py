"""Writes of case files (DESIGN rule 1): one service per use case, one transaction each.

Each service checks the actor through ``access_case`` (or ``ADD_CASE`` on the organisation for a
new case) before its transaction, so that a refusal is audited even though the service raises; a
version that is no longer current is a conflict (``ConcurrentEditError``), checked again on the
locked row. Every change writes a ``CaseTransition`` row and an audit event naming what changed,
never a value.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opennrm.cases import deadlines, phases
from opennrm.cases.case_selectors import OBJECT_TYPE, access_case, parts_of
from opennrm.cases.models import (
    CaseFile,
    CaseTransition,
    ClosureReason,
    IdentificationStatus,
    Phase,
)
from opennrm.cases.selectors import access_person
from opennrm.core import audit, clock
from opennrm.core.dates import clean_date
from opennrm.core.errors import ConcurrentEditError, InvalidInput, PermissionDeniedError
from opennrm.core.locks import lock_for_update
from opennrm.core.models import AuditAction
from opennrm.core.references import new_reference
from opennrm.core.validation import FieldErrors, clean_choice, clean_text
from opennrm.directory import notifications, roles
from opennrm.directory.backends import is_signed_in, organisations_with_perm
from opennrm.directory.models import Organisation, User
from opennrm.directory.selectors import users_with_perm

NOTE_MAX = 4000

notifications.register(
    "case_closure_requested",
    gettext_lazy(
        "Closure of case %(reference)s was requested by %(organisation)s: approve or reject it"
    ),
)
notifications.register(
    "case_no_guardian_review",
    gettext_lazy(
        "Case %(reference)s (%(organisation)s): an unaccompanied minor has no guardian yet; "
        "review the reason"
    ),
)


def coordinators_of(country: str) -> list[User]:
    """The active coordinators of a country (MANAGE_CASE at one of its organisations)."""
    return users_with_perm(roles.MANAGE_CASE, country=country)


def notify_coordinators(case: CaseFile, kind: str) -> None:
    """Tell the country's coordinators that a case waits for them (inside the transaction)."""
    users = coordinators_of(case.jurisdiction)
    if users:
        notifications.notify(
            users=users,
            kind=kind,
            reference=case.reference,
            organisation_name=case.lead_organisation.name,
            link=reverse("cases:case", args=[case.pk]),
        )


def _deny(actor: Any, organisation_id: int | None, case_id: object, action: str) -> Exception:
    audit.record(
        action=AuditAction.DENIED,
        actor=actor,
        organisation_id=organisation_id,
        object_type=OBJECT_TYPE,
        object_id=case_id if case_id is not None else "",
        detail={"action": action},
    )
    return PermissionDeniedError()


def acting_organisation(actor: Any, case: CaseFile) -> Organisation | None:
    """The organisation in whose name the actor acts on this case (for the transition row)."""
    ids = organisations_with_perm(actor, roles.CHANGE_CASE) | organisations_with_perm(
        actor, roles.MANAGE_CASE
    )
    preferred = [case.lead_organisation_id, case.guardian_organisation_id]
    for org_id in preferred:
        if org_id in ids:
            return Organisation.objects.get(pk=org_id)
    return Organisation.objects.filter(pk__in=ids, country=case.jurisdiction).order_by("pk").first()


def record(
    case: CaseFile,
    *,
    action: str,
    actor: Any,
    from_phase: str,
    reason: str = "",
    details: dict[str, Any] | None = None,
    fields: list[str] | None = None,
) -> None:
    """The transition row and the audit event of one step (inside the transaction)."""
    organisation = acting_organisation(actor, case) if getattr(actor, "pk", None) else None
    CaseTransition.objects.create(
        case=case,
        action=action,
        from_phase=from_phase,
        to_phase=case.phase,
        actor=actor if getattr(actor, "pk", None) else None,
        organisation=organisation,
        reason=reason,
        details=details or {},
        occurred_at=clock.now(),
    )
    audit.record(
        action=AuditAction.CREATE if action == "open" else AuditAction.UPDATE,
        actor=actor,
        organisation_id=case.lead_organisation_id,
        object_type=OBJECT_TYPE,
        object_id=case.pk,
        detail={"action": action, **({"fields": fields} if fields else {})},
    )


def save(case: CaseFile, fields: list[str]) -> None:
    case.version += 1
    case.updated_at = clock.now()
    case.save(update_fields=[*fields, "version", "updated_at"])


def _precheck(actor: Any, case_id: int, action: str, expected_version: int | None) -> CaseFile:
    """Before the transaction: may the actor see the case and take ``action`` now? A refusal is
    audited here, outside the transaction, so that the rollback does not erase it."""
    case = access_case(actor=actor, case_id=case_id, record_read=False)
    if expected_version is not None and case.version != expected_version:
        raise ConcurrentEditError
    try:
        phases.check(action, case.phase, parts_of(actor, case))
    except PermissionDeniedError:
        raise _deny(actor, case.lead_organisation_id, case.pk, action) from None
    return case


def _lock(
    actor: Any, case_id: int, expected_version: int | None, action: str
) -> tuple[CaseFile, phases.Transition, str]:
    case = lock_for_update(CaseFile, case_id, expected_version)
    step = phases.check(action, case.phase, parts_of(actor, case))
    return case, step, case.phase


def _member_with(user_id: object, organisation_id: int, perm: str, field: str) -> User:
    """The active user ``user_id`` if they hold ``perm`` in the organisation, else an error."""
    try:
        pk = int(str(user_id))
    except ValueError:
        raise InvalidInput({field: [_("Choose a person from the list.")]}) from None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or organisation_id not in organisations_with_perm(user, perm):
        raise InvalidInput({field: [_("Choose a person of that organisation who works on cases.")]})
    return user


# --- opening


def case_open(
    *,
    actor: Any,
    organisation_id: int,
    person_id: object,
    owner_id: object | None = None,
    referral_id: object | None = None,
    unaccompanied_minor: bool = False,
) -> CaseFile:
    """Open a case file for a person of the organisation, directly or from an accepted referral.

    The organisation leads; the owner (default: the actor) must work on cases there.
    """
    from opennrm.referrals.models import ReferralState
    from opennrm.referrals.selectors import access_referral

    if (
        not is_signed_in(actor)
        or not isinstance(organisation_id, int)
        or organisation_id not in organisations_with_perm(actor, roles.ADD_CASE)
    ):
        raise _deny(
            actor, organisation_id if isinstance(organisation_id, int) else None, None, "open"
        )
    organisation = Organisation.objects.get(pk=organisation_id)
    person = access_person(actor=actor, person_id=person_id, action="view", record_read=False)
    if person.organisation_id != organisation_id:
        raise InvalidInput({"person": [_("Choose a person registered by this organisation.")]})
    owner = _member_with(
        owner_id if owner_id not in (None, "") else actor.pk,
        organisation_id,
        roles.CHANGE_CASE,
        "owner",
    )
    referral = None
    if referral_id not in (None, ""):
        referral = access_referral(actor=actor, referral_id=referral_id, record_read=False)
        if (
            referral.state != ReferralState.ACCEPTED
            or referral.recipient_organisation_id != organisation_id
        ):
            raise InvalidInput(
                {"referral": [_("A case is opened from a referral this organisation accepted.")]}
            )
        # One case file per referral, wherever it went since (transfers included).
        if CaseFile.objects.filter(referral=referral).exists():
            raise InvalidInput({"referral": [_("A case file was already opened from it.")]})
    with transaction.atomic():
        now = clock.now()
        case = CaseFile.objects.create(
            reference=new_reference(
                "C", lambda ref: CaseFile.objects.filter(reference=ref).exists()
            ),
            person=person,
            jurisdiction=organisation.country,
            lead_organisation=organisation,
            owner=owner,
            phase=Phase.OPENING,
            referral=referral,
            unaccompanied_minor=bool(unaccompanied_minor),
            opened_at=now,
            updated_at=now,
        )
        record(
            case,
            action="open",
            actor=actor,
            from_phase="",
            details={"referral": referral.pk} if referral else None,
        )
        deadlines.sync_birthday_deadlines(case)
    return case


# --- the phases


def _guardian_ok(case: CaseFile) -> bool:
    if not case.unaccompanied_minor:
        return True
    if case.guardian_organisation_id and case.guardian_id:
        return True
    return bool(case.no_guardian_reason) and case.no_guardian_reviewed_at is not None


def case_step(
    *,
    actor: Any,
    case_id: int,
    expected_version: int,
    action: str,
    reason: str = "",
    note: str = "",
) -> CaseFile:
    """Move the case through its phases (``phases.PHASE_ACTIONS``).

    * ``advance``: an unaccompanied minor needs a guardian (organisation and person), or a recorded
      reason for not having one that a coordinator has reviewed;
    * ``request_closure`` needs a closure reason (``ClosureReason``) and, for "other", a note;
    * ``approve_closure`` / ``reject_closure`` are a coordinator's.
    """
    if action not in phases.PHASE_ACTIONS:
        raise phases.IllegalTransition(action)
    _precheck(actor, case_id, action, expected_version)
    errors = FieldErrors()
    cleaned_reason = ""
    cleaned_note = clean_text(note, "note", NOTE_MAX, errors, multiline=True)
    if action == "request_closure":
        cleaned_reason = clean_choice(
            reason,
            "reason",
            ClosureReason.values,
            errors,
            _("Choose a reason for closing."),
            required=True,
        )
        if cleaned_reason == ClosureReason.OTHER and not cleaned_note:
            errors.add("note", _("Explain the reason for closing."))
    errors.raise_if_any()
    with transaction.atomic():
        case, step, before = _lock(actor, case_id, expected_version, action)
        if action == "advance" and not _guardian_ok(case):
            raise InvalidInput(
                {
                    "guardian": [
                        _(
                            "An unaccompanied minor cannot leave the opening phase without a "
                            "guardian (organisation and person) or a reviewed reason."
                        )
                    ]
                }
            )
        case.phase = str(step.target)
        fields = ["phase"]
        if action == "request_closure":
            case.closure_reason = cleaned_reason
            case.closure_note = cleaned_note
            fields += ["closure_reason", "closure_note"]
        elif action == "approve_closure":
            case.closed_at = clock.now()
            fields.append("closed_at")
            deadlines.cancel_open(case)
        elif action in ("reopen", "reject_closure"):
            case.closed_at = None
            fields.append("closed_at")
        save(case, fields)
        record(case, action=action, actor=actor, from_phase=before, reason=cleaned_reason)
        if action == "reopen":
            deadlines.sync_birthday_deadlines(case)
            from opennrm.cases.protection import reopen_deadlines  # protection imports this module

            reopen_deadlines(case)
        if action == "request_closure":
            notify_coordinators(case, "case_closure_requested")
    return case


# --- ownership


def case_transfer(
    *,
    actor: Any,
    case_id: int,
    expected_version: int,
    organisation_id: object,
    owner_id: object,
) -> CaseFile:
    """Give the case to another lead organisation of the same country and a named owner there (or
    to another owner in the same organisation). Cross-border transfer waits for the sharing rules.
    """
    case = _precheck(actor, case_id, "transfer", expected_version)
    try:
        org_pk = int(str(organisation_id))
    except ValueError:
        raise InvalidInput({"organisation": [_("Choose an organisation.")]}) from None
    target = Organisation.objects.filter(pk=org_pk, is_active=True).first()
    if target is None or target.country != case.jurisdiction:
        raise InvalidInput({"organisation": [_("Choose an organisation of the case's country.")]})
    owner = _member_with(owner_id, target.pk, roles.CHANGE_CASE, "owner")
    with transaction.atomic():
        case, _step, before = _lock(actor, case_id, expected_version, "transfer")
        details = {
            "from_organisation": case.lead_organisation_id,
            "to_organisation": target.pk,
            "from_owner": case.owner_id,
            "to_owner": owner.pk,
        }
        case.lead_organisation = target
        case.owner = owner
        save(case, ["lead_organisation", "owner"])
        # Tasks owned by someone who does not work at the new lead organisation go to the new
        # case owner: nobody keeps a duty (and its text) on a case they can no longer open.
        deadlines.reassign_outsiders(case)
        record(case, action="transfer", actor=actor, from_phase=before, details=details)
    return case


# --- the team: guardian and police contact


def _team_member(
    organisation_id: object, user_id: object, field: str, kinds: tuple[str, ...], country: str
) -> tuple[Organisation | None, User | None]:
    if organisation_id in (None, ""):
        if user_id not in (None, ""):
            raise InvalidInput({field: [_("Choose the organisation first.")]})
        return None, None
    try:
        org_pk = int(str(organisation_id))
    except ValueError:
        raise InvalidInput({field: [_("Choose an organisation.")]}) from None
    organisation = Organisation.objects.filter(
        pk=org_pk, is_active=True, kind__in=kinds, country=country
    ).first()
    if organisation is None:
        raise InvalidInput(
            {field: [_("Choose an organisation of the right kind in the case's country.")]}
        )
    if user_id in (None, ""):
        return organisation, None
    return organisation, _member_with(user_id, organisation.pk, roles.VIEW_CASE, field + "_person")


GUARDIAN_KINDS = ("guardianship", "child_protection")
POLICE_KINDS = ("police", "border_police")


def case_set_team(
    *,
    actor: Any,
    case_id: int,
    expected_version: int,
    unaccompanied_minor: bool,
    guardian_organisation_id: object = None,
    guardian_id: object = None,
    guardian_appointed_on: object = None,
    police_organisation_id: object = None,
    police_contact_id: object = None,
) -> CaseFile:
    """Record whether the person is an unaccompanied minor, the guardian (organisation and named
    person, from the guardianship or child-protection organisations of the country) and the police
    contact. Both organisations join the case team: they may open the case file."""
    case = _precheck(actor, case_id, "team", expected_version)
    guardian_org, guardian = _team_member(
        guardian_organisation_id, guardian_id, "guardian", GUARDIAN_KINDS, case.jurisdiction
    )
    police_org, police = _team_member(
        police_organisation_id, police_contact_id, "police", POLICE_KINDS, case.jurisdiction
    )
    errors = FieldErrors()
    appointed = clean_date(
        guardian_appointed_on, "guardian_appointed_on", errors, latest=clock.now().date()
    )
    errors.raise_if_any()
    values = {
        "unaccompanied_minor": bool(unaccompanied_minor),
        "guardian_organisation": guardian_org,
        "guardian": guardian,
        "guardian_appointed_on": appointed if guardian is not None else None,
        "police_organisation": police_org,
        "police_contact": police,
    }
    with transaction.atomic():
        case, _step, before = _lock(actor, case_id, expected_version, "team")
        changed = [name for name, value in values.items() if getattr(case, name) != value]
        if not changed:
            return case
        for name in changed:
            setattr(case, name, values[name])
        save(case, changed)
        record(case, action="team", actor=actor, from_phase=before, fields=changed)
    return case


def case_no_guardian_reason(
    *, actor: Any, case_id: int, expected_version: int, reason: str
) -> CaseFile:
    """Record why an unaccompanied minor has no guardian yet; a coordinator must review it before
    the case may leave the opening phase (a new reason needs a new review)."""
    case = _precheck(actor, case_id, "no_guardian_reason", expected_version)
    errors = FieldErrors()
    text = clean_text(reason, "reason", NOTE_MAX, errors, multiline=True)
    if not text:
        errors.add("reason", _("Explain why there is no guardian yet."))
    if not case.unaccompanied_minor:
        errors.add("reason", _("Only an unaccompanied minor needs a guardian."))
    errors.raise_if_any()
    with transaction.atomic():
        case, _step, before = _lock(actor, case_id, expected_version, "no_guardian_reason")
        case.no_guardian_reason = text
        case.no_guardian_reviewed_at = None
        case.no_guardian_reviewed_by = None
        save(case, ["no_guardian_reason", "no_guardian_reviewed_at", "no_guardian_reviewed_by"])
        record(case, action="no_guardian_reason", actor=actor, from_phase=before)
        notify_coordinators(case, "case_no_guardian_review")
    return case


def case_review_no_guardian(*, actor: Any, case_id: int, expected_version: int) -> CaseFile:
    """A coordinator accepts the recorded reason for the missing guardian."""
    case = _precheck(actor, case_id, "review_no_guardian", expected_version)
    if not case.no_guardian_reason:
        raise InvalidInput({"reason": [_("No reason has been recorded to review.")]})
    with transaction.atomic():
        case, _step, before = _lock(actor, case_id, expected_version, "review_no_guardian")
        case.no_guardian_reviewed_at = clock.now()
        case.no_guardian_reviewed_by = actor
        save(case, ["no_guardian_reviewed_at", "no_guardian_reviewed_by"])
        record(case, action="review_no_guardian", actor=actor, from_phase=before)
    return case


# --- identification


def case_set_identification(
    *,
    actor: Any,
    case_id: int,
    expected_version: int,
    status: str,
    decided_by_id: object = None,
    decided_on: object = None,
) -> CaseFile:
    """Potential, presumed or identified victim; presumed and identified name the deciding
    organisation and date (Eurostat counts identified and presumed victims separately)."""
    case = _precheck(actor, case_id, "identification", expected_version)
    errors = FieldErrors()
    cleaned = clean_choice(
        status,
        "status",
        IdentificationStatus.values,
        errors,
        _("Choose an identification status."),
        required=True,
    )
    day = clean_date(
        decided_on,
        "decided_on",
        errors,
        required=cleaned != "potential",
        latest=clock.now().date(),
    )
    decider = None
    if cleaned and cleaned != IdentificationStatus.POTENTIAL:
        try:
            decider = Organisation.objects.filter(
                pk=int(str(decided_by_id)), is_active=True
            ).first()
        except ValueError:
            decider = None
        if decider is None:
            errors.add("decided_by", _("Choose the organisation that decided."))
    errors.raise_if_any()
    values = {
        "identification_status": cleaned,
        "identification_decided_by": decider,
        "identification_decided_on": day if decider is not None else None,
    }
    with transaction.atomic():
        case, _step, before = _lock(actor, case_id, expected_version, "identification")
        changed = [name for name, value in values.items() if getattr(case, name) != value]
        if not changed:
            return case
        for name in changed:
            setattr(case, name, values[name])
        save(case, changed)
        record(case, action="identification", actor=actor, from_phase=before, fields=changed)
    return case
