"""Access reviews for the data-protection officer (issue #6, item 6): who can see which case file
and why, and who actually looked (from the audit trail), per case and per organisation.

"Who can see" is not a second rule set: the candidates (the members of the team's organisations,
the country's coordinators, the people and organisations a grant names, the emergency openings)
are each run through ``case_selectors.case_access``, the same computation the door uses. Reviews
show staff names and case references, never a case subject's data; each review is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Min, Q

from opennrm.cases.case_selectors import OBJECT_TYPE, case_access, visible_cases
from opennrm.cases.models import CaseFile
from opennrm.core import audit, clock
from opennrm.core.errors import NotFoundOrForbidden
from opennrm.core.models import AuditAction, AuditEvent
from opennrm.directory import roles
from opennrm.directory.backends import is_signed_in
from opennrm.directory.models import Membership, Organisation, User
from opennrm.directory.selectors import users_with_perm
from opennrm.sharing import selectors as sharing_selectors
from opennrm.sharing.models import AccessGrant, BreakGlass, DataCategory

LOOKED_ACTIONS = (AuditAction.READ, AuditAction.EXPORT, AuditAction.UPDATE, AuditAction.CREATE)
RECENT_DAYS = 90


def may_review(actor: Any) -> bool:
    return (
        is_signed_in(actor)
        and getattr(actor, "is_active", False)
        and actor.has_perm(roles.VIEW_AUDIT)
    )


@dataclass
class Viewer:
    user: User
    via: tuple[str, ...]
    categories: list[str]
    change: bool


@dataclass
class Looker:
    actor_id: int | None
    label: str
    count: int
    first: datetime
    last: datetime
    actions: list[str] = field(default_factory=list)


@dataclass
class CaseReview:
    case: CaseFile
    viewers: list[Viewer]
    grants: list[AccessGrant]
    openings: list[BreakGlass]
    looked: list[Looker]
    denied: int


def _candidates(case: CaseFile) -> dict[int, User]:
    found: dict[int, User] = {}
    for org_id in (
        case.lead_organisation_id,
        case.guardian_organisation_id,
        case.police_organisation_id,
    ):
        if org_id is not None:
            found.update(
                {u.pk: u for u in users_with_perm(roles.VIEW_CASE, organisation_id=org_id)}
            )
    found.update({u.pk: u for u in users_with_perm(roles.MANAGE_CASE, country=case.jurisdiction)})
    for grant in AccessGrant.objects.filter(object_type=OBJECT_TYPE, object_id=case.pk).filter(
        revoked_at=None
    ):
        if grant.user_id is not None:
            found.setdefault(grant.user_id, User.objects.get(pk=grant.user_id))
        else:
            found.update(
                {
                    u.pk: u
                    for u in users_with_perm(roles.VIEW_CASE, organisation_id=grant.organisation_id)
                }
            )
    for opening in BreakGlass.objects.filter(
        object_type=OBJECT_TYPE, object_id=case.pk, expires_at__gt=clock.now()
    ).select_related("user"):
        found.setdefault(opening.user_id, opening.user)
    for user_id in (case.owner_id, case.guardian_id, case.police_contact_id):
        if user_id is not None and user_id not in found:
            found[user_id] = User.objects.get(pk=user_id)
    return found


def viewers_of(case: CaseFile) -> list[Viewer]:
    order = list(DataCategory.values)
    rows = []
    for user in _candidates(case).values():
        access = case_access(user, case)
        if access.view:
            rows.append(
                Viewer(
                    user=user,
                    via=access.via,
                    categories=sorted(access.categories, key=order.index),
                    change=access.change,
                )
            )
    rows.sort(key=lambda row: (row.via, row.user.get_username()))
    return rows


def standing_team(case: CaseFile) -> list[tuple[str, Organisation | None, User | None]]:
    """The team a case has without grants: lead organisation and owner, guardian, police."""
    return [
        ("lead", case.lead_organisation, case.owner),
        ("guardian", case.guardian_organisation, case.guardian),
        ("police", case.police_organisation, case.police_contact),
    ]


def _looked(object_filters: list[tuple[str, str]]) -> list[Looker]:
    """Who read, changed or exported these objects: per person, how often, first and last."""
    query = Q()
    for object_type, object_id in object_filters:
        query |= Q(object_type=object_type, object_id=object_id)
    events = AuditEvent.objects.filter(query, action__in=LOOKED_ACTIONS)
    actions_of: dict[int | None, set[str]] = {}
    for actor_id, action in events.values_list("actor_id", "action").distinct():
        actions_of.setdefault(actor_id, set()).add(action)
    rows = (
        events.values("actor_id", "actor_label")
        .annotate(count=Count("seq"), first=Min("occurred_at"), last=Max("occurred_at"))
        .order_by("-last")
    )
    return [
        Looker(
            actor_id=row["actor_id"],
            label=row["actor_label"],
            count=row["count"],
            first=row["first"],
            last=row["last"],
            actions=sorted(actions_of.get(row["actor_id"], set())),
        )
        for row in rows
    ]


def case_review(*, actor: Any, case_id: object) -> CaseReview:
    if not may_review(actor):
        raise NotFoundOrForbidden
    try:
        pk = int(str(case_id))
    except ValueError:
        raise NotFoundOrForbidden from None
    case = CaseFile.objects.select_related("lead_organisation", "owner").filter(pk=pk).first()
    if case is None:
        raise NotFoundOrForbidden
    objects = [(OBJECT_TYPE, str(case.pk)), ("person", str(case.person_id))]
    review = CaseReview(
        case=case,
        viewers=viewers_of(case),
        grants=sharing_selectors.team_of(object_type=OBJECT_TYPE, object_id=case.pk),
        openings=sharing_selectors.openings_of(object_type=OBJECT_TYPE, object_id=case.pk),
        looked=_looked(objects),
        denied=AuditEvent.objects.filter(
            object_type=OBJECT_TYPE, object_id=str(case.pk), action=AuditAction.DENIED
        ).count(),
    )
    audit.record(
        action=AuditAction.READ,
        actor=actor,
        organisation_id=case.lead_organisation_id,
        object_type="access_review",
        object_id=case.pk,
        purpose="access_review",
    )
    return review


@dataclass
class MemberReview:
    user: User
    roles: list[str]
    cases_visible: int
    cases_opened: int
    emergency_openings: int


@dataclass
class OrganisationReview:
    organisation: Organisation
    members: list[MemberReview]
    shared_with: list[AccessGrant]
    shared_by: list[AccessGrant]
    since: datetime


def organisations_to_review() -> list[Organisation]:
    return list(Organisation.objects.order_by("country", "name"))


def organisation_review(*, actor: Any, organisation_id: object) -> OrganisationReview:
    """Per member: how many case files they can open today, how many they opened in the last
    ``RECENT_DAYS`` days, and their emergency openings; and the grants to and from the
    organisation."""
    if not may_review(actor):
        raise NotFoundOrForbidden
    try:
        pk = int(str(organisation_id))
    except ValueError:
        raise NotFoundOrForbidden from None
    organisation = Organisation.objects.filter(pk=pk).first()
    if organisation is None:
        raise NotFoundOrForbidden
    since = clock.now() - timedelta(days=RECENT_DAYS)
    memberships = Membership.objects.filter(organisation=organisation, is_active=True)
    users = User.objects.filter(pk__in=memberships.values("user_id")).order_by("username")
    members = []
    for user in users:
        opened = (
            AuditEvent.objects.filter(
                actor_id=user.pk,
                object_type=OBJECT_TYPE,
                action=AuditAction.READ,
                occurred_at__gte=since,
            )
            .values("object_id")
            .distinct()
            .count()
        )
        members.append(
            MemberReview(
                user=user,
                roles=sorted(memberships.filter(user=user).values_list("role", flat=True)),
                cases_visible=visible_cases(user).count() if user.is_active else 0,
                cases_opened=opened,
                emergency_openings=BreakGlass.objects.filter(
                    user=user, opened_at__gte=since
                ).count(),
            )
        )
    grants = sharing_selectors.in_force(
        AccessGrant.objects.select_related("organisation", "user", "legal_basis")
    )
    review = OrganisationReview(
        organisation=organisation,
        members=members,
        shared_with=list(grants.filter(organisation=organisation).order_by("-granted_at")),
        shared_by=list(grants.filter(granting_organisation=organisation).order_by("-granted_at")),
        since=since,
    )
    audit.record(
        action=AuditAction.READ,
        actor=actor,
        organisation_id=organisation.pk,
        object_type="access_review",
        object_id=f"organisation-{organisation.pk}",
        purpose="access_review",
    )
    return review
