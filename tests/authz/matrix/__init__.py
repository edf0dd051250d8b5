"""The authorization matrix as data: every URL name, every dispatched action and every API
operation (by operationId), with the request to make and, per named actor, the expected outcome
(the vocabulary is in ``tests/authz/entries.py``). Each route is listed explicitly by name:
``test_every_route_is_in_the_matrix`` fails for a route, action or operation without an entry.
"""

from __future__ import annotations

from tests.authz.entries import Entry
from tests.authz.matrix.actions import CASE_ACTIONS, MEASURE_ACTIONS, REFERRAL_ACTIONS, TEAM_ACTIONS
from tests.authz.matrix.api import OPERATIONS
from tests.authz.matrix.pages import ANY_METHOD, PAGES

MATRIX: list[Entry] = [*PAGES, *OPERATIONS]

__all__ = [
    "ANY_METHOD",
    "CASE_ACTIONS",
    "MATRIX",
    "MEASURE_ACTIONS",
    "OPERATIONS",
    "PAGES",
    "REFERRAL_ACTIONS",
    "TEAM_ACTIONS",
]
