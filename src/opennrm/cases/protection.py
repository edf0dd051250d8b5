"""Writes of a case's protection procedure: start it, record its next step, renew a permit.

The rules (states, transitions, durations, renewals, source lines) come from the jurisdiction
file (``procedures``); these services only interpret them. Each step stores the state's start
date and its computed end, renewal or milestone date on ``ProtectionProcedure.due_on`` (indexed),
writes a ``ProcedureTransition`` row, closes the previous state's deadline and opens the next.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from opennrm.cases import procedures
from opennrm.cases.case_selectors import OBJECT_TYPE, access_case, may_change
from opennrm.cases.casefiles import acting_organisation
from opennrm.cases.deadlines import reminder_date
from opennrm.cases.models import (
    CaseFile,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    ProcedureTransition,
    ProtectionProcedure,
)
from opennrm.core import audit, clock
from opennrm.core.dates import clean_date
from opennrm.core.errors import (
    ConcurrentEditError,
    InvalidInput,
    NotFoundOrForbidden,
    PermissionDeniedError,
)
from opennrm.core.locks import lock_for_update
from opennrm.core.models import AuditAction
from opennrm.core.validation import FieldErrors


def _case_for_change(actor: Any, case_id: int, action: str) -> CaseFile:
    case = access_case(actor=actor, case_id=case_id, record_read=False)
    if not may_change(actor, case):
        audit.record(
            action=AuditAction.DENIED,
            actor=actor,
            organisation_id=case.lead_organisation_id,
            object_type=OBJECT_TYPE,
            object_id=case.pk,
            detail={"action": action},
        )
        raise PermissionDeniedError
    if not case.is_open:
        raise InvalidInput({"procedure": [_("The case is closed: reopen it first.")]})
    return case


def _effective(value: Any, errors: FieldErrors, earliest: date | None) -> date | None:
    """The day a step took effect: today when not given; never in the future, never before
    the current state began."""
    if value in (None, ""):
        return clock.now().date()
    return clean_date(
        value,
        "effective_on",
        errors,
        earliest=earliest,
        latest=clock.now().date(),
        too_early=_("The date cannot be before the current state began."),
    )


def _open_deadline(case: CaseFile, row: ProtectionProcedure, rule: procedures.Procedure) -> None:
    """Close the deadline of the previous state; open one for the current state's date."""
    Deadline.objects.filter(procedure=row, status=DeadlineStatus.OPEN).update(
        status=DeadlineStatus.DONE, done_at=clock.now()
    )
    if row.due_on is None:
        return
    state = rule.state(row.state)
    label = state.milestone_name if row.due_kind == "milestone" else state.name
    Deadline.objects.create(
        case=case,
        kind=DeadlineKind.PROCEDURE,
        due_on=row.due_on,
        remind_on=reminder_date(row.due_on, rule.remind_before),
        procedure=row,
        label=label[:200],
        source=state.source,
        created_at=clock.now(),
    )


def _record(
    row: ProtectionProcedure,
    *,
    actor: Any,
    action: str,
    from_state: str,
    effective_on: date,
    source: str,
) -> None:
    case = row.case
    ProcedureTransition.objects.create(
        procedure=row,
        action=action,
        from_state=from_state,
        to_state=row.state,
        effective_on=effective_on,
        due_on=row.due_on,
        source=source,
        actor=actor,
        organisation=acting_organisation(actor, case),
        occurred_at=clock.now(),
    )
    audit.record(
        action=AuditAction.UPDATE,
        actor=actor,
        organisation_id=case.lead_organisation_id,
        object_type=OBJECT_TYPE,
        object_id=case.pk,
        detail={"action": f"procedure:{action}", "procedure": row.procedure},
    )


def _apply_state(
    row: ProtectionProcedure, rule: procedures.Procedure, state_code: str, started_on: date
) -> None:
    state = rule.state(state_code)
    row.state = state.code
    row.started_on = started_on
    row.due_on, row.due_kind = rule.due_date(state, started_on)
    row.final = state.final


def procedure_start(
    *, actor: Any, case_id: int, procedure: str, state: str, effective_on: Any = None
) -> ProtectionProcedure:
    """Start the jurisdiction's procedure ``procedure`` (its key, e.g. ``BE/residence``) in one of
    its start states, from ``effective_on`` (default today)."""
    case = _case_for_change(actor, case_id, "procedure:start")
    errors = FieldErrors()
    rule = procedures.get(procedure)
    if rule is None or rule.country != case.jurisdiction:
        errors.add("procedure", _("Choose a procedure of the case's country."))
    elif state not in rule.start:
        errors.add("state", _("Choose the state the procedure starts in."))
    day = _effective(effective_on, errors, None)
    errors.raise_if_any()
    assert rule is not None and day is not None  # noqa: S101 (errors raised above)
    with transaction.atomic():
        lock_for_update(CaseFile, case.pk)
        if ProtectionProcedure.objects.filter(case=case, procedure=rule.key).exists():
            raise InvalidInput({"procedure": [_("This procedure has already started.")]})
        now = clock.now()
        row = ProtectionProcedure(case=case, procedure=rule.key, created_at=now, updated_at=now)
        _apply_state(row, rule, state, day)
        row.save(force_insert=True)
        _record(
            row,
            actor=actor,
            action="start",
            from_state="",
            effective_on=day,
            source=rule.state(state).source,
        )
        _open_deadline(case, row, rule)
    return row


