"""The case team and the sharing of a case file (issue #6): writes.

* ``team_member_add`` / ``team_member_remove``: share categories of the case with another
  organisation (or one named person there) under a legal basis or the person's consent
  (``sharing.services.grant_create`` refuses what the basis does not cover); removal ends the
  access at once, since every door reads the grants in force.
* ``case_protect``: mark a case specially protected (only the people named on it see it) or lift
  the mark.
* ``emergency_open``: break-glass. A coordinator types the case's reference and a reason; the case
  opens to them, read-only and in every category, for ``sharing.rules.BREAK_GLASS_HOURS``; the
  case owner and the data-protection officers (auditors) of the country are alerted.
* ``hold_place`` / ``hold_lift``: keep a case from the retention schedule while proceedings run.

Who may share: the lead organisation's case workers and the country's coordinators
(``case_selectors.may_share``); a refusal answers as for a missing case.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opennrm.cases import case_selectors
from opennrm.cases.casefiles import save
from opennrm.cases.models import CaseFile
from opennrm.core import audit
from opennrm.core.errors import ConcurrentEditError, InvalidInput, NotFoundOrForbidden
from opennrm.core.locks import lock_for_update
from opennrm.core.models import AuditAction
from opennrm.directory import notifications, roles
from opennrm.directory.backends import countries_with_perm
from opennrm.directory.selectors import users_with_perm
from opennrm.sharing import services as sharing
from opennrm.sharing.models import AccessGrant, BreakGlass, LegalHold

OBJECT_TYPE = case_selectors.OBJECT_TYPE
REFERENCE_MAX = 20

notifications.register(
    "case_shared",
    gettext_lazy("Case %(reference)s was shared with your organisation by %(organisation)s"),
)
notifications.register(
    "case_emergency_access",
    gettext_lazy(
        "Emergency access: case %(reference)s (%(organisation)s) was opened outside the case "
        "team; check the reason in the case's team page"
    ),
)


def _sharable(actor: Any, case_id: object) -> CaseFile:
    case = case_selectors.access_case(actor=actor, case_id=case_id, record_read=False)
    if not case_selectors.may_share(actor, case):
        raise NotFoundOrForbidden
    return case


def team_member_add(*, actor: Any, case_id: object, data: dict[str, Any]) -> AccessGrant:
    """Add a team member (``data``: organisation, user, role, categories, purpose, legal_basis or
    consent_given_on, ends_on). The recipients are told in their inbox."""
    case = _sharable(actor, case_id)
    if case.anonymised_at is not None or not case.is_open:
        raise InvalidInput({"organisation": [_("A closed case file is not shared any more.")]})
    if case.specially_protected and data.get("user") in (None, ""):
        raise InvalidInput(
            {
                "user": [
                    _(
                        "This case is specially protected: name the person to share it with "
                        "(an organisation as a whole does not see it)."
                    )
                ]
            }
        )
    with transaction.atomic():
        grant = sharing.grant_create(
            actor=actor,
            object_type=OBJECT_TYPE,
            object_id=case.pk,
            jurisdiction=case.jurisdiction,
            granting_organisation_id=case.lead_organisation_id,
            organisation_id=data.get("organisation"),
            user_id=data.get("user"),
            role=data.get("role"),
            categories=data.get("categories"),
            purpose=data.get("purpose"),
            legal_basis_id=data.get("legal_basis"),
            consent_given_on=data.get("consent_given_on"),
            ends_on=data.get("ends_on"),
        )
        recipients = (
            [grant.user]
            if grant.user is not None
            else users_with_perm(roles.VIEW_CASE, organisation_id=grant.organisation_id)
        )
        notifications.notify(
            users=recipients,
            kind="case_shared",
            reference=case.reference,
            organisation_name=case.lead_organisation.name,
            link=reverse("cases:case", args=[case.pk]),
        )
    return grant


def team_member_remove(*, actor: Any, case_id: object, grant_id: object) -> AccessGrant:
    case = _sharable(actor, case_id)
    return sharing.grant_revoke(
        actor=actor, object_type=OBJECT_TYPE, object_id=case.pk, grant_id=grant_id
    )


def case_protect(*, actor: Any, case_id: object, expected_version: Any, protect: bool) -> CaseFile:
    """Mark the case specially protected, or lift the mark (audited; the version guards it)."""
    case = _sharable(actor, case_id)
    try:
        version = int(str(expected_version))
    except (TypeError, ValueError):
        raise ConcurrentEditError from None
    with transaction.atomic():
        case = lock_for_update(CaseFile, case.pk, version)
        if case.specially_protected != protect:
            case.specially_protected = protect
            save(case, ["specially_protected"])
            audit.record(
                action=AuditAction.UPDATE,
                actor=actor,
                organisation_id=case.lead_organisation_id,
                object_type=OBJECT_TYPE,
                object_id=case.pk,
                detail={"fields": ["specially_protected"], "specially_protected": protect},
            )
    return case


def may_open_in_emergency(actor: Any) -> bool:
    return bool(countries_with_perm(actor, roles.BREAK_GLASS)) and bool(
        getattr(actor, "is_active", False)
    )


def emergency_open(*, actor: Any, reference: Any, reason: Any) -> tuple[CaseFile, BreakGlass]:
    """Break-glass: open the case ``reference`` of one's country outside one's scope."""
    countries = countries_with_perm(actor, roles.BREAK_GLASS)
    if not countries:
        raise NotFoundOrForbidden
    text = reference.strip().upper() if isinstance(reference, str) else ""
    case = (
        CaseFile.objects.select_related("lead_organisation")
        .filter(reference=text[:REFERENCE_MAX], jurisdiction__in=countries)
        .first()
    )
    if case is None:
        audit.record(
            action=AuditAction.DENIED,
            actor=actor,
            object_type=OBJECT_TYPE,
            purpose="emergency",
            detail={"action": "emergency_open"},
        )
        raise InvalidInput(
            {"reference": [_("There is no case file with this reference in your country.")]}
        )
    with transaction.atomic():
        opening = sharing.break_glass_open(
            actor=actor,
            object_type=OBJECT_TYPE,
            object_id=case.pk,
            jurisdiction=case.jurisdiction,
            reason=reason,
        )
        # The owner reads the reason on the team page; the data-protection officers (auditors
        # of the country) in the access review.
        for users, link in (
            ([case.owner], reverse("cases:team", args=[case.pk])),
            (
                users_with_perm(roles.VIEW_AUDIT, country=case.jurisdiction),
                reverse("cases:access", args=[case.pk]),
            ),
        ):
            notifications.notify(
                users=[user for user in users if user.pk != actor.pk],
                kind="case_emergency_access",
                reference=case.reference,
                organisation_name=case.lead_organisation.name,
                link=link,
            )
    return case, opening


def hold_place(*, actor: Any, case_id: object, reason: Any) -> LegalHold:
    case = _sharable(actor, case_id)
    return sharing.hold_place(
        actor=actor, object_type=OBJECT_TYPE, object_id=case.pk, reason=reason
    )


def hold_lift(*, actor: Any, case_id: object, hold_id: object) -> LegalHold:
    case = _sharable(actor, case_id)
    return sharing.hold_lift(
        actor=actor, object_type=OBJECT_TYPE, object_id=case.pk, hold_id=hold_id
    )
