"""The authorization matrix as data: every URL name, every dispatched action and every API
operation (by operationId), with the request to make and, per named actor, the expected outcome.

Outcomes:

* ``ALLOW``: the request got through: 2xx, or a redirect that is not to the sign-in page; when
  the request's data is not meant to be valid (``valid=False``), also 400/409/422 (validation
  was reached, after the permission checks).
* ``DENY``: refused with the entry's ``deny`` status: 404 for an object (missing and forbidden
  look the same), 403 for a page that needs a role (a few such pages answer 404: noted there).
  ``HIDDEN`` (404) and ``FORBIDDEN`` (403) name the status where it differs between actors.
* ``LOGIN``: anonymous is sent to the sign-in page (API: 401).

A profile (``expect``) lists the actors allowed; every other signed-in actor is denied and
anonymous must sign in, unless overridden by name. Each route is listed explicitly by name.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from opennrm.cases import casefiles, casework, missing, protection
from opennrm.cases.models import CaseFile, Compensation, Deadline, ProtectionProcedure
from opennrm.core import clock
from opennrm.directory.models import Membership
from opennrm.intake.models import Signal
from opennrm.plans.models import Measure
from opennrm.referrals.models import Referral
from tests.authz.actors import ACTORS, PAST, AuthzWorld

ALLOW = "allow"
DENY = "deny"
HIDDEN = "deny:404"
FORBIDDEN = "deny:403"
LOGIN = "login"

World = AuthzWorld
Builder = Callable[[World], dict[str, Any]]


def _nothing(_world: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Entry:
    """One request (route, method, data) and the outcome expected for each actor."""

    route: str  # URL name (namespaced), or an API operationId
    method: str
    expect: Mapping[str, str]
    kwargs: Builder = _nothing  # the URL's keyword arguments, from the world
    data: Builder | None = None  # form fields (pages) or the JSON body (API)
    query: Builder | None = None  # query string
    prepare: Callable[[World], object] | None = None  # bring the world into the needed state
    valid: bool = False  # ``data`` is meant to pass validation: allowed means 2xx/3xx only
    deny: int = 404
    obj: str | None = None  # the keyword naming the protected object (missing-or-forbidden test)
    action: str | None = None  # for the action-dispatch routes
    api: bool = False

    @property
    def id(self) -> str:
        if self.api:  # an operationId names one method already
            return self.route
        action = f"/{self.action}" if self.action else ""
        return f"{self.route}{action}:{self.method}"

    def status_for(self, outcome: str) -> int:
        return int(outcome.partition(":")[2] or self.deny)


# --- actors and profiles -------------------------------------------------------------------------

NAMES = tuple(ACTORS)
SIGNED_IN_NAMES = tuple(name for name in NAMES if name != "anonymous")
LEAD = ("owner", "colleague")  # the lead organisation's case workers
WORKERS = (*LEAD, "coordinator")  # who works on the case file
TEAM = (*WORKERS, "investigator", "guardian")  # who sees it
FRONTLINE = (*TEAM, "other_org")  # roles that see persons, signals, referrals
OPENERS = (*LEAD, "other_org", "coordinator", "guardian")  # open cases, register persons
SIGNAL_SIDE = WORKERS  # the lead organisation's signal: its own organisation and the triage
REFERRAL_SIDE = (*LEAD, "investigator", "coordinator")  # sender, recipient, coordinators
ADMINS = ("administrator", "other_administrator")


def expect(*allowed: str, anonymous: str = LOGIN, **others: str) -> dict[str, str]:
    """Allowed actors, then by name the outcome of those that differ from ``DENY``."""
    unknown = (set(allowed) | set(others)) - set(NAMES)
    assert not unknown, f"unknown actors {sorted(unknown)}"
    outcome = {name: ALLOW if name in allowed else DENY for name in NAMES}
    outcome["anonymous"] = anonymous
    outcome.update(others)
    return outcome


PUBLIC = expect(*NAMES, anonymous=ALLOW)
SIGNED_IN = expect(*SIGNED_IN_NAMES)


# --- the world's rows, read when the request is made -------------------------------------------


def _case(world: World) -> dict[str, Any]:
    return {"pk": world.case.pk}


def _case_version(world: World) -> int:
    return world.version_of(CaseFile, world.case.pk)


def _procedure(world: World) -> ProtectionProcedure:
    return ProtectionProcedure.objects.get(case=world.case)


def _start_procedure(world: World, *, permit: bool = False) -> None:
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


def _step(world: World, action: str, actor: str = "owner", **extra: str) -> None:
    casefiles.case_step(
        actor=world.actors[actor],
        case_id=world.case.pk,
        expected_version=_case_version(world),
        action=action,
        **extra,
    )


def _closing(world: World) -> None:
    _step(world, "request_closure", reason="goals_met")


def _closed(world: World) -> None:
    _closing(world)
    _step(world, "approve_closure", actor="coordinator")


def _minor_without_guardian(world: World, *, reason: bool = False) -> None:
    case = casefiles.case_set_team(
        actor=world.base.sara,
        case_id=world.case.pk,
        expected_version=_case_version(world),
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


def _missing(world: World) -> None:
    missing.missing_report(actor=world.base.sara, case_id=world.case.pk)


def _disappearance(world: World) -> int:
    return int(world.case.disappearances.get(ended_at__isnull=True).pk)


def _soon() -> str:
    return (clock.now().date() + datetime.timedelta(days=14)).isoformat()


# --- pages ----------------------------------------------------------------------------------------


def get(route: str, outcome: Mapping[str, str], **options: Any) -> Entry:
    return Entry(route, "GET", outcome, **options)


def post(route: str, outcome: Mapping[str, str], **options: Any) -> Entry:
    return Entry(route, "POST", outcome, **options)


def both(route: str, outcome: Mapping[str, str], **options: Any) -> list[Entry]:
    """A page with a form: shown (GET) and posted (POST, empty unless ``data`` is given)."""
    shown = {key: value for key, value in options.items() if key not in ("data", "valid")}
    return [get(route, outcome, **shown), post(route, outcome, **options)]


def _user(world: World) -> dict[str, Any]:
    return {"user_id": world.base.sam.pk}


USER_ADMIN = expect("administrator", other_administrator=HIDDEN)
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
    return {"version": _case_version(world), **fields}


def _procedure_step(world: World) -> dict[str, Any]:
    row = _procedure(world)
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
    case_action("approve_closure", expect("coordinator"), _v, prepare=_closing),
    case_action("reject_closure", expect("coordinator"), _v, prepare=_closing),
    case_action("reopen", expect(*WORKERS), _v, prepare=_closed),
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
        prepare=_minor_without_guardian,
    ),
    case_action(
        "review-no-guardian",
        expect("coordinator"),
        _v,
        prepare=lambda x: _minor_without_guardian(x, reason=True),
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
    case_action("procedure-step", expect(*WORKERS), _procedure_step, prepare=_start_procedure),
    case_action(
        "procedure-renew",
        expect(*WORKERS),
        lambda x: {"procedure": _procedure(x).pk, "version": _procedure(x).version},
        prepare=lambda x: _start_procedure(x, permit=True),
    ),
    case_action("task", expect(*WORKERS), lambda x: {"title": "Made-up task", "due_on": _soon()}),
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
        lambda x: {"outcome": "returned", "disappearance": _disappearance(x)},
        prepare=_missing,
    ),
    case_action(
        "situation", expect(*WORKERS), lambda x: {"version": 0, "sex": "male", "relationship": ""}
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
    action: str, referral: Callable[[World], Referral], expected: Mapping[str, str], /, **fields: str
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
        "revoke", lambda x: x.referral, expect("investigator", "coordinator"), reason="sent_in_error"
    ),
    referral_action("review", lambda x: x.referral, expect("coordinator"), outcome="upheld"),
]


def measure_action(action: str, outcome: Mapping[str, str], data: Builder) -> Entry:
    return Entry(
        "plans:measure_act",
        "POST",
        outcome,
        kwargs=lambda x: {"pk": x.measure.pk, "action": action},
        data=data,
        valid=True,
        obj="pk",
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


def _signal(world: World) -> dict[str, Any]:
    return {"pk": world.signal.pk}


def _plan(world: World) -> dict[str, Any]:
    return {"code": world.plan.code}


PAGES: list[Entry] = [
    get("home", SIGNED_IN),
    get("healthz", PUBLIC),
    get("login", PUBLIC),  # signed in: sent on to the home page
    post("logout", PUBLIC),
    get("two_factor_setup", SIGNED_IN),
    get("two_factor_verify", SIGNED_IN),
    get("two_factor_recovery", SIGNED_IN),
    get("set_language", PUBLIC),
    post("set_language", PUBLIC, data=lambda x: {"language": "nl"}, valid=True),
    # directory
    get("directory:organisations", SIGNED_IN),
    get("directory:inbox", SIGNED_IN),
    post(
        "directory:inbox_open",
        expect("owner"),
        kwargs=lambda x: {"notification_id": x.notification.pk},
        valid=True,
        obj="notification_id",
    ),
    post("directory:inbox_read_all", SIGNED_IN, valid=True),
    get("directory:users", expect(*ADMINS), deny=403),
    *both("directory:user_create", expect(*ADMINS), deny=403),
    get("directory:user_detail", USER_ADMIN, kwargs=_user, deny=403, obj="user_id"),
    post(
        "directory:user_role_grant",
        USER_ADMIN,
        kwargs=_user,
        data=lambda x: {"role": "frontline"},
        valid=True,
        deny=403,
        obj="user_id",
    ),
    post(
        "directory:user_role_withdraw",
        USER_ADMIN,
        kwargs=_user,
        data=lambda x: {"role": "case_worker"},
        valid=True,
        deny=403,
        obj="user_id",
        prepare=lambda x: Membership.objects.create(
            user=x.base.sam, organisation=x.base.payoke, role="frontline"
        ),
    ),
    *both("directory:user_remove", USER_ADMIN, kwargs=_user, valid=True, deny=403, obj="user_id"),
    *both(
        "directory:user_reset_two_factor",
        USER_ADMIN,
        kwargs=_user,
        valid=True,
        deny=403,
        obj="user_id",
    ),
    post("directory:user_unlock", USER_ADMIN, kwargs=_user, valid=True, deny=403, obj="user_id"),
    get("directory:tokens", expect(*ADMINS), deny=403),
    *both("directory:token_create", expect(*ADMINS), deny=403),
    post(
        "directory:token_revoke",
        USER_ADMIN,
        kwargs=lambda x: {"token_id": x.token.pk},
        valid=True,
        deny=403,
        obj="token_id",
    ),
    get(
        "directory:password_set",
        PUBLIC,
        kwargs=lambda x: {"uidb64": "MA", "token": "no-such-token"},
    ),
    get("directory:password_set_done", PUBLIC),
    # persons
    get("persons:search", expect(*FRONTLINE), deny=403),
    post(
        "persons:search",
        expect(*FRONTLINE),
        data=lambda x: {"name": "Person"},
        valid=True,
        deny=403,
    ),
    *both("persons:create", expect(*OPENERS), deny=403),
    get("persons:detail", expect(*LEAD), kwargs=lambda x: {"pk": x.person.pk}, obj="pk"),
    *both("persons:edit", expect(*LEAD), kwargs=lambda x: {"pk": x.person.pk}, obj="pk"),
    # Only a coordinator of the person's own organisation deletes: none of the actors.
    *both("persons:delete", expect(), kwargs=lambda x: {"pk": x.person.pk}, obj="pk"),
    post(
        "persons:export",
        expect(*LEAD),
        kwargs=lambda x: {"pk": x.person.pk},
        valid=True,
        obj="pk",
    ),
    # signals
    get("signals:list", expect(*FRONTLINE), deny=403),
    *both("signals:create", expect(*FRONTLINE), deny=403),
    get("signals:triage", expect("coordinator"), deny=403),
    get("signals:catalogues", expect(*FRONTLINE), deny=403),
    get(
        "signals:catalogue",
        expect(*FRONTLINE),
        kwargs=lambda x: {"catalogue_id": "adult-labour-exploitation", "version": 1},
        deny=403,
    ),
    get("signals:detail", expect(*SIGNAL_SIDE), kwargs=_signal, obj="pk"),
    *both("signals:edit", expect(*SIGNAL_SIDE), kwargs=_signal, obj="pk"),
    get("signals:screen_choose", expect(*SIGNAL_SIDE), kwargs=_signal, obj="pk"),
    *both(
        "signals:screen",
        expect(*SIGNAL_SIDE),
        kwargs=lambda x: {"pk": x.signal.pk, "catalogue_id": "adult-labour-exploitation"},
        obj="pk",
    ),
    get(
        "signals:screening",
        expect(*SIGNAL_SIDE),
        kwargs=lambda x: {"pk": x.signal.pk, "screening_id": x.screening.pk},
        obj="pk",
    ),
    *both("signals:first_contact", expect(*SIGNAL_SIDE), kwargs=_signal, obj="pk"),
    *both("signals:link", expect(*SIGNAL_SIDE), kwargs=_signal, obj="pk"),
    *both("signals:person", expect(*SIGNAL_SIDE), kwargs=_signal, obj="pk"),
    post(
        "signals:dismiss",
        expect("coordinator"),
        kwargs=_signal,
        data=lambda x: {
            "version": x.version_of(Signal, x.signal.pk),
            "reason": "no_indication",
        },
        valid=True,
        obj="pk",
    ),
    # referrals
    get("referrals:list", expect(*FRONTLINE), deny=403),
    get("referrals:dashboard", expect("coordinator"), deny=403),
    get("referrals:whom", SIGNED_IN),
    *both(
        "referrals:refer",
        expect(*SIGNAL_SIDE),
        kwargs=lambda x: {"signal_pk": x.signal.pk},
        obj="signal_pk",
    ),
    get(
        "referrals:detail",
        expect(*REFERRAL_SIDE),
        kwargs=lambda x: {"pk": x.referral.pk},
        obj="pk",
    ),
    *REFERRAL_ACTIONS,
    # case files
    get("cases:list", SIGNED_IN),
    # A page that needs a role, answered with 404 (not 403) to those without it.
    *both("cases:open", expect(*OPENERS)),
    get("cases:deadlines", SIGNED_IN),
    get("cases:case", expect(*TEAM), kwargs=_case, obj="pk"),
    *both("cases:export", expect(*WORKERS), kwargs=_case, obj="pk"),
    *CASE_ACTIONS,
    # action plans: public policy, read by every role (404 for a page one may not use)
    get("plans:list", SIGNED_IN),
    *both("plans:import", expect("coordinator")),
    get("plans:measure", SIGNED_IN, kwargs=lambda x: {"pk": x.measure.pk}),
    *MEASURE_ACTIONS,
    get("plans:dashboard", SIGNED_IN, kwargs=_plan),
    get("plans:report", SIGNED_IN, kwargs=_plan),
    get("plans:report_pdf", SIGNED_IN, kwargs=_plan),
    get("plans:export_xlsx", SIGNED_IN, kwargs=_plan),
    # the anonymous public channel
    *both("public:report", PUBLIC),
    *both("public:add", PUBLIC),
    # the audit trail
    get("audit:events", expect("auditor"), deny=403),
    post("audit:verify", expect("auditor"), valid=True, deny=403),
    # the API's own pages
    get("api-v1:openapi-json", PUBLIC),
    get("api-v1:api-root", PUBLIC),
]


# --- API operations -------------------------------------------------------------------------------

API_SIGNED_IN = SIGNED_IN


def op(
    operation_id: str, outcome: Mapping[str, str], method: str = "", **options: Any
) -> Entry:
    return Entry(operation_id, method, outcome, api=True, **options)


def _api_person(world: World) -> dict[str, Any]:
    return {"person_id": world.person.pk}


def _api_signal(world: World) -> dict[str, Any]:
    return {"signal_id": world.signal.pk}


def _api_case(world: World) -> dict[str, Any]:
    return {"case_id": world.case.pk}


def _api_procedure(world: World) -> dict[str, Any]:
    return {"case_id": world.case.pk, "procedure_id": _procedure(world).pk}


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
    op(
        "opennrm_cases_api_search_persons",
        expect(*FRONTLINE),
        data=lambda x: {"name": "Person"},
        valid=True,
        deny=403,
    ),
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
    op("opennrm_intake_api_list_signals", expect(*FRONTLINE), deny=403),
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
    op("opennrm_intake_api_list_catalogues", expect(*FRONTLINE), deny=403),
    op(
        "opennrm_intake_api_read_catalogue",
        expect(*FRONTLINE),
        kwargs=lambda x: {"catalogue_id": "adult-labour-exploitation"},
        deny=403,
    ),
    op("opennrm_referrals_api_list_referrals", expect(*FRONTLINE), deny=403),
    op(
        "opennrm_referrals_api_create_referral",
        expect(*LEAD),
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
    op("opennrm_cases_case_api_list_cases", API_SIGNED_IN),
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
        data=lambda x: {"action": "advance", "version": _case_version(x)},
        valid=True,
        obj="case_id",
    ),
    op(
        "opennrm_cases_case_api_start_procedure",
        expect(*WORKERS),
        kwargs=_api_case,
        data=lambda x: {"procedure": "BE/residence", "state": "reflection"},
        valid=True,
        obj="case_id",
    ),
    op(
        "opennrm_cases_case_api_step_procedure",
        expect(*WORKERS),
        kwargs=_api_procedure,
        data=lambda x: {"transition": "statement", "version": _procedure(x).version},
        prepare=_start_procedure,
        valid=True,
        obj="case_id",
    ),
    op(
        "opennrm_cases_case_api_renew_procedure",
        expect(*WORKERS),
        kwargs=_api_procedure,
        data=lambda x: {"version": _procedure(x).version},
        prepare=lambda x: _start_procedure(x, permit=True),
        valid=True,
        obj="case_id",
    ),
    op(
        "opennrm_cases_case_api_add_task",
        expect(*WORKERS),
        kwargs=_api_case,
        data=lambda x: {"title": "Made-up task", "due_on": _soon()},
        valid=True,
        obj="case_id",
    ),
    op(
        "opennrm_cases_case_api_report_missing",
        expect(*WORKERS, "guardian"),
        kwargs=_api_case,
        data=lambda x: {},
        valid=True,
        obj="case_id",
    ),
    op(
        "opennrm_cases_case_api_end_missing",
        expect(*WORKERS, "guardian"),
        kwargs=lambda x: {"case_id": x.case.pk, "disappearance_id": _disappearance(x)},
        data=lambda x: {"outcome": "returned"},
        prepare=_missing,
        valid=True,
        obj="case_id",
    ),
]

MATRIX: list[Entry] = [*PAGES, *OPERATIONS]


@dataclass
class Coverage:
    routes: set[str] = field(default_factory=set)
    operations: set[str] = field(default_factory=set)
    actions: dict[str, set[str]] = field(default_factory=dict)


def coverage(entries: list[Entry]) -> Coverage:
    found = Coverage()
    for entry in entries:
        if entry.api:
            found.operations.add(entry.route)
        else:
            found.routes.add(entry.route)
        if entry.action is not None:
            found.actions.setdefault(entry.route, set()).add(entry.action)
    return found

