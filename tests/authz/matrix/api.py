"""The API operations, by operationId. A part the caller does not play on a case or referral it
sees answers 403 (its existence is known); an object it may not see 404, as on the pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from opennrm.referrals.models import Referral
from tests.authz.entries import (
    EMPTY,
    FORBIDDEN,
    LEAD,
    REFERRAL_SIDE,
    SIGNAL_SIDE,
    SIGNED_IN,
    SIGNED_IN_NAMES,
    TEAM,
    WORKERS,
    Entry,
    World,
    expect,
)
from tests.authz.states import (
    case_version,
    open_disappearance,
    procedure_of,
    reported_missing,
    soon,
    start_procedure,
)

API_SIGNED_IN = SIGNED_IN


def listing(*seeing: str) -> dict[str, str]:
    """An API list: ``seeing`` find something of the world in it; every other role gets []."""
    return expect(*seeing, **{name: EMPTY for name in SIGNED_IN_NAMES if name not in seeing})


def op(operation_id: str, outcome: Mapping[str, str], **options: Any) -> Entry:
    """An API operation, by operationId (its method and path are found on the site)."""
    return Entry(operation_id, "", outcome, api=True, **options)


def _api_person(world: World) -> dict[str, Any]:
    return {"person_id": world.person.pk}


def _api_signal(world: World) -> dict[str, Any]:
    return {"signal_id": world.signal.pk}


def _api_case(world: World) -> dict[str, Any]:
    return {"case_id": world.case.pk}


def _api_procedure(world: World) -> dict[str, Any]:
    return {"case_id": world.case.pk, "procedure_id": procedure_of(world).pk}


def api_referral(
    operation_id: str,
    referral: Callable[[World], Referral],
    expected: Mapping[str, str],
    /,
    **fields: str,
) -> Entry:
    return op(
        operation_id,
        expected,
        kwargs=lambda x: {"referral_id": referral(x).pk},
        data=lambda x: {"version": x.version_of(Referral, referral(x).pk), **fields},
        valid=True,
        obj="referral_id",
    )


# A part the caller does not play on a case or referral it sees: 403 (its existence is known).
CASE_VIEWERS_403 = {"investigator": FORBIDDEN, "guardian": FORBIDDEN}

OPERATIONS: list[Entry] = [
    op("opennrm_directory_api_me", API_SIGNED_IN),
    op("opennrm_directory_api_organisations", API_SIGNED_IN),
    # Unlike the search page (403 without VIEW_PERSON), the API answers every role, with nothing.
    op("opennrm_cases_api_search_persons", listing(*LEAD), data=lambda x: {"name": "Person"}),
    op(
        "opennrm_cases_api_create_person",
        expect(*LEAD),
        data=lambda x: {"organisation_id": x.base.payoke.pk, "family_name": "Made-up"},
        valid=True,
        deny=403,
    ),
    op("opennrm_cases_api_read_person", expect(*LEAD), kwargs=_api_person, obj="person_id"),
    op(
        "opennrm_cases_api_update_person",
        expect(*LEAD),
        kwargs=_api_person,
        data=lambda x: {"version": x.person.version, "notes": "Made-up note"},
        valid=True,
        obj="person_id",
    ),
    op(
        "opennrm_cases_api_delete_person",
        expect(),
        kwargs=_api_person,
        query=lambda x: {"version": x.person.version},
        obj="person_id",
    ),
    op(
        "opennrm_intake_api_create_signal",
        expect(*LEAD),
        data=lambda x: {"organisation_id": x.base.payoke.pk, "description": "Made-up"},
        valid=True,
        deny=403,
    ),
    op("opennrm_intake_api_list_signals", listing(*LEAD, "investigator")),
    op("opennrm_intake_api_read_signal", expect(*SIGNAL_SIDE), kwargs=_api_signal, obj="signal_id"),
    op(
        "opennrm_intake_api_run_screening",
        expect(*SIGNAL_SIDE),
        kwargs=_api_signal,
        data=lambda x: {"catalogue_id": "adult-labour-exploitation", "observed": []},
        valid=True,
        obj="signal_id",
    ),
    op(
        "opennrm_intake_api_read_screening",
        expect(*SIGNAL_SIDE),
        kwargs=lambda x: {"signal_id": x.signal.pk, "screening_id": x.screening.pk},
        obj="signal_id",
    ),
    # Reference data: every role reads the catalogues over the API (the pages need VIEW_SIGNAL).
    op("opennrm_intake_api_list_catalogues", API_SIGNED_IN),
    op(
        "opennrm_intake_api_read_catalogue",
        API_SIGNED_IN,
        kwargs=lambda x: {"catalogue_id": "adult-labour-exploitation"},
    ),
    op("opennrm_referrals_api_list_referrals", listing(*LEAD, "investigator")),
    op(
        "opennrm_referrals_api_create_referral",
        expect(*SIGNAL_SIDE),
        data=lambda x: {
            "signal_id": x.signal.pk,
            "recipient_organisation_id": x.base.other_be.pk,
            "consent": {"basis": "consent", "given_at": "2025-02-03T10:00", "language": "nl"},
        },
        valid=True,
    ),
    op(
        "opennrm_referrals_api_read_referral",
        expect(*REFERRAL_SIDE),
        kwargs=lambda x: {"referral_id": x.referral.pk},
        obj="referral_id",
    ),
    api_referral(
        "opennrm_referrals_api_send_referral",
        lambda x: x.draft,
        expect("investigator", coordinator=FORBIDDEN),
    ),
    api_referral(
        "opennrm_referrals_api_accept_referral",
        lambda x: x.referral,
        expect(*LEAD, investigator=FORBIDDEN, coordinator=FORBIDDEN),
    ),
    api_referral(
        "opennrm_referrals_api_decline_referral",
        lambda x: x.referral,
        expect(*LEAD, investigator=FORBIDDEN, coordinator=FORBIDDEN),
        reason="no_capacity",
    ),
    api_referral(
        "opennrm_referrals_api_complete_referral",
        lambda x: x.accepted,
        expect(*LEAD, investigator=FORBIDDEN, coordinator=FORBIDDEN),
    ),
    api_referral(
        "opennrm_referrals_api_revoke_referral",
        lambda x: x.referral,
        expect("investigator", "coordinator", owner=FORBIDDEN, colleague=FORBIDDEN),
        reason="sent_in_error",
    ),
    api_referral(
        "opennrm_referrals_api_take_referral",
        lambda x: x.referral,
        expect("coordinator", owner=FORBIDDEN, colleague=FORBIDDEN, investigator=FORBIDDEN),
    ),
    api_referral(
        "opennrm_referrals_api_review_referral",
        lambda x: x.referral,
        expect("coordinator", owner=FORBIDDEN, colleague=FORBIDDEN, investigator=FORBIDDEN),
        outcome="upheld",
    ),
    op("opennrm_cases_case_api_list_cases", listing(*TEAM)),
    op(
        "opennrm_cases_case_api_open_case",
        expect(*LEAD),
        data=lambda x: {"organisation_id": x.base.payoke.pk, "person_id": x.spare_person.pk},
        valid=True,
        deny=403,
    ),
    op("opennrm_cases_case_api_list_deadlines", API_SIGNED_IN),
    op("opennrm_cases_case_api_read_case", expect(*TEAM), kwargs=_api_case, obj="case_id"),
    op(
        "opennrm_cases_case_api_step_case",
        expect(*WORKERS, **CASE_VIEWERS_403),
        kwargs=_api_case,
        data=lambda x: {"action": "advance", "version": case_version(x)},
        valid=True,
        obj="case_id",
    ),
    op(
        "opennrm_cases_case_api_start_procedure",
        expect(*WORKERS, **CASE_VIEWERS_403),
        kwargs=_api_case,
        data=lambda x: {"procedure": "BE/residence", "state": "reflection"},
        valid=True,
        obj="case_id",
    ),
    op(
        "opennrm_cases_case_api_step_procedure",
        expect(*WORKERS, **CASE_VIEWERS_403),
        kwargs=_api_procedure,
        data=lambda x: {"transition": "statement", "version": procedure_of(x).version},
        prepare=start_procedure,
        valid=True,
        obj="case_id",
    ),
    op(
        "opennrm_cases_case_api_renew_procedure",
        expect(*WORKERS, **CASE_VIEWERS_403),
        kwargs=_api_procedure,
        data=lambda x: {"version": procedure_of(x).version},
        prepare=lambda x: start_procedure(x, permit=True),
        valid=True,
        obj="case_id",
    ),
    op(
        "opennrm_cases_case_api_add_task",
        expect(*WORKERS),
        kwargs=_api_case,
        data=lambda x: {"title": "Made-up task", "due_on": soon()},
        valid=True,
        obj="case_id",
    ),
    op(
        "opennrm_cases_case_api_report_missing",
        expect(*WORKERS, "guardian", investigator=FORBIDDEN),
        kwargs=_api_case,
        data=lambda x: {},
        valid=True,
        obj="case_id",
    ),
    op(
        "opennrm_cases_case_api_end_missing",
        expect(*WORKERS, "guardian", investigator=FORBIDDEN),
        kwargs=lambda x: {"case_id": x.case.pk, "disappearance_id": open_disappearance(x)},
        data=lambda x: {"outcome": "returned"},
        prepare=reported_missing,
        valid=True,
        obj="case_id",
    ),
]
