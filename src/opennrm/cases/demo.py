"""A demo case file: what a new instance shows on the case pages.

Loaded by ``opennrm demo load`` after the demo organisations, users and signals, only where demo
mode is allowed. Idempotent: added once (the demo case worker's first case marks it). The person
is invented for the demo and describes no real person.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction

from opennrm.cases import casefiles, casework, deadlines, protection, services, team
from opennrm.cases.models import CaseFile
from opennrm.core import clock
from opennrm.directory.models import Organisation, User
from opennrm.sharing import services as sharing


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
        _share(case.pk, casper, coa.pk, nidos.pk, police.pk, today)
    return 1


def _share(case_id: int, casper: User, *organisation_ids: Any) -> None:
    """A demo covenant in the manner of a Dutch RIEC covenant (source 001:L4969-L4989), and the
    demo case shared under it with the municipality's care coordinator (services and notes)."""
    *parties, today = organisation_ids
    coordinator = User.objects.filter(username="demo-coordinator", is_demo=True).first()
    municipality = Organisation.objects.filter(slug="nl-utrecht").first()
    if coordinator is None or municipality is None:
        return
    basis = sharing.legal_basis_create(
        actor=coordinator,
        jurisdiction="NL",
        kind="covenant",
        title="Care covenant for victims of trafficking (demo)",
        reference="Demo covenant 2026/1, filed at the coordination centre",
        purpose="Coordinating shelter, care and aftercare of victims between the partners.",
        categories=["services", "notes", "justice"],
        party_ids=[*parties, municipality.pk],
        valid_from=today - timedelta(days=365),
        valid_until=today + timedelta(days=3 * 365),
    )
    team.team_member_add(
        actor=casper,
        case_id=case_id,
        data={
            "organisation": municipality.pk,
            "role": "municipality",
            "categories": ["services", "notes"],
            "purpose": "Aftercare in the municipality",
            "legal_basis": basis.pk,
            "ends_on": today + timedelta(days=180),
        },
    )
