"""Deadlines and tasks of case files, and the reminder job.

A ``Deadline`` is one dated duty: the end, renewal or milestone date of a protection procedure's
state (written by ``protection``), a minor's 18th birthday and the transition plan due before it
(written here from the person's date of birth), or a task someone set. The due date and the
reminder date are stored and indexed; ``send_reminders`` claims each due reminder with a
conditional update (so two runs never remind twice) and puts it in the owner's inbox.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opennrm.cases import phases
from opennrm.cases.case_selectors import access_case, parts_of
from opennrm.cases.models import CaseFile, Deadline, DeadlineKind, DeadlineStatus
from opennrm.cases.procedures import case_deadline_rules
from opennrm.core import audit, calendars, clock
from opennrm.core import jurisdictions as jurisdiction_rules
from opennrm.core.dates import clean_date
from opennrm.core.errors import (
    ConcurrentEditError,
    InvalidInput,
    NotFoundOrForbidden,
    PermissionDeniedError,
)
from opennrm.core.locks import lock_for_update
from opennrm.core.models import AuditAction
from opennrm.core.validation import FieldErrors, clean_text
from opennrm.directory import notifications, roles
from opennrm.directory.backends import organisations_with_perm
from opennrm.directory.models import User
from opennrm.directory.selectors import users_with_perm

logger = logging.getLogger(__name__)
OBJECT_TYPE = "deadline"
TITLE_MAX = 300
BIRTHDAY_KINDS = (DeadlineKind.MAJORITY, DeadlineKind.TRANSITION_PLAN)

notifications.register(
    "deadline_reminder",
    gettext_lazy("A deadline of case %(reference)s (%(organisation)s) is coming up"),
)


def local_today(case: CaseFile, now: datetime) -> date:
    """The date in the case's country at ``now`` (its jurisdiction's time zone)."""
    rule = jurisdiction_rules.get(case.jurisdiction)
    return now.astimezone(ZoneInfo(rule.time_zone if rule else "UTC")).date()


def reminder_date(due_on: date, days_before: int) -> date:
    return due_on - timedelta(days=days_before)


def majority_date(date_of_birth: date, age: int) -> date:
    """The birthday on which a person born on ``date_of_birth`` turns ``age`` (29 February: the
    28th in a year without it)."""
    return calendars.add_months(date_of_birth, 12 * age)


def _set_deadline(case: CaseFile, kind: str, due_on: date | None, source: str) -> None:
    """Keep exactly one open deadline of ``kind`` on the case, due on ``due_on`` (or none)."""
    rules = case_deadline_rules(case.jurisdiction)
    current = list(case.deadlines.filter(kind=kind, status=DeadlineStatus.OPEN))
    keep = next((row for row in current if row.due_on == due_on), None)
    for row in current:
        if row is not keep:
            row.status = DeadlineStatus.CANCELLED
            row.version += 1
            row.save(update_fields=["status", "version"])
    if due_on is not None and keep is None:
        Deadline.objects.create(
            case=case,
            kind=kind,
            due_on=due_on,
            remind_on=reminder_date(due_on, rules.remind_days),
            source=source,
            created_at=clock.now(),
        )


def sync_birthday_deadlines(case: CaseFile) -> None:
    """The 18th birthday and the transition plan due before it, for a minor with an open case
    (inside the caller's transaction). Without a date of birth, or for an adult, none."""
    rules = case_deadline_rules(case.jurisdiction)
    birth = case.person.date_of_birth
    majority = majority_date(birth, rules.age_of_majority) if birth else None
    if majority is None or majority <= clock.now().date() or not case.is_open:
        majority = None
    plan = majority - timedelta(days=rules.transition_plan_days) if majority else None
    _set_deadline(case, DeadlineKind.MAJORITY, majority, rules.age_source)
    _set_deadline(case, DeadlineKind.TRANSITION_PLAN, plan, rules.transition_plan_source)


def sync_person(person_id: int) -> None:
    """After a date of birth changed: the birthday deadlines of the person's open cases."""
    for case in CaseFile.objects.filter(person_id=person_id).exclude(phase="closed"):
        sync_birthday_deadlines(case)


def reassign_outsiders(case: CaseFile) -> None:
    """Open deadlines owned by someone without ``CHANGE_CASE`` at the lead organisation fall
    back to the case owner (after a transfer, or when someone left the organisation)."""
    rows = case.deadlines.filter(status=DeadlineStatus.OPEN, owner__isnull=False)
    for row in rows.select_related("owner"):
        assert row.owner is not None  # noqa: S101 (filtered above)
        if case.lead_organisation_id not in organisations_with_perm(row.owner, roles.CHANGE_CASE):
            row.owner = None
            row.version += 1
            row.save(update_fields=["owner", "version"])


def recipients_of(deadline: Deadline) -> list[User]:
    """Who is reminded: the deadline's owner, else the case owner, else (both gone) everyone who
    works on cases at the lead organisation. A reminder is never sent into the void."""
    case = deadline.case
    for user in (deadline.owner, case.owner):
        if user is not None and user.is_active:
            return [user]
    return users_with_perm(roles.CHANGE_CASE, organisation_id=case.lead_organisation_id)


def cancel_open(case: CaseFile) -> None:
    """A closed case has no open duties left (its history keeps them, cancelled)."""
    case.deadlines.filter(status=DeadlineStatus.OPEN).update(status=DeadlineStatus.CANCELLED)


# --- tasks ------------------------------------------------------------------------------------


def task_add(
    *, actor: Any, case_id: int, title: str, due_on: Any, owner_id: object = None
) -> Deadline:
    """A task on the case with an owner (default: the case owner) and a due date."""
    case = access_case(actor=actor, case_id=case_id, action="change", record_read=False)
    if not case.is_open:
        raise InvalidInput({"title": [_("A closed case takes no new tasks.")]})
    errors = FieldErrors()
    text = clean_text(title, "title", TITLE_MAX, errors, multiline=False)
    if not text and "title" not in errors.errors:
        errors.add("title", _("Describe the task."))
    day = clean_date(
        due_on,
        "due_on",
        errors,
        required=True,
        earliest=clock.now().date(),
        too_early=_("The date cannot be in the past."),
    )
    owner = None
    if owner_id not in (None, ""):
        try:
            owner = User.objects.filter(pk=int(str(owner_id)), is_active=True).first()
        except ValueError:
            owner = None
        if owner is None or case.lead_organisation_id not in organisations_with_perm(
            owner, roles.CHANGE_CASE
        ):
            errors.add("owner", _("Choose a person of the lead organisation."))
    errors.raise_if_any()
    assert day is not None  # noqa: S101 (errors raised above)
    rules = case_deadline_rules(case.jurisdiction)
    with transaction.atomic():
        deadline = Deadline.objects.create(
            case=case,
            kind=DeadlineKind.TASK,
            title=text,
            due_on=day,
            remind_on=max(reminder_date(day, rules.remind_days), clock.now().date()),
            owner=owner,
            created_at=clock.now(),
        )
        audit.record(
            action=AuditAction.CREATE,
            actor=actor,
            organisation_id=case.lead_organisation_id,
            object_type=OBJECT_TYPE,
            object_id=deadline.pk,
            detail={"case": case.pk, "kind": deadline.kind},
        )
    return deadline


def deadline_done(*, actor: Any, deadline_id: object, expected_version: int) -> Deadline:
    """Mark a task or a birthday duty done (a procedure date closes with the procedure's step)."""
    try:
        pk = int(str(deadline_id))
    except ValueError:
        raise NotFoundOrForbidden from None
    found = Deadline.objects.filter(pk=pk).first()
    if found is None:
        raise NotFoundOrForbidden
    case = access_case(actor=actor, case_id=found.case_id, record_read=False)
    if not parts_of(actor, case):
        audit.record(
            action=AuditAction.DENIED,
            actor=actor,
            organisation_id=case.lead_organisation_id,
            object_type=OBJECT_TYPE,
            object_id=pk,
            detail={"action": "done"},
        )
        raise PermissionDeniedError
    if found.version != expected_version:
        raise ConcurrentEditError
    if found.kind == DeadlineKind.PROCEDURE:
        raise InvalidInput(
            {"deadline": [_("A procedure date is closed by recording the procedure's next step.")]}
        )
    with transaction.atomic():
        deadline = lock_for_update(Deadline, pk, expected_version)
        if deadline.status != DeadlineStatus.OPEN:
            raise InvalidInput({"deadline": [_("This deadline is no longer open.")]})
        deadline.status = DeadlineStatus.DONE
        deadline.done_at = clock.now()
        deadline.done_by = actor
        deadline.version += 1
        deadline.save(update_fields=["status", "done_at", "done_by", "version"])
        audit.record(
            action=AuditAction.UPDATE,
            actor=actor,
            organisation_id=case.lead_organisation_id,
            object_type=OBJECT_TYPE,
            object_id=deadline.pk,
            detail={"case": case.pk, "action": "done"},
        )
    return deadline


# --- the reminder job ----------------------------------------------------------------------------


def send_reminders(*, now: datetime | None = None, limit: int = 5000) -> int:
    """Remind the owner of every open deadline whose reminder date has come (once each).

    Each reminder is claimed with a conditional update (``reminded_at`` still empty), so that two
    jobs running at once, or a job and a retry, never remind twice. Returns the number sent.
    """
    now = now or clock.now()
    # Reminder dates are days of the case's country: its local date decides (one day ahead of
    # UTC at most, so the query asks for one day more and each row is checked below).
    due = list(
        Deadline.objects.filter(
            status=DeadlineStatus.OPEN,
            reminded_at__isnull=True,
            remind_on__lte=now.date() + timedelta(days=1),
            case__phase__in=phases.OPEN_PHASES,
        )
        .select_related("case", "case__owner", "case__lead_organisation", "owner")
        .order_by("remind_on", "pk")[:limit]
    )
    sent = 0
    for deadline in due:
        if deadline.remind_on is None or deadline.remind_on > local_today(deadline.case, now):
            continue
        with transaction.atomic():
            claimed = Deadline.objects.filter(
                pk=deadline.pk, reminded_at__isnull=True, status=DeadlineStatus.OPEN
            ).update(reminded_at=now)
            if not claimed:
                continue
            case = deadline.case
            notifications.notify(
                users=recipients_of(deadline),
                kind="deadline_reminder",
                reference=case.reference,
                organisation_name=case.lead_organisation.name,
                link=reverse("cases:case", args=[case.pk]) + "#deadlines",
            )
            audit.record(
                action=AuditAction.UPDATE,
                actor_label="system:reminders",
                organisation_id=case.lead_organisation_id,
                object_type=OBJECT_TYPE,
                object_id=deadline.pk,
                detail={"case": case.pk, "action": "remind", "kind": deadline.kind},
            )
            sent += 1
    if sent:
        logger.info("deadline reminders sent: %d", sent)
    return sent
