"""The authorization matrix (DESIGN rule 8): every route, action and API operation is in the
matrix, and each answers every named actor as the matrix says. A new endpoint without an entry
fails ``test_every_route_is_in_the_matrix``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tests.authz import actors
from tests.authz.checks import MISSING_ID, check, normalised, request
from tests.authz.entries import DENY, HIDDEN, NAMES, Entry, coverage, expect
from tests.authz.matrix import ANY_METHOD, MATRIX
from tests.authz.routes import Site, discover, uncovered


def test_every_route_is_in_the_matrix() -> None:
    problems = uncovered(coverage(MATRIX), discover())
    assert not problems, "\n".join(problems)


def test_every_entry_names_every_actor() -> None:
    for entry in MATRIX:
        assert set(entry.expect) == set(NAMES), entry.id


@pytest.mark.parametrize("actor", NAMES)
@pytest.mark.parametrize("entry", MATRIX, ids=lambda entry: entry.id)
def test_matrix(entry: Entry, actor: str, world: actors.AuthzWorld, site: Site) -> None:
    check(entry, actor, world, site)


# --- a missing object and a forbidden one answer alike ------------------------------------------


def _denied_actor(entry: Entry) -> str | None:
    """A signed-in actor refused this object with 404, if any (the first in the actors' order)."""
    for actor in NAMES:
        outcome = entry.expect[actor]
        if actor != "anonymous" and outcome in (DENY, HIDDEN) and entry.status_for(outcome) == 404:
            return actor
    return None


OBJECT_ENTRIES = [entry for entry in MATRIX if entry.obj is not None and _denied_actor(entry)]


@pytest.mark.parametrize("entry", OBJECT_ENTRIES, ids=lambda entry: entry.id)
def test_missing_and_forbidden_answer_identically(
    entry: Entry, world: actors.AuthzWorld, site: Site
) -> None:
    actor = _denied_actor(entry)
    assert actor is not None
    forbidden = request(entry, actor, world, site)
    missing = request(entry, actor, world, site, missing=True)
    assert (forbidden.status, missing.status) == (404, 404), entry.id
    paths = [forbidden.path, missing.path]
    same = normalised(forbidden, paths) == normalised(missing, paths)
    assert same, f"{entry.id} as {actor}: a forbidden and a missing object answer differently"


def test_every_object_route_is_compared() -> None:
    """Every entry naming a protected object has a signed-in actor it refuses with 404, so the
    comparison above runs for it (an object everyone may see would name no ``obj``)."""
    uncompared = [
        entry.id for entry in MATRIX if entry.obj is not None and not _denied_actor(entry)
    ]
    assert not uncompared, uncompared


# Objects named in a request's body rather than its URL: (operationId, body, the key of the
# object's id in it). Asked as the other organisation, which may see none of them.
CONSENT = {"basis": "consent", "given_at": "2025-02-03T10:00", "language": "nl"}
BODY_REFERENCES: list[tuple[str, Callable[[actors.AuthzWorld], dict[str, Any]], str]] = [
    (
        "opennrm_cases_case_api_open_case",
        lambda x: {"organisation_id": x.base.other_be.pk, "person_id": x.spare_person.pk},
        "person_id",
    ),
    (
        "opennrm_referrals_api_create_referral",
        lambda x: {
            "signal_id": x.signal.pk,
            "recipient_organisation_id": x.base.payoke.pk,
            "consent": CONSENT,
        },
        "signal_id",
    ),
    (
        "opennrm_intake_api_create_signal",
        lambda x: {
            "organisation_id": x.base.other_be.pk,
            "description": "Made-up",
            "person": {"id": x.person.pk},
        },
        "person",
    ),
]


@pytest.mark.parametrize(
    ("operation", "body", "key"), BODY_REFERENCES, ids=[item[0] for item in BODY_REFERENCES]
)
def test_missing_and_forbidden_in_a_body_answer_identically(
    operation: str,
    body: Callable[[actors.AuthzWorld], dict[str, Any]],
    key: str,
    world: actors.AuthzWorld,
    site: Site,
) -> None:
    def missing(x: actors.AuthzWorld) -> dict[str, Any]:
        value = body(x)
        value[key] = {"id": MISSING_ID} if isinstance(value[key], dict) else MISSING_ID
        return value

    outcome = expect()
    forbidden = request(
        Entry(operation, "", outcome, data=body, api=True), "other_org", world, site
    )
    gone = request(Entry(operation, "", outcome, data=missing, api=True), "other_org", world, site)
    assert forbidden.status in (404, 422), operation  # refused, not created
    assert (forbidden.status, forbidden.body) == (gone.status, gone.body), operation


# --- the methods a page answers ------------------------------------------------------------------

PROBED = ("GET", "POST", "PUT")


def test_a_page_refuses_every_method_without_an_entry(world: actors.AuthzWorld) -> None:
    """A method a page answers (not 405) for a signed-in user must have an entry of its own, so
    that a view that starts accepting POST, or takes no method restriction at all, is noticed."""
    listed: dict[str, set[str]] = {}
    first: dict[str, Entry] = {}
    for entry in MATRIX:
        if not entry.api:
            listed.setdefault(entry.route, set()).add(entry.method)
            first.setdefault(entry.route, entry)
    answered = []
    for route, methods in sorted(listed.items()):
        if route in ANY_METHOD:
            continue
        path = reverse(route, kwargs=first[route].kwargs(world))
        for method in PROBED:
            if method not in methods:
                status = world.client("owner").generic(method, path).status_code
                if status != 405:
                    answered.append(f"{method} {route}: {status}")
    assert not answered, "methods answered without an entry:\n" + "\n".join(answered)
