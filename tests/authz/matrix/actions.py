"""The action-dispatch routes, one entry per action: ``cases:act`` (the case page's forms),
``cases:team_act`` (the case team), ``referrals:act`` (the referral lifecycle) and
``plans:measure_act`` (progress, comments, the lead organisation). Each posts valid data, so an
allowed actor's action succeeds and a refused one is refused by the service, not by the form."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from opennrm.cases import team
from opennrm.cases.models import Compensation, Deadline
from opennrm.plans.models import Measure
from opennrm.referrals.models import Referral
from opennrm.sharing.models import AccessGrant, LegalHold
from tests.authz.actors import PAST
from tests.authz.entries import ALLOW, LEAD, SIGNED_IN, WORKERS, Builder, Entry, World, expect
from tests.authz.states import (
    case_version,
    closed,
    closing,
    minor_without_guardian,
    open_disappearance,
    procedure_of,
    reported_missing,
    soon,
    start_procedure,
)

CASE_DISPATCH = "cases:act"


def case_action(
    action: str,
    outcome: Mapping[str, str],
    data: Builder,
    prepare: Callable[[World], object] | None = None,
) -> Entry:
    return Entry(
        CASE_DISPATCH,
        "POST",
        outcome,
        kwargs=lambda x: {"pk": x.case.pk, "action": action},
        data=data,
        prepare=prepare,
        valid=True,
        obj="pk",
        action=action,
    )


def _v(world: World, **fields: Any) -> dict[str, Any]:
    return {"version": case_version(world), **fields}


def _procedure_step(world: World) -> dict[str, Any]:
    row = procedure_of(world)
    prefix = f"p{row.pk}"
    return {
        "procedure": row.pk,
        f"{prefix}-version": row.version,
        f"{prefix}-transition": "statement",
        f"{prefix}-effective_on": PAST.isoformat(),
    }


def _service_update(world: World) -> dict[str, Any]:
    pk = world.ids["service"]
    return {"service": pk, f"s{pk}-version": 1, f"s{pk}-status": "cancelled"}


def _compensation_update(world: World) -> dict[str, Any]:
    pk = world.ids["compensation"]
    prefix = f"c{pk}"
    return {
        "compensation": pk,
        f"{prefix}-version": world.version_of(Compensation, pk),
        f"{prefix}-awarded_on": "2025-06-30",
        f"{prefix}-amount_awarded": "10",
    }


CASE_ACTIONS = [
    case_action("advance", expect(*WORKERS), _v),
    case_action("request_closure", expect(*WORKERS), lambda x: _v(x, reason="goals_met")),
    case_action("approve_closure", expect("coordinator"), _v, prepare=closing),
    case_action("reject_closure", expect("coordinator"), _v, prepare=closing),
    case_action("reopen", expect(*WORKERS), _v, prepare=closed),
    case_action(
        "transfer",
        expect(*WORKERS),
        lambda x: _v(x, organisation=x.base.other_be.pk, owner=x.base.otto.pk),
    ),
    case_action(
        "team",
        expect(*WORKERS),
        lambda x: _v(
            x,
            guardian_organisation=x.base.guardianship_be.pk,
            guardian=x.base.gina.pk,
            guardian_appointed_on=PAST.isoformat(),
            police_organisation=x.base.police_be.pk,
            police_contact=x.base.piet.pk,
        ),
    ),
    # A minor without a guardian: the guardian's organisation has left the case team.
    case_action(
        "no-guardian",
        expect(*WORKERS),
        lambda x: _v(x, reason="Made-up reason: no guardian could be appointed yet."),
        prepare=minor_without_guardian,
    ),
    case_action(
        "review-no-guardian",
        expect("coordinator"),
        _v,
        prepare=lambda x: minor_without_guardian(x, reason=True),
    ),
    case_action(
        "identification",
        expect(*WORKERS),
        lambda x: _v(x, status="presumed", decided_by=x.base.payoke.pk, decided_on="2025-02-04"),
    ),
    case_action(
        "procedure-start",
        expect(*WORKERS),
        lambda x: {"start": "BE/residence|reflection", "effective_on": PAST.isoformat()},
    ),
    case_action("procedure-step", expect(*WORKERS), _procedure_step, prepare=start_procedure),
    case_action(
        "procedure-renew",
        expect(*WORKERS),
        lambda x: {"procedure": procedure_of(x).pk, "version": procedure_of(x).version},
        prepare=lambda x: start_procedure(x, permit=True),
    ),
    case_action("task", expect(*WORKERS), lambda x: {"title": "Made-up task", "due_on": soon()}),
    case_action(
        "done",
        expect(*WORKERS),
        lambda x: {
            "deadline": x.ids["task"],
            "version": x.version_of(Deadline, x.ids["task"]),
        },
    ),
    # The lead organisation, the guardian's organisation and coordinators report a disappearance.
    case_action("missing", expect(*WORKERS, "guardian"), lambda x: {"circumstances": ""}),
    case_action(
        "found",
        expect(*WORKERS, "guardian"),
        lambda x: {"outcome": "returned", "disappearance": open_disappearance(x)},
        prepare=reported_missing,
    ),
    case_action(
        "situation",
        expect(*WORKERS),
        lambda x: {"version": 0, "sex": "male", "relationship": "unknown"},
    ),
    case_action("service", expect(*WORKERS), lambda x: {"kind": "medical", "status": "planned"}),
    case_action("service-update", expect(*WORKERS), _service_update),
    case_action(
        "placement",
        expect(*WORKERS),
        lambda x: {
            "shelter": x.base.payoke.pk,
            "started_on": "2024-01-01",
            "ended_on": "2024-01-05",
        },
    ),
    case_action(
        "placement-end",
        expect(*WORKERS),
        lambda x: {"placement": x.ids["placement"], "ended_on": "2025-02-10"},
    ),
    case_action(
        "interview",
        expect(*WORKERS),
        lambda x: {
            "held_on": "2025-02-01",
            "interviewer_organisation": x.base.police_be.pk,
            "interviewer": x.base.piet.pk,
        },
    ),
    case_action(
        "justice", expect(*WORKERS), lambda x: {"kind": "charged", "decided_on": "2025-02-02"}
    ),
    case_action("compensation", expect(*WORKERS), lambda x: {"claimed_on": "2025-01-01"}),
    case_action("compensation-update", expect(*WORKERS), _compensation_update),
    case_action(
        "informed",
        expect(*WORKERS),
        lambda x: {
            "informed_on": "2025-02-05",
            "topic": "decision",
            "justice_event": x.ids["justice"],
        },
    ),
]


def referral_action(
    action: str,
    referral: Callable[[World], Referral],
    expected: Mapping[str, str],
    /,
    **fields: str,
) -> Entry:
    return Entry(
        "referrals:act",
        "POST",
        expected,
        kwargs=lambda x: {"pk": referral(x).pk, "action": action},
        data=lambda x: {"version": x.version_of(Referral, referral(x).pk), **fields},
        valid=True,
        obj="pk",
        action=action,
    )


REFERRAL_ACTIONS = [
    # A draft is the sender's alone (coordinators see it, but do not send it).
    referral_action("send", lambda x: x.draft, expect("investigator")),
    referral_action("accept", lambda x: x.referral, expect(*LEAD)),
    referral_action("decline", lambda x: x.referral, expect(*LEAD), reason="no_capacity"),
    referral_action("complete", lambda x: x.accepted, expect(*LEAD)),
    referral_action("take", lambda x: x.referral, expect("coordinator")),
    referral_action(
        "revoke",
        lambda x: x.referral,
        expect("investigator", "coordinator"),
        reason="sent_in_error",
    ),
    referral_action("review", lambda x: x.referral, expect("coordinator"), outcome="upheld"),
]


def measure_action(action: str, outcome: Mapping[str, str], data: Builder) -> Entry:
    """Measures are public policy (every role reads them): the missing-or-forbidden comparison
    runs where some actor is refused the action."""
    refused = any(value != ALLOW for name, value in outcome.items() if name != "anonymous")
    return Entry(
        "plans:measure_act",
        "POST",
        outcome,
        kwargs=lambda x: {"pk": x.measure.pk, "action": action},
        data=data,
        valid=True,
        obj="pk" if refused else None,
        action=action,
    )


def _measure_version(world: World) -> int:
    return world.version_of(Measure, world.measure.pk)


MEASURE_ACTIONS = [
    # The lead organisation's users (all roles but analysts and auditors) and coordinators.
    measure_action(
        "progress",
        expect(*WORKERS, "administrator"),
        lambda x: {
            "version": _measure_version(x),
            "status": "in_progress",
            "narrative": "Made-up progress",
            "evidence_url": "",
        },
    ),
    # Everyone who reads the plans comments.
    measure_action("comment", SIGNED_IN, lambda x: {"text": "Made-up comment"}),
    measure_action(
        "link",
        expect("coordinator"),
        lambda x: {"version": _measure_version(x), "organisation": x.base.payoke.pk},
    ),
]


def team_action(
    action: str,
    outcome: Mapping[str, str],
    data: Builder,
    prepare: Callable[[World], object] | None = None,
) -> Entry:
    return Entry(
        "cases:team_act",
        "POST",
        outcome,
        kwargs=lambda x: {"pk": x.case.pk, "action": action},
        data=data,
        prepare=prepare,
        valid=True,
        obj="pk",
        action=action,
    )


def _share(world: World) -> dict[str, Any]:
    return {
        "organisation": world.base.other_be.pk,
        "user": "",
        "role": "care",
        "categories": ["services"],
        "purpose": "Made-up purpose: shelter",
        "legal_basis": world.basis.pk,
        "ends_on": soon(),
    }


def _shared(world: World) -> None:
    data = {**_share(world), "user": None, "consent_given_on": None}
    team.team_member_add(actor=world.base.sara, case_id=world.case.pk, data=data)


def _protected(world: World) -> None:
    team.case_protect(
        actor=world.base.sara,
        case_id=world.case.pk,
        expected_version=case_version(world),
        protect=True,
    )


def _held(world: World) -> None:
    team.hold_place(actor=world.base.sara, case_id=world.case.pk, reason="Made-up proceedings")


TEAM_ACTIONS = [
    # The lead organisation's case workers and coordinators manage the case team; a member added
    # by a grant (here: the other organisation, in ``unshare``) does not.
    team_action("share", expect(*WORKERS), _share),
    team_action(
        "unshare",
        expect(*WORKERS),
        lambda x: {"grant": AccessGrant.objects.get(object_id=x.case.pk, revoked_at=None).pk},
        prepare=_shared,
    ),
    team_action("protect", expect(*WORKERS), lambda x: {"version": case_version(x)}),
    # Specially protected: only the people named on the case see it (the owner, the guardian,
    # the police contact), and of them only the owner works on it.
    team_action(
        "unprotect", expect("owner"), lambda x: {"version": case_version(x)}, prepare=_protected
    ),
    team_action("hold", expect(*WORKERS), lambda x: {"reason": "Made-up proceedings"}),
    team_action(
        "unhold",
        expect(*WORKERS),
        lambda x: {"hold": LegalHold.objects.get(object_id=x.case.pk, lifted_at=None).pk},
        prepare=_held,
    ),
]