def _locked(
    actor: Any, case_id: int, procedure_id: object, expected_version: int, action: str
) -> tuple[CaseFile, procedures.Procedure, ProtectionProcedure]:
    case = _case_for_change(actor, case_id, f"procedure:{action}")
    try:
        pk = int(str(procedure_id))
    except ValueError:
        raise NotFoundOrForbidden from None
    found = ProtectionProcedure.objects.filter(pk=pk, case=case).first()
    if found is None:
        raise NotFoundOrForbidden
    if found.version != expected_version:
        raise ConcurrentEditError
    rule = procedures.get(found.procedure)
    if rule is None or not any(state.code == found.state for state in rule.states):
        raise InvalidInput(
            {"procedure": [_("This procedure or its current state is no longer in the rules.")]}
        )
    return case, rule, found


def procedure_step(
    *,
    actor: Any,
    case_id: int,
    procedure_id: object,
    expected_version: int,
    transition: str,
    effective_on: Any = None,
) -> ProtectionProcedure:
    """Record the procedure's next step (a transition of the rules) as of ``effective_on``: the
    new state starts that day and its end, renewal or milestone date follows from the rules."""
    case, rule, found = _locked(actor, case_id, procedure_id, expected_version, transition)
    errors = FieldErrors()
    try:
        step = rule.transition(transition)
    except KeyError:
        step = None
    if step is None or found.state not in step.sources:
        errors.add("transition", _("This step is not possible from the current state."))
    day = _effective(effective_on, errors, found.started_on)
    errors.raise_if_any()
    assert step is not None and day is not None  # noqa: S101 (errors raised above)
    with transaction.atomic():
        row = lock_for_update(ProtectionProcedure, found.pk, expected_version)
        before = row.state
        _apply_state(row, rule, step.target, day)
        row.renewals_used = 0
        row.version += 1
        row.updated_at = clock.now()
        row.save()
        _record(
            row,
            actor=actor,
            action=step.code,
            from_state=before,
            effective_on=day,
            source=step.source,
        )
        _open_deadline(case, row, rule)
    return row


def procedure_renew(
    *, actor: Any, case_id: int, procedure_id: object, expected_version: int
) -> ProtectionProcedure:
    """Renew the current permit: the renewed period runs from the old end date for the state's
    duration, as often as the rules allow."""
    case, rule, found = _locked(actor, case_id, procedure_id, expected_version, "renew")
    state = rule.state(found.state)
    if not state.may_renew(found.renewals_used) or found.due_on is None:
        raise InvalidInput({"procedure": [_("This state cannot be renewed (again).")]})
    with transaction.atomic():
        row = lock_for_update(ProtectionProcedure, found.pk, expected_version)
        start = row.due_on
        assert start is not None  # noqa: S101 (checked above, row locked and unchanged)
        _apply_state(row, rule, row.state, start)
        row.renewals_used += 1
        row.version += 1
        row.updated_at = clock.now()
        row.save()
        _record(
            row,
            actor=actor,
            action="renew",
            from_state=row.state,
            effective_on=start,
            source=state.source,
        )
        _open_deadline(case, row, rule)
    return row


def reopen_deadlines(case: CaseFile) -> None:
    """After a case is reopened: the current date of each running procedure is a deadline again
    (closing cancelled it)."""
    for row in case.procedures.filter(final=False, due_on__isnull=False):
        rule = procedures.get(row.procedure)
        if rule is None or not any(state.code == row.state for state in rule.states):
            continue
        if not Deadline.objects.filter(procedure=row, status=DeadlineStatus.OPEN).exists():
            _open_deadline(case, row, rule)


def options(row: ProtectionProcedure) -> dict[str, Any]:
    """What the case page offers for a procedure: its rule, state, next steps and renewal."""
    rule = procedures.get(row.procedure)
    if rule is None or not any(state.code == row.state for state in rule.states):
        return {"rule": None}
    state = rule.state(row.state)
    return {
        "rule": rule,
        "state": state,
        "steps": rule.transitions_from(row.state),
        "may_renew": state.may_renew(row.renewals_used) and row.due_on is not None,
        "renewals_left": None
        if state.renewals == procedures.UNLIMITED
        else max(state.renewals - row.renewals_used, 0),
    }
