"""The retention schedule (issue #6, item 5): anonymise case files closed longer ago than their
country's schedule, unless a legal hold or open proceedings keep them.

The schedule is data, in the ``retention`` section of each jurisdiction file::

    retention:
      closed_cases: {years: 10, source: default}

The sources set no retention period for victim files (GDPR art. 5(1)(e): no longer than necessary
for the purpose), so the period is the operator's, per country; a file without the section keeps
its case files until the operator sets one (nothing is erased by default).

What anonymisation does to a case (``anonymise``): the person's identity (names, aliases, date of
birth, documents, contact details, notes, name tokens and the date-of-birth index) is erased when
none of the person's other case files is still kept; every free text of the case (notes, reasons,
circumstances, places, task titles, justice references and sentences, information given, export
recipients, emergency reasons, hold reasons, rectification history) is erased; the team's grants
end. What the statistics count is kept: sex, year of birth, citizenship, forms of exploitation,
sectors, dates, identification status, the lead organisation, and the ages at identification and
at the start of exploitation (frozen from the date of birth before it is erased), so the national
figures do not change (``statistics.registrations``).

The job (``opennrm cases retention``) is idempotent: each case is claimed with a conditional
update of ``anonymised_at``, so two runs at once anonymise each case once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from opennrm.cases import casework
from opennrm.cases.models import (
    CaseExport,
    CaseFile,
    Compensation,
    Deadline,
    Disappearance,
    JusticeEvent,
    JusticeKind,
    Person,
    Phase,
    VictimInformation,
)
from opennrm.core import audit, clock
from opennrm.core import jurisdictions as jurisdiction_rules
from opennrm.core.calendars import add_months
from opennrm.core.models import AuditAction
from opennrm.core.rulefiles import LoadOnce, Reader, RuleFileError, load_yaml
from opennrm.sharing import selectors as sharing_selectors
from opennrm.sharing import services as sharing
from opennrm.sharing.models import AccessGrant, BreakGlass, LegalHold, Rectification

logger = logging.getLogger(__name__)
OBJECT_TYPE = "case"
# Proceedings that are still open keep a case: a criminal case investigated or charged but not
# decided, or a compensation claimed and not yet paid.
OPEN_JUSTICE = (JusticeKind.INVESTIGATION, JusticeKind.CHARGED)
CLOSING_JUSTICE = (JusticeKind.NOT_PROSECUTED, JusticeKind.CONVICTED, JusticeKind.ACQUITTED)


@dataclass(frozen=True)
class RetentionRule:
    closed_case_years: int | None = None
    source: str = ""


def parse_retention(path: Path) -> RetentionRule:
    root = Reader(path, load_yaml(path))
    if not root.has("retention"):
        return RetentionRule()
    section = root.mapping("retention")
    section.only(("closed_cases",))
    item = section.mapping("closed_cases")
    item.only(("years", "source"))
    return RetentionRule(item.integer("years", minimum=1), item.citation("source"))


def load_retention() -> tuple[dict[str, RetentionRule], list[RuleFileError]]:
    found: dict[str, RetentionRule] = {}
    errors: list[RuleFileError] = []
    for code, jurisdiction in jurisdiction_rules.jurisdictions().items():
        try:
            found[code] = parse_retention(Path(jurisdiction.path))
        except RuleFileError as exc:
            errors.append(exc)
    return found, errors


_rules: LoadOnce[dict[str, RetentionRule]] = LoadOnce(load_retention)


def rule_for(country: str) -> RetentionRule:
    return _rules.get().get(country, RetentionRule())


def reset_cache() -> None:
    _rules.reset()


# --- what keeps a case -------------------------------------------------------------------------


def open_proceedings(case: CaseFile) -> list[str]:
    """Why the case's proceedings are still open (empty when none are)."""
    reasons = []
    events = list(case.justice_events.order_by("decided_on", "pk").values_list("kind", flat=True))
    if events and events[-1] in OPEN_JUSTICE:
        reasons.append("criminal_case")
    # A compensation is still open when it was awarded and not paid, or claimed while the
    # criminal case has not ended (a claim in a case that ended without an award keeps nothing).
    unpaid = case.compensations.filter(paid_on__isnull=True)
    criminal_case_ended = bool(events) and events[-1] in CLOSING_JUSTICE
    if unpaid.filter(awarded_on__isnull=False).exists() or (
        unpaid.exists() and not criminal_case_ended
    ):
        reasons.append("compensation")
    return reasons


def cutoff(country: str, now: datetime) -> datetime | None:
    rule = rule_for(country)
    if rule.closed_case_years is None:
        return None
    return datetime.combine(
        add_months(now.date(), -12 * rule.closed_case_years), now.time(), tzinfo=now.tzinfo
    )


