"""The state of the matrix world that requests need, read or brought about when the request is
made (each test's changes are rolled back): current versions, a started procedure, a closure
requested, a person reported missing, …"""

from __future__ import annotations

import datetime
from typing import Any

from opennrm.cases import casefiles, missing, protection
from opennrm.cases.models import CaseFile, ProtectionProcedure
from opennrm.core import clock
from tests.authz.actors import PAST
from tests.authz.entries import World


def case_pk(world: World) -> dict[str, Any]:
    return {"pk": world.case.pk}


def case_version(world: World) -> int:
    return world.version_of(CaseFile, world.case.pk)


def procedure_of(world: World) -> ProtectionProcedure:
    return ProtectionProcedure.objects.get(case=world.case)


def start_procedure(world: World, *, permit: bool = False) -> None:
    row = protection.procedure_start(
        actor=world.base.sara,
        case_id=world.case.pk,
        procedure="BE/residence",
        state="reflection",
        effective_on=PAST,
    )
    if permit:
        protection.procedure_step(
            actor=world.base.sara,
            case_id=world.case.pk,
            procedure_id=row.pk,
            expected_version=row.version,
            transition="statement",
            effective_on=PAST,
        )


def step_case(world: World, action: str, actor: str = "owner", **extra: str) -> None:
    casefiles.case_step(
        actor=world.actors[actor],
        case_id=world.case.pk,
        expected_version=case_version(world),
        action=action,
        **extra,
    )


def closing(world: World) -> None:
    step_case(world, "request_closure", reason="goals_met")


def closed(world: World) -> None:
    closing(world)
    step_case(world, "approve_closure", actor="coordinator")


def minor_without_guardian(world: World, *, reason: bool = False) -> None:
    case = casefiles.case_set_team(
        actor=world.base.sara,
        case_id=world.case.pk,
        expected_version=case_version(world),
        unaccompanied_minor=True,
        police_organisation_id=world.base.police_be.pk,
        police_contact_id=world.base.piet.pk,
    )
    if reason:
        casefiles.case_no_guardian_reason(
            actor=world.base.sara,
            case_id=case.pk,
            expected_version=case.version,
            reason="Made-up reason: the guardianship service has not answered yet.",
        )


def reported_missing(world: World) -> None:
    missing.missing_report(actor=world.base.sara, case_id=world.case.pk)


def open_disappearance(world: World) -> int:
    return int(world.case.disappearances.get(ended_at__isnull=True).pk)


def soon() -> str:
    return (clock.now().date() + datetime.timedelta(days=14)).isoformat()
