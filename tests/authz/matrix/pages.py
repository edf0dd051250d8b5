"""The pages (every URL name but the API operations and the dispatched actions)."""

from __future__ import annotations

from typing import Any

from opennrm.directory.models import Membership
from opennrm.intake.models import Signal
from opennrm.sharing.models import LegalBasis
from tests.authz.entries import (
    ADMINS,
    DENY,
    FRONTLINE,
    HIDDEN,
    LEAD,
    OPENERS,
    PUBLIC,
    REFERRAL_SIDE,
    SIGNAL_SIDE,
    SIGNED_IN,
    TEAM,
    WORKERS,
    Entry,
    World,
    both,
    expect,
    get,
    post,
)
from tests.authz.matrix.actions import CASE_ACTIONS, MEASURE_ACTIONS, REFERRAL_ACTIONS, TEAM_ACTIONS
from tests.authz.states import case_pk


def _user(world: World) -> dict[str, Any]:
    return {"user_id": world.base.sam.pk}


USER_ADMIN = expect("administrator", other_administrator=HIDDEN)


def _signal(world: World) -> dict[str, Any]:
    return {"pk": world.signal.pk}


def _plan(world: World) -> dict[str, Any]:
    return {"code": world.plan.code}


# Routes that answer any HTTP method alike (no method is refused with 405): the home page, the
# API's schema and root, the e-mailed password link (Django's view) and Django's set_language.
ANY_METHOD = frozenset(
    {"home", "api-v1:openapi-json", "api-v1:api-root", "directory:password_set", "set_language"}
)

PAGES: list[Entry] = [
    get("home", SIGNED_IN),
    get("healthz", PUBLIC),
    *both("login", PUBLIC),  # signed in: sent on to the home page
    post("logout", PUBLIC),
    # Verified: set-up and verification send the user on; recovery codes are shown (GET) and
    # made anew (POST). The analyst, who needs no second factor, is offered the set-up.
    *both("two_factor_setup", SIGNED_IN),
    *both("two_factor_verify", SIGNED_IN),
    *both("two_factor_recovery", SIGNED_IN),
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
        "persons:subject_access",
        expect(*LEAD),
        kwargs=lambda x: {"pk": x.person.pk},
        valid=True,
        obj="pk",
    ),
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
    get("cases:case", expect(*TEAM), kwargs=case_pk, obj="pk"),
    *both("cases:export", expect(*WORKERS), kwargs=case_pk, obj="pk"),
    *CASE_ACTIONS,
    get("cases:team", expect(*TEAM), kwargs=case_pk, obj="pk"),
    *TEAM_ACTIONS,
    # break-glass: coordinators only (404 for everyone else)
    *both("cases:emergency", expect("coordinator")),
    # access reviews: the data-protection officer (auditor role)
    get("cases:access_review", expect("auditor")),
    get("cases:access", expect("auditor"), kwargs=case_pk, obj="pk"),
    # action plans: public policy, read by every role (404 for a page one may not use)
    get("plans:list", SIGNED_IN),
    *both("plans:import", expect("coordinator")),
    get("plans:measure", SIGNED_IN, kwargs=lambda x: {"pk": x.measure.pk}),
    *MEASURE_ACTIONS,
    get("plans:dashboard", SIGNED_IN, kwargs=_plan),
    get("plans:report", SIGNED_IN, kwargs=_plan),
    get("plans:report_pdf", SIGNED_IN, kwargs=_plan),
    get("plans:export_xlsx", SIGNED_IN, kwargs=_plan),
    # legal bases of sharing: read by who works on case files of the country, coordinators and
    # auditors; recorded and ended by coordinators (404 for everyone else)
    get("sharing:list", expect(*OPENERS, "auditor")),
    *both("sharing:new", expect("coordinator")),
    get(
        "sharing:basis",
        expect(*OPENERS, "auditor"),
        kwargs=lambda x: {"pk": x.basis.pk},
        obj="pk",
    ),
    post(
        "sharing:end",
        expect("coordinator"),
        kwargs=lambda x: {"pk": x.basis.pk},
        data=lambda x: {"version": x.version_of(LegalBasis, x.basis.pk)},
        valid=True,
        obj="pk",
    ),
    # the anonymous public channel
    *both("public:report", PUBLIC),
    *both("public:add", PUBLIC),
    # the audit trail
    get("audit:events", expect("auditor"), deny=403),
    post("audit:verify", expect("auditor"), valid=True, deny=403),
    # the API's own pages
    get("api-v1:openapi-json", PUBLIC),
    # The API's root page is not served (docs_url=None): 404 for everyone.
    get("api-v1:api-root", expect(anonymous=DENY)),
]
