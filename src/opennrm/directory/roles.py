"""Roles and the scoped permissions each role grants.

A permission's codename carries its scope: ``*_own_org_*`` applies to objects of an organisation in
which the user holds the role; ``*_all_*`` applies everywhere. ``backends.OrganisationRoleBackend``
interprets this table; nothing else decides who may do what.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    FRONTLINE = "frontline", _("Front-line professional")
    CASE_WORKER = "case_worker", _("Case worker")
    CARE_COORDINATOR = "care_coordinator", _("Care coordinator")
    INVESTIGATOR = "investigator", _("Investigator")
    PROSECUTOR = "prosecutor", _("Prosecutor")
    COORDINATOR = "coordinator", _("Coordinator")
    ANALYST = "analyst", _("Analyst")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")


VIEW_ORGANISATIONS = "directory.view_all_organisation"
MANAGE_USERS = "directory.manage_own_org_user"
MANAGE_TOKENS = "directory.manage_own_org_apitoken"
VIEW_AUDIT = "core.view_all_auditevent"
VIEW_PERSON = "cases.view_own_org_person"
ADD_PERSON = "cases.add_own_org_person"
CHANGE_PERSON = "cases.change_own_org_person"
DELETE_PERSON = "cases.delete_own_org_person"
EXPORT_PERSON = "cases.export_own_org_person"
VIEW_SIGNAL = "intake.view_own_org_signal"
ADD_SIGNAL = "intake.add_own_org_signal"
CHANGE_SIGNAL = "intake.change_own_org_signal"
# Jurisdiction scope: signals whose jurisdiction is the country of an organisation in which the
# user holds the role (the coordination centre triages its whole country).
TRIAGE_SIGNAL = "intake.triage_jurisdiction_signal"
# Referrals: seen by the organisations that sent, received or are responsible for them; sent by
# the signal's organisation; answered (accepted, declined, completed) by the recipient.
VIEW_REFERRAL = "referrals.view_own_org_referral"
SEND_REFERRAL = "referrals.send_own_org_referral"
RESPOND_REFERRAL = "referrals.respond_own_org_referral"
# Jurisdiction scope: the coordination centre oversees, takes over and revokes every referral of
# its country, and reviews the referrals made without consent.
MANAGE_REFERRAL = "referrals.manage_jurisdiction_referral"

# Case files: seen by the lead organisation and the case team (the guardian's and the police
# contact's organisations); opened and worked on by the lead organisation.
VIEW_CASE = "cases.view_own_org_casefile"
ADD_CASE = "cases.add_own_org_casefile"
CHANGE_CASE = "cases.change_own_org_casefile"
# Jurisdiction scope: coordinators approve closures, review a minor left without a guardian, and
# oversee every case file of their country.
MANAGE_CASE = "cases.manage_jurisdiction_casefile"
# Health and psychological data of a case: seen by care roles of the lead organisation; anyone
# else only when a grant explicitly shares the category (issue #6).
VIEW_HEALTH = "cases.viewhealth_own_org_casefile"

# Information sharing: coordinators record the legal bases (laws, covenants) of their country and
# may open a case file outside their scope in an emergency (break-glass: a typed reason,
# time-limited, audited, the owner and the data-protection officers alerted). Only coordinators:
# a jurisdiction-wide power is granted by operators only (ROLES_GRANTED_BY_OPERATORS_ONLY), and
# the coordination centre is the 24/7 point that police and guardians call in an emergency.
MANAGE_SHARING = "sharing.manage_jurisdiction_legalbasis"
BREAK_GLASS = "sharing.breakglass_jurisdiction_legalbasis"

# Action plans: public policy, read by every role; progress is reported by the organisation that
# leads a measure; coordinators import plans and steer every measure of their country.
VIEW_PLANS = "plans.view_all_plan"
UPDATE_PLAN = "plans.update_own_org_plan"
MANAGE_PLAN = "plans.manage_jurisdiction_plan"
# Permissions of every scope that any role may hold without an operator granting it.
PUBLIC_READS = frozenset({VIEW_ORGANISATIONS, VIEW_PLANS})

_PERSON_WORK = {VIEW_PERSON, ADD_PERSON, CHANGE_PERSON, EXPORT_PERSON}
_SIGNAL_WORK = {VIEW_SIGNAL, ADD_SIGNAL, CHANGE_SIGNAL}
_REFERRAL_WORK = {VIEW_REFERRAL, SEND_REFERRAL, RESPOND_REFERRAL}
_CASE_WORK = {VIEW_CASE, ADD_CASE, CHANGE_CASE}
_CARE = {VIEW_HEALTH}

_PLAN_WORK = {VIEW_PLANS, UPDATE_PLAN}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.FRONTLINE: frozenset(
        {VIEW_ORGANISATIONS, VIEW_PERSON, ADD_PERSON, *_SIGNAL_WORK, *_REFERRAL_WORK}
    ),
    Role.CASE_WORKER: frozenset(
        {VIEW_ORGANISATIONS, *_PERSON_WORK, *_SIGNAL_WORK, *_REFERRAL_WORK, *_CASE_WORK, *_CARE}
    ),
    Role.CARE_COORDINATOR: frozenset(
        {VIEW_ORGANISATIONS, *_PERSON_WORK, *_SIGNAL_WORK, *_REFERRAL_WORK, *_CASE_WORK, *_CARE}
    ),
    # Investigators see the case files on which their organisation is the police contact.
    Role.INVESTIGATOR: frozenset(
        {VIEW_ORGANISATIONS, VIEW_PERSON, *_SIGNAL_WORK, *_REFERRAL_WORK, VIEW_CASE}
    ),
    # Prosecutors see signals and refer (source 004:L110-L112: police and PPS refer to the AVIM),
    # and see the case files the lead organisation shares with them (issue #6).
    Role.PROSECUTOR: frozenset(
        {VIEW_ORGANISATIONS, VIEW_PERSON, VIEW_SIGNAL, VIEW_REFERRAL, SEND_REFERRAL, VIEW_CASE}
    ),
    Role.COORDINATOR: frozenset(
        {
            VIEW_ORGANISATIONS,
            *_PERSON_WORK,
            DELETE_PERSON,
            *_SIGNAL_WORK,
            TRIAGE_SIGNAL,
            *_REFERRAL_WORK,
            MANAGE_REFERRAL,
            *_CASE_WORK,
            MANAGE_CASE,
            MANAGE_SHARING,
            BREAK_GLASS,
        }
    ),
    Role.ANALYST: frozenset({VIEW_ORGANISATIONS}),
    Role.AUDITOR: frozenset({VIEW_ORGANISATIONS, VIEW_AUDIT}),
    Role.ADMINISTRATOR: frozenset({VIEW_ORGANISATIONS, MANAGE_USERS, MANAGE_TOKENS}),
}

# Every role reads the plans; all but analysts and auditors report progress for their
# organisation; coordinators also manage the plans of their country.
ROLE_PERMISSIONS = {
    role: perms
    | (
        frozenset({VIEW_PLANS})
        if role in (Role.ANALYST, Role.AUDITOR)
        else frozenset(_PLAN_WORK | ({MANAGE_PLAN} if role == Role.COORDINATOR else set()))
    )
    for role, perms in ROLE_PERMISSIONS.items()
}

# Roles that can see personal data (of case subjects, or of staff in the audit trail and user
# administration) must use TOTP two-factor authentication. Analysts see pseudonymised data only.
ROLES_REQUIRING_2FA: frozenset[str] = frozenset(set(Role.values) - {Role.ANALYST})


def is_all_scope(perm: str) -> bool:
    return "_all_" in perm.split(".", 1)[-1]


def is_jurisdiction_scope(perm: str) -> bool:
    return "_jurisdiction_" in perm.split(".", 1)[-1]


# Roles that reach beyond one's own organisation (other than reading the directory) are given only
# by the operator (`opennrm user create`), never by an organisation administrator: otherwise the
# administrator of any small organisation could make themselves a national auditor.
ROLES_GRANTED_BY_OPERATORS_ONLY: frozenset[str] = frozenset(
    role
    for role, perms in ROLE_PERMISSIONS.items()
    if any(
        (is_all_scope(perm) or is_jurisdiction_scope(perm)) and perm not in PUBLIC_READS
        for perm in perms
    )
)
ROLE_CHOICES_FOR_ADMINISTRATORS = [
    (value, label) for value, label in Role.choices if value not in ROLES_GRANTED_BY_OPERATORS_ONLY
]
