"""The test of the matrix test: a deliberately unprotected view (``leaky_urls.py``) is reported
as missing from the matrix, and an entry claiming it is refused fails the check."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from tests.authz import actors
from tests.authz.checks import check
from tests.authz.entries import TEAM, Entry, coverage, expect
from tests.authz.matrix import CASE_ACTIONS, MATRIX
from tests.authz.routes import Site, discover, uncovered

LEAKY = "tests.authz.leaky_urls"
LEAK_ENTRY = Entry("leaky_case", "GET", expect(*TEAM), kwargs=lambda x: {"pk": x.case.pk}, obj="pk")


@pytest.fixture
def leaky_site(settings: Any) -> Site:
    settings.ROOT_URLCONF = LEAKY
    return discover()


def test_an_unprotected_view_is_reported_as_missing_from_the_matrix(leaky_site: Site) -> None:
    site = set(uncovered(coverage(MATRIX), discover("opennrm.config.urls")))
    problems = set(uncovered(coverage(MATRIX), leaky_site)) - site
    assert problems == {"route without an entry: leaky_case (leak/cases/<int:pk>/)"}
    assert set(uncovered(coverage([*MATRIX, LEAK_ENTRY]), leaky_site)) == site  # an entry covers it


def test_a_missing_action_or_operation_and_a_stale_entry_are_reported(site: Site) -> None:
    dropped = {("cases:act", "advance"), ("opennrm_cases_case_api_read_case", None)}
    entries = [entry for entry in MATRIX if (entry.route, entry.action) not in dropped]
    stale = Entry("cases:gone", "GET", expect())
    problems = set(uncovered(coverage([*entries, stale]), site)) - set(
        uncovered(coverage(MATRIX), site)
    )
    assert problems == {
        "action without an entry: cases:act advance",
        "API operation without an entry: GET api/v1/cases/<int:case_id> "
        "(opennrm_cases_case_api_read_case)",
        "entry for a route that does not exist: cases:gone",
    }


def test_an_entry_saying_it_is_refused_fails_for_the_other_organisation(
    leaky_site: Site, world: actors.AuthzWorld
) -> None:
    check(LEAK_ENTRY, "owner", world, leaky_site)  # the check itself works: the owner may see it
    with pytest.raises(AssertionError, match="leaky_case:GET as other_org: expected 404"):
        check(LEAK_ENTRY, "other_org", world, leaky_site)
    with pytest.raises(AssertionError, match="as anonymous: expected sign-in"):
        check(LEAK_ENTRY, "anonymous", world, leaky_site)


def test_a_step_the_state_refuses_does_not_count_as_let_through(
    world: actors.AuthzWorld, site: Site
) -> None:
    """Approving a closure nobody requested: the coordinator may, but the case's phase does not
    allow it; the page redirects with an error message, which is not a success."""
    approve = next(entry for entry in CASE_ACTIONS if entry.action == "approve_closure")
    unprepared = dataclasses.replace(approve, prepare=None)
    check(approve, "coordinator", world, site)
    with pytest.raises(AssertionError, match="refused with an error message"):
        check(unprepared, "coordinator", world, site)
