"""The authorization matrix (DESIGN rule 8): every route, action and API operation is in the
matrix, and each answers every named actor as the matrix says. A new endpoint without an entry
fails ``test_every_route_is_in_the_matrix``."""

from __future__ import annotations

import pytest

from tests.authz import actors
from tests.authz.checks import check, kwargs_of, normalised, request, url_of
from tests.authz.matrix import DENY, HIDDEN, MATRIX, NAMES, Entry, coverage
from tests.authz.routes import DISPATCH, Site, discover, dispatched


def uncovered(entries: list[Entry], site: Site) -> list[str]:
    """Routes, actions and operations without an entry, and entries naming none of them."""
    covered = coverage(entries)
    actions = dispatched()
    problems = [f"route without an entry: {name} ({route})"
                for name, route in sorted(site.routes.items()) if name not in covered.routes]
    problems += [f"API operation without an entry: {operation.method} {operation.route} "
                 f"({operation_id})"
                 for operation_id, operation in sorted(site.operations.items())
                 if operation_id not in covered.operations]  # fmt: skip
    for route, names in sorted(actions.items()):
        have = covered.actions.get(route, set())
        problems += [f"action without an entry: {route} {name}" for name in names if name not in have]
        problems += [f"entry for an action that does not exist: {route} {name}"
                     for name in sorted(have - set(names))]  # fmt: skip
    problems += [f"entry for a route that does not exist: {name}"
                 for name in sorted(covered.routes - set(site.routes))]  # fmt: skip
    problems += [f"entry for an operation that does not exist: {name}"
                 for name in sorted(covered.operations - set(site.operations))]  # fmt: skip
    undispatched = {
        entry.id for entry in entries if entry.route in DISPATCH and entry.action is None
    }
    problems += [f"dispatch route entry without an action: {name}" for name in sorted(undispatched)]
    return problems


def test_every_route_is_in_the_matrix() -> None:
    problems = uncovered(MATRIX, discover())
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
    paths = [url_of(entry, kwargs_of(entry, world, missing=gone), site)[1] for gone in (0, 1)]
    same = normalised(forbidden, paths) == normalised(missing, paths)
    assert same, f"{entry.id} as {actor}: a forbidden and a missing object answer differently"


def test_every_object_route_is_compared() -> None:
    """Each entry naming a protected object that someone signed in may not see is compared."""
    assert len(OBJECT_ENTRIES) > 40
