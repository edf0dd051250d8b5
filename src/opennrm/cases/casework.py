"""Writes of the work on a case file (DESIGN rule 1): the person's situation, the service plan and
shelter placements, interviews, the criminal case, compensation and what the victim was told.

Each service checks that the actor works on the case (``access_case`` ``change``, audited when
refused), validates into typed values, and writes the row, a history row and an audit event that
names fields, never values, in one transaction. Edits of a row with a ``version`` detect a
concurrent change (``ConcurrentEditError``) and change nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, TypeVar

from django.db import transaction
from django.utils.translation import gettext as _

from opennrm.cases import deadlines
from opennrm.cases.case_selectors import access_case
from opennrm.cases.casefiles import record
from opennrm.cases.models import (
    CaseFile,
    CaseService,
    Compensation,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    InformationTopic,
    Interview,
    JusticeEvent,
    JusticeKind,
    MeansOfControl,
    NotProsecutedReason,
    Placement,
    RecruitmentMethod,
    Relationship,
    ServiceKind,
    ServiceStatus,
    Sex,
    Situation,
    TraffickingScope,
    VictimInformation,
)
from opennrm.cases.procedures import case_deadline_rules
from opennrm.core import calendars, clock
from opennrm.core.dates import clean_date
from opennrm.core.errors import ConcurrentEditError, InvalidInput, NotFoundOrForbidden
from opennrm.core.locks import lock_for_update
from opennrm.core.taxonomies import EXPLOITATION_FORM_CODES, ISIC_SECTIONS
from opennrm.core.validation import FieldErrors, clean_choice, clean_text
from opennrm.directory.models import Organisation, User

COUNTRY = re.compile(r"^[A-Z]{2}$", re.ASCII)
LANGUAGE = re.compile(r"^[a-z]{2,3}$", re.ASCII)
NOTE_MAX = 4000
MAX_CODES = 20
MAX_AMOUNT = 10**12  # euro cents


def _case(actor: Any, case_id: int, *, open_only: bool = True) -> CaseFile:
    case = access_case(actor=actor, case_id=case_id, action="change", record_read=False)
    if open_only and not case.is_open:
        raise InvalidInput({"__all__": [_("The case is closed: reopen it first.")]})
    return case


# --- cleaning -----------------------------------------------------------------------------------


EARLIEST = date(1900, 1, 1)


def _date(value: Any, field: str, errors: FieldErrors, *, required: bool = False) -> date | None:
    """A date that has happened (not in the future, not before 1900)."""
    return clean_date(
        value,
        field,
        errors,
        required=required,
        earliest=EARLIEST,
        latest=clock.now().date(),
        too_early=_("Enter a date after 1900."),
    )


def _future_date(value: Any, field: str, errors: FieldErrors) -> date | None:
    """A date that may lie ahead (a planned service, a follow-up), within ten years."""
    message = _("Enter a realistic date.")
    return clean_date(
        value,
        field,
        errors,
        earliest=EARLIEST,
        latest=date(clock.now().year + 10, 12, 31),
        too_early=message,
        too_late=message,
    )


def _codes(
    value: Any,
    field: str,
    errors: FieldErrors,
    *,
    pattern: re.Pattern[str] | None = None,
    choices: Any = None,
    upper: bool = False,
) -> list[str]:
    """A list of codes from a list or from text separated by commas or spaces (each once)."""
    if value in (None, ""):
        return []
    items = re.split(r"[\s,;]+", value) if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        errors.add(field, _("Enter a list of codes."))
        return []
    found: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            continue
        code = item.strip().upper() if upper else item.strip().lower()
        valid = (pattern is None or pattern.match(code)) and (choices is None or code in choices)
        if not valid:
            # The message names no value: what was typed may be personal data (rule 6).
            errors.add(field, _("One of the codes is not valid: check the list."))
            continue
        if code not in found:
            found.append(code)
    if len(found) > MAX_CODES:
        errors.add(field, _("Enter at most %(count)d codes.") % {"count": MAX_CODES})
    return found


EURO_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+(,\d{1,2})?$", re.ASCII)  # 1.500 or 1.500,50
EURO_DECIMAL = re.compile(r"^\d+,\d{1,2}$", re.ASCII)  # 1500,50
ENGLISH_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d{1,2})?$", re.ASCII)  # 1,500 or 1,500.50
PLAIN = re.compile(r"^\d+(\.\d{1,2})?$", re.ASCII)  # 1500 or 1500.50


def _amount(value: Any, field: str, errors: FieldErrors) -> int | None:
    """Euro amounts as cents: "1500", "1500.50", "1500,50", "1.500,50" and "1,500.50" are
    accepted (spaces ignored)."""
    if value in (None, ""):
        return None
    text = str(value).strip().replace(" ", "").replace("\u00a0", "")
    if EURO_THOUSANDS.match(text) or EURO_DECIMAL.match(text):
        text = text.replace(".", "").replace(",", ".")
    elif ENGLISH_THOUSANDS.match(text):
        text = text.replace(",", "")
    if not PLAIN.match(text):
        errors.add(field, _("Enter an amount in euro, like 1500 or 1500.50."))
        return None
    whole, _sep, fraction = text.partition(".")
    cents = int(whole) * 100 + int((fraction + "00")[:2])
    if cents > MAX_AMOUNT:
        errors.add(field, _("The amount is too large."))
        return None
    return cents


def _organisation(
    value: Any,
    field: str,
    errors: FieldErrors,
    *,
    country: str | None = None,
    kinds: tuple[str, ...] | None = None,
    required: bool = False,
) -> Organisation | None:
    if value in (None, ""):
        if required:
            errors.add(field, _("Choose an organisation."))
        return None
    queryset = Organisation.objects.filter(is_active=True)
    if country:
        queryset = queryset.filter(country=country)
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    try:
        found = queryset.filter(pk=int(str(value))).first()
    except ValueError:
        found = None
    if found is None:
        errors.add(field, _("Choose an organisation from the list."))
    return found


Row = TypeVar("Row", CaseService, Compensation)


def _row_of(model: type[Row], case: CaseFile, row_id: object) -> int:
    """The id of a row of this case (another case's row, or none: not found)."""
    try:
        pk = int(str(row_id))
    except ValueError:
        raise NotFoundOrForbidden from None
    if not model.objects.filter(pk=pk, case=case).exists():
        raise NotFoundOrForbidden
    return pk


def _update(
    model: type[Row],
    pk: int,
    expected_version: int,
    values: Mapping[str, Any],
    *,
    case: CaseFile,
    actor: Any,
    action: str,
    sync: Callable[[CaseFile, Row], None],
) -> Row:
    """Change a versioned row of the case if nobody changed it since ``expected_version``; its
    deadline follows (``sync``), and the history names the changed fields."""
    with transaction.atomic():
        row = lock_for_update(model, pk, expected_version)
        changed = [name for name, value in values.items() if getattr(row, name) != value]
        if not changed:
            return row
        for name in changed:
            setattr(row, name, values[name])
        row.version += 1
        row.updated_at = clock.now()
        row.save()
        sync(case, row)
        record(
            case,
            action=action,
            actor=actor,
            from_phase=case.phase,
            fields=changed,
            details={action: row.pk},
        )
    return row


# --- the situation ------------------------------------------------------------------------------

SITUATION_FIELDS = (
    "sex",
    "birth_year",
    "citizenships",
    "languages",
    "exploitation_forms",
    "sectors",
    "means_of_control",
    "recruitment_methods",
    "relationship",
    "recruitment_country",
    "recruitment_place",
    "recruited_on",
    "transit_countries",
    "exploitation_country",
    "exploitation_place",
    "exploitation_started_on",
    "exploitation_ended_on",
)


def clean_situation(data: Mapping[str, Any]) -> dict[str, Any]:
    errors = FieldErrors()
    values: dict[str, Any] = {
        "sex": clean_choice(data.get("sex"), "sex", Sex.values, errors, _("Choose a value."))
        or Sex.UNKNOWN,
        "relationship": clean_choice(
            data.get("relationship"),
            "relationship",
            Relationship.values,
            errors,
            _("Choose a value."),
        )
        or Relationship.UNKNOWN,
        "citizenships": _codes(
            data.get("citizenships"), "citizenships", errors, pattern=COUNTRY, upper=True
        ),
        "languages": _codes(data.get("languages"), "languages", errors, pattern=LANGUAGE),
        "exploitation_forms": _codes(
            data.get("exploitation_forms"),
            "exploitation_forms",
            errors,
            choices=EXPLOITATION_FORM_CODES,
        ),
        "sectors": _codes(
            data.get("sectors"), "sectors", errors, choices=ISIC_SECTIONS, upper=True
        ),
        "means_of_control": _codes(
            data.get("means_of_control"), "means_of_control", errors, choices=MeansOfControl.values
        ),
        "recruitment_methods": _codes(
            data.get("recruitment_methods"),
            "recruitment_methods",
            errors,
            choices=RecruitmentMethod.values,
        ),
        "transit_countries": _codes(
            data.get("transit_countries"), "transit_countries", errors, pattern=COUNTRY, upper=True
        ),
        "recruitment_place": clean_text(
            data.get("recruitment_place"), "recruitment_place", 300, errors, multiline=False
        ),
        "exploitation_place": clean_text(
            data.get("exploitation_place"), "exploitation_place", 300, errors, multiline=False
        ),
        "recruited_on": _date(data.get("recruited_on"), "recruited_on", errors),
        "exploitation_started_on": _date(
            data.get("exploitation_started_on"), "exploitation_started_on", errors
        ),
        "exploitation_ended_on": _date(
            data.get("exploitation_ended_on"), "exploitation_ended_on", errors
        ),
    }
    for key in ("recruitment_country", "exploitation_country"):
        codes = _codes(data.get(key), key, errors, pattern=COUNTRY, upper=True)
        if len(codes) > 1:
            errors.add(key, _("Enter one country code."))
        values[key] = codes[0] if codes else ""
    year = data.get("birth_year")
    values["birth_year"] = None
    if year not in (None, ""):
        try:
            if not str(year).isascii():
                raise ValueError
            values["birth_year"] = int(str(year))
            if not 1900 <= values["birth_year"] <= clock.now().year:
                raise ValueError
        except ValueError:
            errors.add("birth_year", _("Enter a year like 2007."))
            values["birth_year"] = None
    started, ended = values["exploitation_started_on"], values["exploitation_ended_on"]
    if started and ended and ended < started:
        errors.add("exploitation_ended_on", _("The end cannot be before the beginning."))
    errors.raise_if_any()
    return values


def scope_of(values: Mapping[str, Any]) -> str:
    """Internal when recruitment and exploitation are in one country with no transit; cross-border
    when they differ or there was a transit country; otherwise not known."""
    recruited, exploited = values.get("recruitment_country"), values.get("exploitation_country")
    if values.get("transit_countries") or (recruited and exploited and recruited != exploited):
        return TraffickingScope.CROSS_BORDER
    if recruited and exploited:
        return TraffickingScope.INTERNAL
    return TraffickingScope.UNKNOWN


def situation_of(case: CaseFile) -> Situation:
    """The case's situation row (an unsaved empty one when nothing is recorded yet)."""
    found = Situation.objects.filter(case=case).first()
    return found or Situation(case=case, updated_at=clock.now(), version=0)


def situation_update(
    *, actor: Any, case_id: int, expected_version: int, data: Mapping[str, Any]
) -> Situation:
    """Record the person's situation; ``expected_version`` is 0 while nothing is recorded."""
    case = _case(actor, case_id, open_only=False)
    values = clean_situation(data)
    with transaction.atomic():
        lock_for_update(CaseFile, case.pk)
        row = Situation.objects.select_for_update().filter(case=case).first()
        current = row.version if row is not None else 0
        if current != expected_version:
            raise ConcurrentEditError
        if row is None:
            row = Situation(case=case, version=0)
        changed = [name for name in SITUATION_FIELDS if getattr(row, name) != values[name]]
        if not changed and row.pk is not None:
            return row
        for name in changed:
            setattr(row, name, values[name])
        row.scope = scope_of(values)
        row.version += 1
        row.updated_at = clock.now()
        row.save()
        record(case, action="situation", actor=actor, from_phase=case.phase, fields=changed)
    return row


# --- services and placements --------------------------------------------------------------------


def _sync_follow_up(case: CaseFile, service: CaseService) -> None:
    """One open follow-up deadline per service while it is planned or under way."""
    rows = Deadline.objects.filter(
        case=case,
        kind=DeadlineKind.SERVICE_FOLLOW_UP,
        subject_id=service.pk,
        status=DeadlineStatus.OPEN,
    )
    wanted = service.follow_up_on if service.status in ("planned", "active") else None
    (rows.exclude(due_on=wanted) if wanted else rows).update(status=DeadlineStatus.CANCELLED)
    if wanted is not None and not rows.filter(due_on=wanted).exists():
        rules = case_deadline_rules(case.jurisdiction)
        Deadline.objects.create(
            case=case,
            kind=DeadlineKind.SERVICE_FOLLOW_UP,
            subject_id=service.pk,
            due_on=wanted,
            remind_on=max(deadlines.reminder_date(wanted, rules.remind_days), clock.now().date()),
            label=str(ServiceKind(service.kind).label)[:200],
            created_at=clock.now(),
        )


def _clean_service(data: Mapping[str, Any], case: CaseFile) -> dict[str, Any]:
    errors = FieldErrors()
    values: dict[str, Any] = {
        "kind": clean_choice(
            data.get("kind"),
            "kind",
            ServiceKind.values,
            errors,
            _("Choose a service."),
            required=True,
        ),
        "status": clean_choice(
            data.get("status"),
            "status",
            ServiceStatus.values,
            errors,
            _("Choose a status."),
            required=True,
        ),
        "provider": _organisation(
            data.get("provider"), "provider", errors, country=case.jurisdiction
        ),
        "starts_on": _future_date(data.get("starts_on"), "starts_on", errors),
        "ends_on": _future_date(data.get("ends_on"), "ends_on", errors),
        "follow_up_on": _future_date(data.get("follow_up_on"), "follow_up_on", errors),
        "note": clean_text(data.get("note"), "note", NOTE_MAX, errors, multiline=True),
        "sessions": None,
    }
    sessions = data.get("sessions")
    if sessions not in (None, ""):
        try:
            if not str(sessions).isascii():
                raise ValueError
            values["sessions"] = int(str(sessions))
            if not 0 <= values["sessions"] <= 1000:
                raise ValueError
        except ValueError:
            errors.add("sessions", _("Enter a number of sessions."))
    if values["starts_on"] and values["ends_on"] and values["ends_on"] < values["starts_on"]:
        errors.add("ends_on", _("The end cannot be before the beginning."))
    errors.raise_if_any()
    return values


def service_add(*, actor: Any, case_id: int, data: Mapping[str, Any]) -> CaseService:
    """Add a service to the service plan (a follow-up date becomes a deadline of the case)."""
    case = _case(actor, case_id)
    values = _clean_service(data, case)
    with transaction.atomic():
        now = clock.now()
        service = CaseService.objects.create(case=case, created_at=now, updated_at=now, **values)
        _sync_follow_up(case, service)
        record(
            case,
            action="service",
            actor=actor,
            from_phase=case.phase,
            details={"service": service.pk},
        )
    return service


def service_update(
    *,
    actor: Any,
    case_id: int,
    service_id: object,
    expected_version: int,
    data: Mapping[str, Any],
) -> CaseService:
    """Change a service (its status, dates, sessions) if nobody changed it meanwhile."""
    case = _case(actor, case_id, open_only=False)
    pk = _row_of(CaseService, case, service_id)
    values = _clean_service(data, case)
    return _update(
        CaseService,
        pk,
        expected_version,
        values,
        case=case,
        actor=actor,
        action="service",
        sync=_sync_follow_up,
    )


SHELTER_KINDS = ("shelter_ngo", "child_protection", "municipality", "health", "other")


def placement_add(*, actor: Any, case_id: int, data: Mapping[str, Any]) -> Placement:
    """A stay in a shelter from ``started_on`` (and until ``ended_on`` when known). Stays of one
    case may not overlap: a person sleeps in one place."""
    case = _case(actor, case_id)
    errors = FieldErrors()
    shelter = _organisation(
        data.get("shelter"),
        "shelter",
        errors,
        country=case.jurisdiction,
        kinds=SHELTER_KINDS,
        required=True,
    )
    started = _date(data.get("started_on"), "started_on", errors, required=True)
    ended = _date(data.get("ended_on"), "ended_on", errors)
    if started and ended and ended < started:
        errors.add("ended_on", _("The end cannot be before the beginning."))
    errors.raise_if_any()
    assert started is not None and shelter is not None  # noqa: S101 (errors raised above)
    with transaction.atomic():
        lock_for_update(CaseFile, case.pk)
        for other in case.placements.all():
            other_end = other.ended_on or date.max
            if started < other_end and (ended or date.max) > other.started_on:
                raise InvalidInput(
                    {"started_on": [_("This stay overlaps another placement of the case.")]}
                )
        placement = Placement.objects.create(
            case=case, shelter=shelter, started_on=started, ended_on=ended, created_at=clock.now()
        )
        record(
            case,
            action="placement",
            actor=actor,
            from_phase=case.phase,
            details={"placement": placement.pk},
        )
    return placement


def placement_end(*, actor: Any, case_id: int, placement_id: object, ended_on: Any) -> Placement:
    """The person left the shelter on ``ended_on``."""
    case = _case(actor, case_id, open_only=False)
    errors = FieldErrors()
    ended = _date(ended_on, "ended_on", errors, required=True)
    errors.raise_if_any()
    try:
        pk = int(str(placement_id))
    except ValueError:
        raise NotFoundOrForbidden from None
    with transaction.atomic():
        placement = Placement.objects.select_for_update().filter(pk=pk, case=case).first()
        if placement is None:
            raise NotFoundOrForbidden
        if placement.ended_on is not None:
            raise InvalidInput({"ended_on": [_("This placement has already ended.")]})
        assert ended is not None  # noqa: S101 (errors raised above)
        if ended < placement.started_on:
            raise InvalidInput({"ended_on": [_("The end cannot be before the beginning.")]})
        placement.ended_on = ended
        placement.save(update_fields=["ended_on"])
        record(
            case,
            action="placement_end",
            actor=actor,
            from_phase=case.phase,
            details={"placement": placement.pk},
        )
    return placement


# --- interviews ---------------------------------------------------------------------------------


def age_on(born: date, day: date) -> int:
    """Age in whole years on ``day`` of someone born on ``born``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _age_on(case: CaseFile, day: date) -> int | None:
    born = case.person.date_of_birth
    if born is not None:
        return age_on(born, day)
    situation = Situation.objects.filter(case=case).first()
    if situation is not None and situation.birth_year:
        # Only the year is known: the youngest the person can be, so that a possible minor is
        # treated as one (children's safeguards err on the side of the child).
        return day.year - situation.birth_year - 1
    return None


def interview_add(*, actor: Any, case_id: int, data: Mapping[str, Any]) -> Interview:
    """Record a hearing: when, by which organisation and person, certified or not, recorded
    audio-visually, in a child-friendly room. Whether the person was a minor is stored."""
    case = _case(actor, case_id, open_only=False)
    errors = FieldErrors()
    held = _date(data.get("held_on"), "held_on", errors, required=True)
    organisation = _organisation(
        data.get("interviewer_organisation"), "interviewer_organisation", errors, required=True
    )
    interviewer = None
    if data.get("interviewer") not in (None, ""):
        try:
            interviewer = User.objects.filter(
                pk=int(str(data["interviewer"])), is_active=True
            ).first()
        except ValueError:
            interviewer = None
        if interviewer is None or (
            organisation is not None
            and not interviewer.memberships.filter(
                organisation=organisation, is_active=True
            ).exists()
        ):
            errors.add("interviewer", _("Choose a person of that organisation."))
    errors.raise_if_any()
    assert held is not None and organisation is not None  # noqa: S101 (errors raised above)
    age = _age_on(case, held)
    with transaction.atomic():
        interview = Interview.objects.create(
            case=case,
            held_on=held,
            interviewer_organisation=organisation,
            interviewer=interviewer,
            certified_interviewer=bool(data.get("certified_interviewer")),
            audio_visual=bool(data.get("audio_visual")),
            child_friendly_room=bool(data.get("child_friendly_room")),
            minor_at_the_time=age is not None
            and age < case_deadline_rules(case.jurisdiction).age_of_majority,
            recorded_by=actor,
            created_at=clock.now(),
        )
        record(
            case,
            action="interview",
            actor=actor,
            from_phase=case.phase,
            details={"interview": interview.pk},
        )
    return interview


def minor_heard_more_than_once(case: CaseFile) -> int:
    """How many times the person was heard as a minor, when more than once (else 0)."""
    count = case.interviews.filter(minor_at_the_time=True).count()
    return count if count > 1 else 0


# --- justice and compensation -------------------------------------------------------------------


def justice_add(*, actor: Any, case_id: int, data: Mapping[str, Any]) -> JusticeEvent:
    """Record a step of the criminal case: an investigation with its reference, a decision not
    to prosecute (with its reason), charges, a conviction (sentence, confiscation) or acquittal."""
    case = _case(actor, case_id, open_only=False)
    errors = FieldErrors()
    kind = clean_choice(
        data.get("kind"), "kind", JusticeKind.values, errors, _("Choose a decision."), required=True
    )
    decided = _date(data.get("decided_on"), "decided_on", errors, required=True)
    reason = clean_choice(
        data.get("reason"),
        "reason",
        NotProsecutedReason.values,
        errors,
        _("Choose a reason."),
        required=kind == JusticeKind.NOT_PROSECUTED,
    )
    if kind != JusticeKind.NOT_PROSECUTED:
        reason = ""
    values = {
        "authority": _organisation(data.get("authority"), "authority", errors),
        "reference": clean_text(data.get("reference"), "reference", 100, errors, multiline=False),
        "sentence": clean_text(data.get("sentence"), "sentence", 1000, errors, multiline=True)
        if kind == JusticeKind.CONVICTED
        else "",
        "confiscation": bool(data.get("confiscation")) and kind == JusticeKind.CONVICTED,
    }
    errors.raise_if_any()
    assert decided is not None  # noqa: S101 (errors raised above)
    with transaction.atomic():
        event = JusticeEvent.objects.create(
            case=case,
            kind=kind,
            decided_on=decided,
            reason=reason,
            recorded_by=actor,
            created_at=clock.now(),
            **values,
        )
        record(
            case,
            action="justice",
            actor=actor,
            from_phase=case.phase,
            reason=kind,
            details={"justice_event": event.pk},
        )
    return event


def state_advance_date(case: CaseFile, compensation: Compensation) -> date | None:
    """When the state advances an unpaid award under the jurisdiction's rule (NL: 8 months after
    the judgement, 001:L1234-L1239); None when the rule does not apply or it was paid."""
    rules = case_deadline_rules(case.jurisdiction)
    if rules.state_advance_months is None or compensation.awarded_on is None:
        return None
    if not compensation.amount_awarded or compensation.paid_on is not None:
        return None
    return calendars.add_months(compensation.awarded_on, rules.state_advance_months)


def _sync_state_advance(case: CaseFile, compensation: Compensation) -> None:
    rows = Deadline.objects.filter(
        case=case,
        kind=DeadlineKind.COMPENSATION,
        subject_id=compensation.pk,
        status=DeadlineStatus.OPEN,
    )
    wanted = state_advance_date(case, compensation)
    # Paid: the duty is done. Judgement moved or award withdrawn: the old date is cancelled.
    superseded = rows.exclude(due_on=wanted) if wanted else rows
    if compensation.paid_on is not None:
        superseded.update(status=DeadlineStatus.DONE, done_at=clock.now())
    else:
        superseded.update(status=DeadlineStatus.CANCELLED)
    if wanted is not None and not rows.filter(due_on=wanted).exists():
        rules = case_deadline_rules(case.jurisdiction)
        Deadline.objects.create(
            case=case,
            kind=DeadlineKind.COMPENSATION,
            subject_id=compensation.pk,
            due_on=wanted,
            remind_on=max(deadlines.reminder_date(wanted, rules.remind_days), clock.now().date()),
            source=rules.state_advance_source,
            created_at=clock.now(),
        )


def _clean_compensation(data: Mapping[str, Any]) -> dict[str, Any]:
    errors = FieldErrors()
    values: dict[str, Any] = {
        "claimed_on": _date(data.get("claimed_on"), "claimed_on", errors, required=True),
        "amount_claimed": _amount(data.get("amount_claimed"), "amount_claimed", errors),
        "awarded_on": _date(data.get("awarded_on"), "awarded_on", errors),
        "amount_awarded": _amount(data.get("amount_awarded"), "amount_awarded", errors),
        "paid_on": _date(data.get("paid_on"), "paid_on", errors),
        "amount_paid": _amount(data.get("amount_paid"), "amount_paid", errors),
        "paid_by_state": bool(data.get("paid_by_state")),
    }
    if (
        values["awarded_on"]
        and values["claimed_on"]
        and values["awarded_on"] < values["claimed_on"]
    ):
        errors.add("awarded_on", _("The judgement cannot be before the claim."))
    if values["amount_awarded"] and not values["awarded_on"]:
        errors.add("awarded_on", _("Enter the date of the judgement."))
    if values["paid_on"] and not values["awarded_on"]:
        errors.add("paid_on", _("Record the judgement before the payment."))
    if values["paid_on"] and values["awarded_on"] and values["paid_on"] < values["awarded_on"]:
        errors.add("paid_on", _("The payment cannot be before the judgement."))
    errors.raise_if_any()
    return values


def compensation_add(*, actor: Any, case_id: int, data: Mapping[str, Any]) -> Compensation:
    """A compensation claim (and, when known, the award and payment)."""
    case = _case(actor, case_id, open_only=False)
    values = _clean_compensation(data)
    with transaction.atomic():
        now = clock.now()
        row = Compensation.objects.create(case=case, created_at=now, updated_at=now, **values)
        _sync_state_advance(case, row)
        record(
            case,
            action="compensation",
            actor=actor,
            from_phase=case.phase,
            details={"compensation": row.pk},
        )
    return row


def compensation_update(
    *,
    actor: Any,
    case_id: int,
    compensation_id: object,
    expected_version: int,
    data: Mapping[str, Any],
) -> Compensation:
    """Record the award or the payment of a claim; the state-advance deadline follows."""
    case = _case(actor, case_id, open_only=False)
    pk = _row_of(Compensation, case, compensation_id)
    values = _clean_compensation(data)
    return _update(
        Compensation,
        pk,
        expected_version,
        values,
        case=case,
        actor=actor,
        action="compensation",
        sync=_sync_state_advance,
    )


# --- informing the victim -----------------------------------------------------------------------


def information_add(*, actor: Any, case_id: int, data: Mapping[str, Any]) -> VictimInformation:
    """Record what the person was told, when (by the actor), optionally about a justice event."""
    case = _case(actor, case_id, open_only=False)
    errors = FieldErrors()
    informed = _date(data.get("informed_on"), "informed_on", errors, required=True)
    topic = clean_choice(
        data.get("topic"),
        "topic",
        InformationTopic.values,
        errors,
        _("Choose a subject."),
        required=True,
    )
    note = clean_text(data.get("note"), "note", NOTE_MAX, errors, multiline=True)
    event = None
    if data.get("justice_event") not in (None, ""):
        try:
            event = case.justice_events.filter(pk=int(str(data["justice_event"]))).first()
        except ValueError:
            event = None
        if event is None:
            errors.add("justice_event", _("Choose a step of the criminal case."))
        elif informed is not None and informed < event.decided_on:
            errors.add("informed_on", _("The person cannot be told before the decision."))
    errors.raise_if_any()
    assert informed is not None  # noqa: S101 (errors raised above)
    with transaction.atomic():
        row = VictimInformation.objects.create(
            case=case,
            informed_on=informed,
            topic=topic,
            justice_event=event,
            informed_by=actor,
            note=note,
            created_at=clock.now(),
        )
        record(
            case,
            action="informed",
            actor=actor,
            from_phase=case.phase,
            details={"information": row.pk},
        )
    return row


def uninformed_justice_events(case: CaseFile) -> list[JusticeEvent]:
    """Justice events no information entry refers to: the person may not know of them."""
    return list(case.justice_events.filter(information__isnull=True).order_by("decided_on", "pk"))