def due_cases(now: datetime) -> list[CaseFile]:
    """Closed cases past their country's schedule, not yet anonymised."""
    query = Q(pk__in=[])
    for country in jurisdiction_rules.jurisdictions():
        limit = cutoff(country, now)
        if limit is not None:
            query |= Q(jurisdiction=country, closed_at__lt=limit)
    return list(
        CaseFile.objects.filter(query, phase=Phase.CLOSED, anonymised_at=None).order_by("pk")
    )


@dataclass
class RetentionResult:
    anonymised: int = 0
    held: int = 0
    proceedings: int = 0


def run(*, now: datetime | None = None, dry_run: bool = False) -> RetentionResult:
    """Anonymise every case due (see the module docstring); returns the counts."""
    now = now or clock.now()
    held = sharing_selectors.held_objects(object_type=OBJECT_TYPE)
    result = RetentionResult()
    for case in due_cases(now):
        if case.pk in held:
            result.held += 1
            continue
        if open_proceedings(case):
            result.proceedings += 1
            continue
        if dry_run:
            result.anonymised += 1
            continue
        if anonymise(case_id=case.pk, now=now):
            result.anonymised += 1
    return result


# --- anonymisation -----------------------------------------------------------------------------


def _freeze_statistics(case: CaseFile) -> None:
    situation = casework.situation_of(case)
    born = case.person.date_of_birth
    if born is not None:
        decided, started = case.identification_decided_on, situation.exploitation_started_on
        case.age_at_identification = casework.age_on(born, decided) if decided else None
        case.age_at_exploitation = casework.age_on(born, started) if started else None
        if situation.birth_year is None:
            situation.birth_year = born.year
    situation.recruitment_place = ""
    situation.exploitation_place = ""
    if situation.pk is None:
        # Nothing was recorded: keep the year of birth (the figures count it) in a new row.
        if situation.birth_year is not None:
            situation.save()
        return
    situation.save(update_fields=["birth_year", "recruitment_place", "exploitation_place"])


def _erase_case_text(case: CaseFile) -> None:
    case.closure_note = ""
    case.no_guardian_reason = ""
    for model, fields in (
        (Disappearance, {"circumstances": ""}),
        (Deadline, {"title": ""}),
        (JusticeEvent, {"reference": "", "sentence": ""}),
        (VictimInformation, {"note": ""}),
        (CaseExport, {"recipient_name": "", "explanation": ""}),
    ):
        # Row by row: encrypted fields are written through the model (a queryset update would
        # store plaintext); these are a handful of rows per case.
        for row in model.objects.filter(case=case):
            for name, value in fields.items():
                setattr(row, name, value)
            row.save(update_fields=list(fields))
    for service in case.services.all():
        service.note = ""
        service.save(update_fields=["note"])
    for opening in BreakGlass.objects.filter(object_type=OBJECT_TYPE, object_id=case.pk):
        opening.reason = ""
        opening.save(update_fields=["reason"])
    for hold in LegalHold.objects.filter(object_type=OBJECT_TYPE, object_id=case.pk):
        hold.reason = ""
        hold.save(update_fields=["reason"])
    for grant in AccessGrant.objects.filter(object_type=OBJECT_TYPE, object_id=case.pk):
        grant.purpose = ""
        grant.save(update_fields=["purpose"])


def _erase_person(person: Person) -> bool:
    """Erase the person's identity unless another of their case files is still kept."""
    if CaseFile.objects.filter(person=person, anonymised_at=None).exists():
        return False
    person.given_names = ""
    person.family_name = ""
    person.aliases = []
    person.date_of_birth = None
    person.identity_documents = []
    person.phone = ""
    person.email = ""
    person.address = ""
    person.notes = ""
    person.dob_index = ""
    person.version += 1
    person.updated_at = clock.now()
    person.save()
    person.name_tokens.all().delete()
    Rectification.objects.filter(object_type="person", object_id=person.pk).delete()
    return True


def anonymise(*, case_id: int, now: datetime | None = None) -> bool:
    """Anonymise one case (and its person, when no other case keeps them); False when another
    run got there first."""
    now = now or clock.now()
    with transaction.atomic():
        claimed = CaseFile.objects.filter(pk=case_id, anonymised_at=None).update(anonymised_at=now)
        if not claimed:
            return False
        case = CaseFile.objects.select_related("person").get(pk=case_id)
        _freeze_statistics(case)
        _erase_case_text(case)
        case.version += 1
        case.save(
            update_fields=[
                "closure_note",
                "no_guardian_reason",
                "age_at_identification",
                "age_at_exploitation",
                "version",
            ]
        )
        person_erased = _erase_person(case.person)
        grants = sharing.grants_end_for_object(
            actor=None, object_type=OBJECT_TYPE, object_id=case.pk
        )
        audit.record(
            action=AuditAction.ANONYMISE,
            actor_label="retention",
            organisation_id=case.lead_organisation_id,
            object_type=OBJECT_TYPE,
            object_id=case.pk,
            legal_basis="retention",
            detail={
                "person": case.person_id,
                "person_erased": person_erased,
                "grants_ended": grants,
                "compensations": Compensation.objects.filter(case=case).count(),
            },
        )
    return True
