"""A demo case file: what a new instance shows on the case pages.

Loaded by ``opennrm demo load`` after the demo organisations, users and signals, only where demo
mode is allowed. Idempotent: added once (the demo case worker's first case marks it). The person
is invented for the demo and describes no real person.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from opennrm.cases import casefiles, casework, deadlines, protection, services
from opennrm.cases.models import CaseFile
from opennrm.core import clock
from opennrm.directory.models import Organisation, User


def load() -> int:
    """Open the demo case once; returns how many were added (0 or 1)."""
    casper = User.objects.filter(username="demo-caseworker", is_demo=True).first()
    guardian = User.objects.filter(username="demo-guardian", is_demo=True).first()
    investigator = User.objects.filter(username="demo-investigator", is_demo=True).first()
    coa = Organisation.objects.filter(slug="nl-coa").first()
    nidos = Organisation.objects.filter(slug="nl-nidos").first()
    police = Organisation.objects.filter(slug="nl-police-avim").first()
    if None in (casper, guardian, investigator, coa, nidos, police):
        return 0
    assert casper is not None and coa is not None and nidos is not None and police is not None  # noqa: S101
    if CaseFile.objects.filter(owner=casper).exists():
        return 0
    today = clock.now().date()
    with transaction.atomic():
        person = services.person_create(
            actor=casper,
            organisation_id=coa.pk,
            data={
                "given_names": "Amina",
                "family_name": "Demo",
                "date_of_birth": (today - timedelta(days=16 * 365 + 100)).isoformat(),
                "notes": "Invented person for the demo.",
            },
        )
        case = casefiles.case_open(
            actor=casper, organisation_id=coa.pk, person_id=person.pk, unaccompanied_minor=True
        )
        case = casefiles.case_set_team(
            actor=casper,
            case_id=case.pk,
            expected_version=case.version,
            unaccompanied_minor=True,
            guardian_organisation_id=nidos.pk,
            guardian_id=getattr(guardian, "pk", None),
            guardian_appointed_on=today - timedelta(days=20),
            police_organisation_id=police.pk,
            police_contact_id=getattr(investigator, "pk", None),
        )
        casefiles.case_step(
            actor=casper, case_id=case.pk, expected_version=case.version, action="advance"
        )
        protection.procedure_start(
            actor=casper,
            case_id=case.pk,
            procedure="NL/residence",
            state="reflection",
            effective_on=today - timedelta(days=75),
        )
        casework.situation_update(
            actor=casper,
            case_id=case.pk,
            expected_version=0,
            data={
                "sex": "female",
                "citizenships": "GN",
                "languages": "fr",
                "exploitation_forms": ["sexual"],
                "recruitment_methods": ["online_social_network"],
                "recruitment_country": "GN",
                "transit_countries": "FR",
                "exploitation_country": "NL",
            },
        )
        casework.service_add(
            actor=casper,
            case_id=case.pk,
            data={
                "kind": "psychological",
                "status": "active",
                "sessions": 4,
                "follow_up_on": today + timedelta(days=10),
            },
        )
        casework.placement_add(
            actor=casper,
            case_id=case.pk,
            data={"shelter": coa.pk, "started_on": today - timedelta(days=80)},
        )
        deadlines.task_add(
            actor=casper,
            case_id=case.pk,
            title="Plan the interview in the child-friendly studio (demo)",
            due_on=today + timedelta(days=5),
        )
    return 1
