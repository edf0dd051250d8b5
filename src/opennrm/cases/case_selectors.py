"""Reads of case files, permission-checked: the one door to a case file (DESIGN rule 2).

Who may open a case file:

* members of the lead organisation with a role granting ``VIEW_CASE``;
* members of the case team's organisations with that role: the guardian's organisation and the
  police contact's organisation (they are notified when a minor goes missing and must be able to
  act on it);
* coordinators of the case's country (``MANAGE_CASE``).

Only the lead organisation (``CHANGE_CASE``) and coordinators work on it. A missing case and a
forbidden one give the same answer (``NotFoundOrForbidden``); both are audited (``denied``), and
so is every opening of a case (``read``) and every list shown. (An id that is not a number, and a
request without a signed-in user, are refused before any case is looked up and not audited, as
for persons.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.utils import timezone

from opennrm.cases import phases
from opennrm.cases.models import (
    CaseFile,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    Phase,
    ServiceKind,
)
from opennrm.core import audit, clock
from opennrm.core.errors import NotFoundOrForbidden
from opennrm.core.models import AuditAction
from opennrm.directory import roles
from opennrm.directory.backends import countries_with_perm, is_signed_in, organisations_with_perm
from opennrm.sharing import selectors as sharing_selectors
from opennrm.sharing.models import DataCategory

CaseAction = Literal["view", "change", "manage"]
OBJECT_TYPE = "case"
LIST_LIMIT = 200


def _orgs(actor: Any, perm: str) -> set[int]:
    if not is_signed_in(actor) or not getattr(actor, "is_active", False):
        return set()  # a deactivated account holds no organisation, whatever its memberships
    return organisations_with_perm(actor, perm)


def _countries(actor: Any) -> set[str]:
    if not is_signed_in(actor) or not getattr(actor, "is_active", False):
        return set()
    return countries_with_perm(actor, roles.MANAGE_CASE)


def _coordinated(actor: Any, case: CaseFile) -> bool:
    return case.jurisdiction in _countries(actor)


# What each part of the case team sees without a grant (issue #6). Health and psychological data
# only where the actor holds ``VIEW_HEALTH`` (care roles) in the organisation, or through a grant
# that names the category explicitly, or in an emergency opening.
ALL_CATEGORIES = frozenset(DataCategory.values)
HEALTH = DataCategory.HEALTH.value
IDENTITY = DataCategory.IDENTITY.value
IMMIGRATION = DataCategory.IMMIGRATION.value
JUSTICE = DataCategory.JUSTICE.value
SERVICES = DataCategory.SERVICES.value
NOTES = DataCategory.NOTES.value
# The person's identity stays with the organisations that may view the person (the registering
# one, and the lead organisation of an open case): the rest of the team sees it only when a grant
# shares it, or in an emergency.
# Health: the lead organisation's care roles only (``VIEW_HEALTH``); the guardian's organisation
# and everyone else when a grant shares it.
LEAD_SEES = ALL_CATEGORIES - {HEALTH}
GUARDIAN_SEES = ALL_CATEGORIES - {HEALTH, IDENTITY}
POLICE_SEES = frozenset({DataCategory.JUSTICE.value})
COORDINATOR_SEES = ALL_CATEGORIES - {HEALTH, IDENTITY}


@dataclass(frozen=True)
class CaseAccess:
    """What one actor may do with one case file, and why (``via``: lead, guardian, police,
    coordinator, team, emergency)."""

    view: bool = False
    change: bool = False
    coordinator: bool = False
    categories: frozenset[str] = frozenset()
    via: tuple[str, ...] = ()
    emergency_until: Any = None

    def sees(self, category: str) -> bool:
        return category in self.categories


def named_people(case: CaseFile) -> set[int]:
    """Who is named on the case: its owner, guardian, police contact and the people a grant in
    force names. Only they see a specially protected case."""
    named = {
        int(user_id)
        for user_id in (case.owner_id, case.guardian_id, case.police_contact_id)
        if user_id is not None
    }
    return named | sharing_selectors.named_users(object_type=OBJECT_TYPE, object_id=case.pk)


def case_access(actor: Any, case: CaseFile) -> CaseAccess:
    """The one computation of an actor's access to a case (the door below and every page use
    it); cached on the case object for the request."""
    cache: dict[int, CaseAccess] = case.__dict__.setdefault("_access_cache", {})
    key = getattr(actor, "pk", None) or 0
    if key not in cache:
        cache[key] = _compute_access(actor, case)
    return cache[key]


def _compute_access(actor: Any, case: CaseFile) -> CaseAccess:
    if not is_signed_in(actor) or not getattr(actor, "is_active", False):
        return CaseAccess()
    categories: set[str] = set()
    via: list[str] = []
    coordinator = False
    change = False
    if not case.specially_protected or actor.pk in named_people(case):
        viewing = _orgs(actor, roles.VIEW_CASE)
        health = _orgs(actor, roles.VIEW_HEALTH)
        for part, org_id, sees in (
            ("lead", case.lead_organisation_id, LEAD_SEES),
            ("guardian", case.guardian_organisation_id, GUARDIAN_SEES),
            ("police", case.police_organisation_id, POLICE_SEES),
        ):
            if org_id is not None and org_id in viewing:
                categories |= sees
                via.append(part)
                if part == "lead" and org_id in health:
                    categories.add(HEALTH)
        if _coordinated(actor, case):
            coordinator = True
            categories |= COORDINATOR_SEES
            via.append("coordinator")
        grants = sharing_selectors.grants_applying(
            actor=actor, object_type=OBJECT_TYPE, object_id=case.pk, perm=roles.VIEW_CASE
        )
        for grant in grants:
            categories |= set(grant.categories)
        if grants:
            via.append("team")
        # An anonymised case is read-only for good: nothing typed into it would ever be erased.
        change = case.anonymised_at is None and (
            case.lead_organisation_id in _orgs(actor, roles.CHANGE_CASE) or coordinator
        )
    opening = sharing_selectors.openings_applying(
        actor=actor, object_type=OBJECT_TYPE, object_id=case.pk
    )
    if opening is not None:
        categories |= ALL_CATEGORIES
        via.append("emergency")
    return CaseAccess(
        view=bool(via),
        change=change,
        coordinator=coordinator,
        categories=frozenset(categories),
        via=tuple(via),
        emergency_until=opening.expires_at if opening else None,
    )


# Which category each kind of deadline belongs to: a deadline shows only to who sees its category.
DEADLINE_CATEGORY = {
    DeadlineKind.PROCEDURE: DataCategory.IMMIGRATION.value,
    DeadlineKind.SERVICE_FOLLOW_UP: DataCategory.SERVICES.value,
    DeadlineKind.COMPENSATION: DataCategory.JUSTICE.value,
    DeadlineKind.TASK: DataCategory.NOTES.value,
}
HEALTH_SERVICES = frozenset({ServiceKind.MEDICAL.value, ServiceKind.PSYCHOLOGICAL.value})


def deadline_visible(
    row: Deadline, categories: frozenset[str], health_services: frozenset[int] = frozenset()
) -> bool:
    """Whether a deadline shows to who sees ``categories``; the 18th birthday and the transition
    plan show to every team member (they are why the team exists for a minor). The follow-up of
    a medical or psychological service (``health_services``: their ids) is health data."""
    category = DEADLINE_CATEGORY.get(row.kind)  # type: ignore[call-overload]
    if row.kind == DeadlineKind.SERVICE_FOLLOW_UP and row.subject_id in health_services:
        category = HEALTH
    return category is None or category in categories


def health_service_ids(case: CaseFile) -> frozenset[int]:
    return frozenset(case.services.filter(kind__in=HEALTH_SERVICES).values_list("pk", flat=True))


def service_kinds_seen(categories: frozenset[str]) -> list[str]:
    kinds = set()
    if DataCategory.SERVICES.value in categories:
        kinds |= set(ServiceKind.values) - HEALTH_SERVICES
    if HEALTH in categories:
        kinds |= HEALTH_SERVICES
    return sorted(kinds)


def is_coordinator(actor: Any, case: CaseFile) -> bool:
    return case_access(actor, case).coordinator


def team_organisations(case: CaseFile) -> set[int]:
    return {
        org_id
        for org_id in (
            case.lead_organisation_id,
            case.guardian_organisation_id,
            case.police_organisation_id,
        )
        if org_id is not None
    }


def may_view(actor: Any, case: CaseFile) -> bool:
    return case_access(actor, case).view


def parts_of(actor: Any, case: CaseFile) -> set[str]:
    """The parts (``phases.LEAD``, ``phases.COORDINATOR``) the actor plays on this case."""
    access = case_access(actor, case)
    found: set[str] = set()
    if access.change and case.lead_organisation_id in _orgs(actor, roles.CHANGE_CASE):
        found.add(phases.LEAD)
    if access.coordinator and access.change:
        found.add(phases.COORDINATOR)
    return found


def may_change(actor: Any, case: CaseFile) -> bool:
    return case_access(actor, case).change


def may_report_missing(actor: Any, case: CaseFile) -> bool:
    """The lead organisation, the guardian's organisation and coordinators report a person
    missing (whoever notices it first)."""
    access = case_access(actor, case)
    if not access.view or access.via == ("emergency",):
        return access.change
    orgs = _orgs(actor, roles.CHANGE_CASE)
    team = {case.lead_organisation_id, case.guardian_organisation_id} - {None}
    return bool(orgs & team) or access.coordinator


def allowed_phase_actions(actor: Any, case: CaseFile) -> list[str]:
    parts = parts_of(actor, case)
    return [
        action
        for action in phases.PHASE_ACTIONS
        if case.phase in phases.TRANSITIONS[action].sources
        and phases.TRANSITIONS[action].by & parts
    ]


def may_share(actor: Any, case: CaseFile) -> bool:
    """Who adds and removes team members, protects the record and places legal holds: the lead
    organisation's case workers and the country's coordinators."""
    return case_access(actor, case).change


def access_case(
    *, actor: Any, case_id: object, action: CaseAction = "view", record_read: bool = True
) -> CaseFile:
    """The case ``case_id`` if ``actor`` may ``action`` it; a successful view is audited."""
    try:
        pk = int(str(case_id))
    except ValueError:
        raise NotFoundOrForbidden from None
    if not is_signed_in(actor) or pk <= 0:
        raise NotFoundOrForbidden
    case = (
        CaseFile.objects.select_related(
            "person",
            "lead_organisation",
            "owner",
            "guardian_organisation",
            "guardian",
            "police_organisation",
            "police_contact",
            "identification_decided_by",
        )
        .filter(pk=pk)
        .first()
    )
    access = case_access(actor, case) if case is not None else CaseAccess()
    allowed = (
        access.view
        if action == "view"
        else access.coordinator
        if action == "manage"
        else access.change
    )
    if case is None or not allowed:
        audit.record(
            action=AuditAction.DENIED,
            actor=actor,
            organisation_id=case.lead_organisation_id if case else None,
            object_type=OBJECT_TYPE,
            object_id=pk,
            detail={"action": action},
        )
        raise NotFoundOrForbidden
    if record_read:
        audit.record(
            action=AuditAction.READ,
            actor=actor,
            organisation_id=case.lead_organisation_id,
            object_type=OBJECT_TYPE,
            object_id=case.pk,
            purpose="emergency" if access.via == ("emergency",) else "",
            detail={"via": list(access.via), "categories": sorted(access.categories)},
        )
    return case


def visible_cases(actor: Any) -> QuerySet[CaseFile]:
    """Cases the actor may open; a specially protected case only where the actor is named on it
    (its owner, guardian or police contact, or a grant naming them). Emergency openings are
    reached by their reference, never listed."""
    orgs = _orgs(actor, roles.VIEW_CASE)
    countries = _countries(actor)
    granted = sharing_selectors.objects_granted(
        actor=actor, object_type=OBJECT_TYPE, perm=roles.VIEW_CASE
    )
    visible = CaseFile.objects.filter(
        Q(lead_organisation_id__in=orgs)
        | Q(guardian_organisation_id__in=orgs)
        | Q(police_organisation_id__in=orgs)
        | Q(jurisdiction__in=countries)
        | Q(pk__in=granted.values("object_id"))
    )
    return visible.filter(not_hidden_from(actor))


def not_hidden_from(actor: Any, path: str = "") -> Q:
    """Case files (``path``: the lookup from the queried model to the case, e.g. ``"case__"``)
    that are not specially protected, or on which the actor is named: as owner, guardian, police
    contact, or by a grant in force naming them (``named_people`` for one case)."""
    named = (
        sharing_selectors.objects_granted(
            actor=actor, object_type=OBJECT_TYPE, perm=roles.VIEW_CASE
        )
        .filter(user_id=actor.pk)
        .values("object_id")
    )
    return (
        Q(**{f"{path}specially_protected": False})
        | Q(**{f"{path}owner_id": actor.pk})
        | Q(**{f"{path}guardian_id": actor.pk})
        | Q(**{f"{path}police_contact_id": actor.pk})
        | Q(**{f"{path}pk__in": named})
    )


def _audited(actor: Any, view: str, cases: list[CaseFile]) -> list[CaseFile]:
    audit.record(
        action=AuditAction.SEARCH,
        actor=actor,
        object_type=OBJECT_TYPE,
        detail={"view": view, "results": len(cases), "ids": [case.pk for case in cases]},
    )
    return cases


def case_list(
    *, actor: Any, include_closed: bool = False, limit: int = LIST_LIMIT
) -> list[CaseFile]:
    """The case files the actor may see, those they own first, then the most recently changed."""
    if not is_signed_in(actor):
        return []
    queryset = visible_cases(actor).select_related("lead_organisation", "owner")
    if not include_closed:
        queryset = queryset.exclude(phase=Phase.CLOSED)
    cases = list(queryset.order_by("-updated_at", "-pk")[:limit])
    cases.sort(key=lambda case: case.owner_id != actor.pk)
    return _audited(actor, "cases", cases)


def cases_of_referral(*, actor: Any, referral_id: int) -> list[CaseFile]:
    """The case files opened from a referral that the actor may see (for the referral's page)."""
    if not is_signed_in(actor):
        return []
    return list(
        visible_cases(actor).filter(referral_id=referral_id).select_related("lead_organisation")
    )


# --- deadlines

DUE_SOON_DAYS = 7
DUE_LATER_DAYS = 30


@dataclass
class DeadlineBoard:
    """Open deadlines split by urgency: overdue, due within 7 days, within 30 days."""

    today: date
    overdue: list[Deadline] = field(default_factory=list)
    soon: list[Deadline] = field(default_factory=list)
    later: list[Deadline] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.soon) + len(self.later)


