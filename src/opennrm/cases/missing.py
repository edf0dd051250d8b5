"""A person reported missing, and found again: one action each (DESIGN rule 1).

Minors disappear from shelters and the police hear of it days later (minors guide §2.8, source
001:L4801-L4814, L5301-L5311). Reporting a disappearance here is one action: it records the time,
notifies the police contact and the guardian in the same transaction (inbox at once, e-mail after
the commit) and stores when each was notified, so the case shows how long notification took.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opennrm.cases.case_selectors import OBJECT_TYPE, access_case, may_report_missing
from opennrm.cases.casefiles import acting_organisation, record
from opennrm.cases.models import CaseFile, Disappearance, MissingOutcome
from opennrm.core import audit, clock
from opennrm.core.errors import InvalidInput, NotFoundOrForbidden, PermissionDeniedError
from opennrm.core.locks import lock_for_update
from opennrm.core.models import AuditAction
from opennrm.core.validation import FieldErrors, clean_choice, clean_text
from opennrm.directory import notifications, roles
from opennrm.directory.models import User
from opennrm.directory.selectors import users_with_perm

CIRCUMSTANCES_MAX = 4000
# How far back a "missing since" may lie: older is almost certainly a typing mistake.
MAX_PAST = timedelta(days=90)

notifications.register(
    "person_missing",
    gettext_lazy(
        "MISSING: the person of case %(reference)s has been reported missing by %(organisation)s"
    ),
)
notifications.register(
    "person_found",
    gettext_lazy("The person of case %(reference)s is back or has been found (%(organisation)s)"),
)


def _contacts(organisation_id: int | None, named: User | None) -> list[User]:
    """The named contact; without one, every active member of the organisation who may see case
    files there (someone must get the alert)."""
    if named is not None and named.is_active:
        return [named]
    if organisation_id is None:
        return []
    return users_with_perm(roles.VIEW_CASE, organisation_id=organisation_id)


def _check(actor: Any, case_id: int) -> CaseFile:
    case = access_case(actor=actor, case_id=case_id, record_read=False)
    if not may_report_missing(actor, case):
        audit.record(
            action=AuditAction.DENIED,
            actor=actor,
            organisation_id=case.lead_organisation_id,
            object_type=OBJECT_TYPE,
            object_id=case.pk,
            detail={"action": "missing"},
        )
        raise PermissionDeniedError
    return case


def _clean_moment(value: Any, field: str, errors: FieldErrors) -> datetime | None:
    now = clock.now()
    if value in (None, ""):
        return now
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            errors.add(field, _("Enter a date and time."))
            return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > now + timedelta(minutes=5):
        errors.add(field, _("The time cannot be in the future."))
    elif moment < now - MAX_PAST:
        errors.add(field, _("The time lies more than 90 days back: check it."))
    return moment


def missing_report(
    *, actor: Any, case_id: int, missing_since: Any = None, circumstances: str = ""
) -> Disappearance:
    """Report the person missing since ``missing_since`` (default now): the police contact and
    the guardian are notified at once, and the times of notification are stored."""
    case = _check(actor, case_id)
    errors = FieldErrors()
    since = _clean_moment(missing_since, "missing_since", errors)
    text = clean_text(circumstances, "circumstances", CIRCUMSTANCES_MAX, errors, multiline=True)
    if not case.is_open:
        errors.add("missing_since", _("The case is closed: reopen it first."))
    errors.raise_if_any()
    assert since is not None  # noqa: S101 (errors raised above)
    with transaction.atomic():
        case = lock_for_update(CaseFile, case.pk)
        if case.disappearances.filter(ended_at__isnull=True).exists():
            raise InvalidInput({"missing_since": [_("The person is already reported missing.")]})
        now = clock.now()
        police = _contacts(case.police_organisation_id, case.police_contact)
        guardian = _contacts(case.guardian_organisation_id, case.guardian)
        link = reverse("cases:case", args=[case.pk]) + "#missing"
        acting = acting_organisation(actor, case)  # the guardian's organisation may report
        reporter_org = acting.name if acting is not None else case.lead_organisation.name
        for users in (police, guardian):
            if users:
                notifications.notify(
                    users=users,
                    kind="person_missing",
                    reference=case.reference,
                    organisation_name=reporter_org,
                    link=link,
                )
        disappearance = Disappearance.objects.create(
            case=case,
            missing_since=min(since, now),
            reported_at=now,
            reported_by=actor,
            circumstances=text,
            police_notified_at=now if police else None,
            guardian_notified_at=now if guardian else None,
        )
        record(
            case,
            action="missing",
            actor=actor,
            from_phase=case.phase,
            details={"police_notified": len(police), "guardian_notified": len(guardian)},
        )
    return disappearance


def missing_end(
    *, actor: Any, case_id: int, disappearance_id: object, outcome: str, at: Any = None
) -> Disappearance:
    """Record that the person came back or was found; the police contact and guardian hear it."""
    case = _check(actor, case_id)
    errors = FieldErrors()
    cleaned = clean_choice(
        outcome,
        "outcome",
        MissingOutcome.values,
        errors,
        _("Choose what happened."),
        required=True,
    )
    moment = _clean_moment(at, "at", errors)
    errors.raise_if_any()
    try:
        pk = int(str(disappearance_id))
    except ValueError:
        raise NotFoundOrForbidden from None
    with transaction.atomic():
        row = Disappearance.objects.select_for_update().filter(pk=pk, case=case).first()
        if row is None:
            raise NotFoundOrForbidden
        if row.ended_at is not None:
            raise InvalidInput({"outcome": [_("This disappearance has already ended.")]})
        assert moment is not None  # noqa: S101 (errors raised above)
        if moment < row.missing_since:
            raise InvalidInput({"at": [_("The time cannot be before the disappearance.")]})
        row.ended_at = moment
        row.outcome = cleaned
        row.ended_by = actor
        row.save(update_fields=["ended_at", "outcome", "ended_by"])
        users = _contacts(case.police_organisation_id, case.police_contact) + _contacts(
            case.guardian_organisation_id, case.guardian
        )
        if users:
            notifications.notify(
                users=users,
                kind="person_found",
                reference=case.reference,
                organisation_name=(acting_organisation(actor, case) or case.lead_organisation).name,
                link=reverse("cases:case", args=[case.pk]) + "#missing",
            )
        record(case, action="found", actor=actor, from_phase=case.phase, reason=cleaned)
    return row
