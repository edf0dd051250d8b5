"""Writes of action plans (DESIGN rule 1): import a plan, report progress, comment, link a
measure to the organisation that leads it, and the reminder job.

Plans are public policy, not personal data, but progress narratives and comments are free text
and stored encrypted; every write is audited (names of fields, never values).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opennrm.core import audit, clock
from opennrm.core.errors import InvalidInput, PermissionDeniedError
from opennrm.core.locks import lock_for_update
from opennrm.core.models import AuditAction
from opennrm.core.validation import FieldErrors, clean_choice, clean_text
from opennrm.directory import notifications, roles
from opennrm.directory.backends import organisations_with_perm
from opennrm.directory.models import Organisation, User
from opennrm.directory.selectors import users_with_perm
from opennrm.plans import planfiles
from opennrm.plans.models import (
    CLOSED_STATUSES,
    Measure,
    MeasureComment,
    MeasureStatus,
    Plan,
    ProgressUpdate,
)
from opennrm.plans.selectors import access_measure, may_manage, may_update

logger = logging.getLogger(__name__)
SHIPPED = Path(__file__).resolve().parent / "data"
DUE_SOON_DAYS = 30
TEXT_MAX = 4000

notifications.register(
    "measure_due_soon",
    gettext_lazy("Measure %(reference)s of an action plan, led by %(organisation)s, is due soon"),
)
notifications.register(
    "measure_overdue",
    gettext_lazy("Measure %(reference)s of an action plan, led by %(organisation)s, is overdue"),
)


# --- import ------------------------------------------------------------------------------------


def plan_import(*, actor: Any, content: str, name: str, country: str | None = None) -> Plan:
    """Import a plan file all-or-nothing (``planfiles.PlanFileError`` lists every bad row).

    The actor needs ``MANAGE_PLAN`` in the plan's country (``actor=None``: the operator's CLI or
    the shipped plans). A plan code that exists already is refused.
    """
    data = planfiles.read(content, name)
    if country is not None and data.country != country:
        raise planfiles.PlanFileError(
            [planfiles.RowError(0, "country", f"must be {country} for this import")]
        )
    if actor is not None and not may_manage(actor, data.country):
        audit.record(
            action=AuditAction.DENIED, actor=actor, object_type="plan", detail={"action": "import"}
        )
        raise PermissionDeniedError
    if Plan.objects.filter(code=data.code).exists():
        raise planfiles.PlanFileError(
            [planfiles.RowError(0, "code", f"a plan {data.code!r} has already been imported")]
        )
    with transaction.atomic():
        now = clock.now()
        plan = Plan.objects.create(
            code=data.code,
            country=data.country,
            title=data.title,
            period_from=data.period_from,
            period_to=data.period_to,
            owner=data.owner,
            source=data.source,
            themes=data.themes,
            imported_at=now,
            imported_by=actor,
        )
        created = Measure.objects.bulk_create(
            [
                Measure(
                    plan=plan,
                    number=item.number,
                    position=index,
                    theme=item.theme,
                    text=item.text,
                    lead_body=item.lead,
                    lead_as_printed=item.lead_as_printed,
                    contributors=item.contributors,
                    deadline_text=item.deadline,
                    deadline_kind=item.deadline_kind,
                    due_on=item.due_on,
                    source=item.source,
                    updated_at=now,
                )
                for index, item in enumerate(data.measures, start=1)
            ]
        )
        by_number = {measure.number: measure for measure in Measure.objects.filter(plan=plan)}
        for item in data.measures:
            if item.depends_on:
                by_number[item.number].depends_on.set([by_number[n] for n in item.depends_on])
        audit.record(
            action=AuditAction.CREATE,
            actor=actor,
            actor_label="" if actor is not None else "system:plans-import",
            object_type="plan",
            object_id=plan.pk,
            detail={"action": "import", "measures": len(created)},
        )
    return plan


def import_shipped() -> list[str]:
    """Import the plans shipped with OpenNRM (``plans/data/*.yaml``) that are not there yet."""
    added = []
    for path in sorted(SHIPPED.glob("*.yaml")):
        content = path.read_text(encoding="utf-8")
        code = planfiles.read_yaml(content).code
        if Plan.objects.filter(code=code).exists():
            continue
        plan_import(actor=None, content=content, name=path.name)
        added.append(code)
    return added


# --- progress, comments, the lead organisation -----------------------------------------------


def _acting_org(actor: Any, measure: Measure) -> Organisation | None:
    ids = organisations_with_perm(actor, roles.UPDATE_PLAN) | organisations_with_perm(
        actor, roles.MANAGE_PLAN
    )
    if measure.lead_organisation_id in ids:
        return measure.lead_organisation
    return Organisation.objects.filter(pk__in=ids).order_by("pk").first()


def _audit(actor: Any, measure: Measure, action: str, **detail: Any) -> None:
    audit.record(
        action=AuditAction.UPDATE,
        actor=actor,
        organisation_id=measure.lead_organisation_id,
        object_type="measure",
        object_id=measure.pk,
        detail={"action": action, **detail},
    )


def progress_report(
    *,
    actor: Any,
    measure_id: object,
    expected_version: int,
    status: str,
    narrative: str = "",
    evidence_url: str = "",
) -> ProgressUpdate:
    """Report progress on a measure: its new status, what happened, evidence (a link). Only the
    lead organisation's users, and the country's coordinators, may; the history is kept."""
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    measure = access_measure(actor=actor, measure_id=measure_id)
    if not may_update(actor, measure):
        audit.record(
            action=AuditAction.DENIED,
            actor=actor,
            object_type="measure",
            object_id=measure.pk,
            detail={"action": "progress"},
        )
        raise PermissionDeniedError
    errors = FieldErrors()
    cleaned = clean_choice(
        status, "status", MeasureStatus.values, errors, _("Choose a status."), required=True
    )
    text = clean_text(narrative, "narrative", TEXT_MAX, errors, multiline=True)
    url = clean_text(evidence_url, "evidence_url", 500, errors, multiline=False)
    if url:
        try:
            URLValidator(schemes=["https", "http"])(url)
        except ValidationError:
            errors.add("evidence_url", _("Enter a web address starting with https://."))
    if cleaned == MeasureStatus.DONE and not (text or url):
        errors.add("narrative", _("Say what was done, or link the evidence."))
    errors.raise_if_any()
    with transaction.atomic():
        locked = lock_for_update(Measure, measure.pk, expected_version)
        now = clock.now()
        update = ProgressUpdate.objects.create(
            measure=locked,
            status=cleaned,
            narrative=text,
            evidence_url=url,
            author=actor,
            organisation=_acting_org(actor, locked),
            created_at=now,
        )
        fields = ["version", "updated_at"]
        if locked.status != cleaned:
            locked.status = cleaned
            locked.status_changed_at = now
            fields += ["status", "status_changed_at"]
        locked.version += 1
        locked.updated_at = now
        locked.save(update_fields=fields)
        _audit(actor, locked, "progress", status=cleaned)
    return update


def comment_add(*, actor: Any, measure_id: object, text: str) -> MeasureComment:
    """Anyone who may read the plans comments on a measure (partners that contribute)."""
    measure = access_measure(actor=actor, measure_id=measure_id)
    errors = FieldErrors()
    cleaned = clean_text(text, "text", TEXT_MAX, errors, multiline=True)
    if not cleaned and "text" not in errors.errors:
        errors.add("text", _("Write a comment."))
    errors.raise_if_any()
    with transaction.atomic():
        comment = MeasureComment.objects.create(
            measure=measure,
            text=cleaned,
            author=actor,
            organisation=_acting_org(actor, measure),
            created_at=clock.now(),
        )
        _audit(actor, measure, "comment")
    return comment


def measure_link(
    *, actor: Any, measure_id: object, expected_version: int, organisation_id: object
) -> Measure:
    """A coordinator links a measure to the OpenNRM organisation that leads it (or unlinks it
    with an empty value): its users then report progress and get the reminders."""
    measure = access_measure(actor=actor, measure_id=measure_id)
    if not may_manage(actor, measure.plan.country):
        audit.record(
            action=AuditAction.DENIED,
            actor=actor,
            object_type="measure",
            object_id=measure.pk,
            detail={"action": "link"},
        )
        raise PermissionDeniedError
    organisation = None
    if organisation_id not in (None, ""):
        try:
            organisation = Organisation.objects.filter(
                pk=int(str(organisation_id)), is_active=True, country=measure.plan.country
            ).first()
        except ValueError:
            organisation = None
        if organisation is None:
            raise InvalidInput({"organisation": [_("Choose an organisation of the country.")]})
    with transaction.atomic():
        locked = lock_for_update(Measure, measure.pk, expected_version)
        locked.lead_organisation = organisation
        locked.reminded_due_at = None  # the new lead hears of what is due
        locked.reminded_overdue_at = None
        locked.version += 1
        locked.updated_at = clock.now()
        locked.save(
            update_fields=[
                "lead_organisation",
                "reminded_due_at",
                "reminded_overdue_at",
                "version",
                "updated_at",
            ]
        )
        _audit(actor, locked, "link", organisation=getattr(organisation, "pk", None))
    return locked


# --- the reminder job --------------------------------------------------------------------------


def _recipients(measure: Measure) -> list[User]:
    """The lead organisation's people who report progress; without a linked organisation, the
    coordinators of the plan's country (the coordinating body must chase it)."""
    if measure.lead_organisation_id is not None:
        users = users_with_perm(roles.UPDATE_PLAN, organisation_id=measure.lead_organisation_id)
        if users:
            return users
    return users_with_perm(roles.MANAGE_PLAN, country=measure.plan.country)


def send_reminders(*, now: datetime | None = None) -> int:
    """Remind once when an open measure is due within 30 days, and once when it is overdue.

    Each reminder is claimed with a conditional update (its ``reminded_*_at`` still empty), so two
    runs never send it twice. Returns the number of measures reminded.
    """
    now = now or clock.now()
    today = now.date()
    soon = today + timedelta(days=DUE_SOON_DAYS)
    due = Measure.objects.filter(due_on__isnull=False).exclude(status__in=CLOSED_STATUSES)
    candidates = list(
        due.filter(
            Q(due_on__lt=today, reminded_overdue_at__isnull=True)
            | Q(due_on__gte=today, due_on__lte=soon, reminded_due_at__isnull=True)
        ).select_related("plan", "lead_organisation")
    )
    sent = 0
    for measure in candidates:
        assert measure.due_on is not None  # noqa: S101 (filtered above)
        overdue = measure.due_on < today
        column = "reminded_overdue_at" if overdue else "reminded_due_at"
        with transaction.atomic():
            claimed = Measure.objects.filter(pk=measure.pk, **{f"{column}__isnull": True}).update(
                **{column: now}
            )
            if not claimed:
                continue
            users = _recipients(measure)
            if users:
                notifications.notify(
                    users=users,
                    kind="measure_overdue" if overdue else "measure_due_soon",
                    reference=measure.number,  # the link names the plan; references are short
                    organisation_name=measure.lead_organisation.name
                    if measure.lead_organisation
                    else measure.lead_body[:200],
                    link=reverse("plans:measure", args=[measure.pk]),
                )
            audit.record(
                action=AuditAction.UPDATE,
                actor_label="system:plan-reminders",
                object_type="measure",
                object_id=measure.pk,
                detail={"action": "remind", "overdue": overdue, "recipients": len(users)},
            )
            sent += 1
    if sent:
        logger.info("measure reminders sent: %d", sent)
    return sent