def _board(actor: Any, view: str, queryset: QuerySet[Deadline]) -> DeadlineBoard:
    today = timezone.localdate(clock.now())
    horizon = today + timedelta(days=DUE_LATER_DAYS)
    rows = list(
        queryset.filter(
            status=DeadlineStatus.OPEN, due_on__lte=horizon, case__phase__in=phases.OPEN_PHASES
        )
        .select_related("case", "case__lead_organisation", "case__owner", "owner")
        .order_by("due_on", "pk")[:LIST_LIMIT]
    )
    board = DeadlineBoard(today=today)
    for row in rows:
        if row.due_on < today:
            board.overdue.append(row)
        elif row.due_on <= today + timedelta(days=DUE_SOON_DAYS):
            board.soon.append(row)
        else:
            board.later.append(row)
    audit.record(
        action=AuditAction.SEARCH,
        actor=actor,
        object_type="deadline",
        detail={"view": view, "results": len(rows), "cases": sorted({r.case_id for r in rows})},
    )
    return board


def my_deadlines(*, actor: Any) -> DeadlineBoard:
    """Deadlines the actor owns: their tasks, and the rule deadlines of the cases they own."""
    if not is_signed_in(actor):
        return DeadlineBoard(today=clock.now().date())
    mine = Q(owner=actor) | Q(owner__isnull=True, case__owner=actor)
    # Only on cases the actor still works on (a duty never outlives the access to its case).
    working = Q(case__lead_organisation_id__in=_orgs(actor, roles.CHANGE_CASE))
    return _board(
        actor,
        "my_deadlines",
        Deadline.objects.filter(mine & working, not_hidden_from(actor, "case__")),
    )


def organisation_deadlines(*, actor: Any) -> DeadlineBoard:
    """Deadlines of every case led by an organisation where the actor works on cases."""
    orgs = _orgs(actor, roles.CHANGE_CASE)
    return _board(
        actor,
        "organisation_deadlines",
        Deadline.objects.filter(
            Q(case__lead_organisation_id__in=orgs), not_hidden_from(actor, "case__")
        ),
    )


def deadlines_of_case(case: CaseFile) -> list[Deadline]:
    """The case's deadlines, open first (the caller has passed ``access_case``)."""
    rows = list(case.deadlines.select_related("owner", "done_by").order_by("due_on", "pk"))
    rows.sort(key=lambda row: row.status != DeadlineStatus.OPEN)
    return rows
