"""The vocabulary of the matrix: outcomes, an entry (one request and the outcome per actor),
the groups of actors and the profiles built from them, and what a list of entries covers.

Outcomes:

* ``ALLOW``: the request got through: 2xx, or a redirect that is not to the sign-in page (and
  leaves no error message); when the request's data is not meant to be valid (``valid=False``),
  also 400/409/422 (validation was reached, after the permission checks).
* ``DENY``: refused with the entry's ``deny`` status: 404 for an object (missing and forbidden
  look the same), 403 for a page that needs a role (some such pages answer 404: noted there).
  ``HIDDEN`` (404) and ``FORBIDDEN`` (403) name the status where it differs between actors.
* ``LOGIN``: anonymous is sent to the sign-in page (API: 401).
* ``EMPTY``: an API list answers 200 with nothing in it (``[]``): the caller may ask, and the
  world holds nothing it may see.

A profile (``expect``) lists the actors allowed; every other signed-in actor is denied and
anonymous must sign in, unless overridden by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.authz.actors import ACTORS, AuthzWorld
from tests.authz.routes import DISPATCH, Coverage

ALLOW = "allow"
DENY = "deny"
HIDDEN = "deny:404"
FORBIDDEN = "deny:403"
LOGIN = "login"
EMPTY = "empty"

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


def get(route: str, outcome: Mapping[str, str], **options: Any) -> Entry:
    return Entry(route, "GET", outcome, **options)


def post(route: str, outcome: Mapping[str, str], **options: Any) -> Entry:
    return Entry(route, "POST", outcome, **options)


def both(route: str, outcome: Mapping[str, str], **options: Any) -> list[Entry]:
    """A page with a form: shown (GET) and posted (POST, empty unless ``data`` is given)."""
    shown = {key: value for key, value in options.items() if key not in ("data", "valid")}
    return [get(route, outcome, **shown), post(route, outcome, **options)]


def coverage(entries: list[Entry]) -> Coverage:
    found = Coverage()
    for entry in entries:
        (found.operations if entry.api else found.routes).add(entry.route)
        if entry.action is not None:
            found.actions.setdefault(entry.route, set()).add(entry.action)
        elif entry.route in DISPATCH:
            found.undispatched.add(entry.id)
    return found
