"""Every routing rule shipped in nl.yaml and be.yaml, with the organisation it sends to.

The directory is the demo directory (real NL and BE organisations with their functions), so each
case names the concrete recipient a professional would see.
"""

from __future__ import annotations

from typing import Any

import pytest

from opennrm.directory import demo
from opennrm.referrals import routing
from opennrm.referrals.routing import Situation


@pytest.fixture
def directory(db: Any, settings: Any) -> None:
    settings.OPENNRM_DEMO = True
    demo.load()


CASES = [
    # (situation, rule id, the organisations it names, in order)
    (Situation("NL", acute=True), "acute-threat", ["nl-police-avim"]),
    (
        Situation("NL", referrer_kind="education", region="NL-UT"),
        "social-domain-care-coordinator",
        ["nl-utrecht"],
    ),
    # Outside Utrecht the demo directory has no care coordinator: the coordination centre.
    (
        Situation("NL", referrer_kind="other", region="NL-GR"),
        "social-domain-care-coordinator",
        ["nl-comensha"],
    ),
    (
        Situation("NL", referrer_kind="health", population="minor"),
        "social-domain-minor-veilig-thuis",
        ["nl-veilig-thuis"],
    ),
    (
        Situation("NL", referrer_kind="child_protection", population="minor"),
        "child-protection-board-minor-avim",
        ["nl-police-avim"],
    ),
    # No demo organisation performs LJ&R: the coordination centre stands in.
    (
        Situation("NL", referrer_kind="child_protection", population="minor"),
        "child-protection-board-minor-measure",
        ["nl-comensha"],
    ),
    (
        Situation("NL", referrer_kind="municipality", region="NL-UT"),
        "municipality-staff-chain-director",
        ["nl-utrecht"],
    ),
    (Situation("NL", referrer_kind="police"), "police-pps-avim", ["nl-police-avim"]),
    (
        Situation("NL", referrer_kind="prosecution", population="minor"),
        "police-pps-minor-board",
        ["nl-raad-kinderbescherming"],
    ),
    (
        Situation("NL", population="minor", unaccompanied=True, nationality="non_eu"),
        "unaccompanied-foreign-minor-nidos",
        ["nl-nidos"],
    ),
    (Situation("NL", referrer_kind="labour_inspectorate"), "report-to-comensha", ["nl-comensha"]),
    (
        Situation("BE", referrer_kind="police", nationality="non_eu", region="BE-BRU"),
        "art-61-2-inform-immigration-office",
        ["be-immigration-office"],
    ),
    (
        Situation("BE", referrer_kind="labour_inspectorate", nationality="eu", region="BE-WAL"),
        "art-61-2-specialised-centre",
        ["be-surya"],
    ),
    (
        Situation("BE", referrer_kind="police", nationality="non_eu", region="BE-VLG"),
        "art-61-2-specialised-centre",
        ["be-payoke"],
    ),
    (
        Situation("BE", population="minor", unaccompanied=True, nationality="eu"),
        "unaccompanied-foreign-minor-guardian",
        ["be-guardianship-service"],
    ),
]


def _shipped_rule_ids(country: str) -> set[str]:
    return {rule.id for rule in routing.routings()[country].rules}


def test_every_shipped_nl_and_be_rule_has_a_case() -> None:
    covered = {rule_id for _situation, rule_id, _orgs in CASES}
    assert _shipped_rule_ids("NL") | _shipped_rule_ids("BE") <= covered


@pytest.mark.parametrize(
    ("situation", "rule_id", "slugs"), CASES, ids=[case[1] + str(i) for i, case in enumerate(CASES)]
)
def test_a_shipped_rule_names_its_recipient(
    directory: Any, situation: Situation, rule_id: str, slugs: list[str]
) -> None:
    answer = routing.advise(situation)
    matching = [item for item in answer.advice if item.rule.id == rule_id]
    assert len(matching) == 1, [item.rule.id for item in answer.advice]
    (advice,) = matching
    assert [recipient.organisation.slug for recipient in advice.recipients] == slugs
    assert advice.rule.source != "default" and advice.rule.reason["en"]


def test_every_shipped_rule_cites_a_source_and_every_file_loads() -> None:
    routes, errors = routing.load_routing()
    assert errors == []
    assert {"NL", "BE", "RO", "DK"} <= set(routes)
    for route in routes.values():
        for rule in route.rules:
            assert rule.source[:3].isdigit(), rule.id


def test_an_unknown_region_falls_back_to_the_coordination_centre(directory: Any) -> None:
    from tests import factories

    answer = routing.advise(Situation("NL", referrer_kind="education", region="NL-XX"))
    assert answer.unknown_region
    (advice,) = answer.advice
    assert [r.organisation.slug for r in advice.recipients] == ["nl-comensha"]
    assert advice.recipients[0].fallback
    # Belgium's demo directory has no coordination centre; once one is registered it stands in.
    centre = factories.organisation("be-centre", kind="coordination_centre", country="BE")
    answer = routing.advise(
        Situation("BE", referrer_kind="police", nationality="non_eu", region="BE-X")
    )
    centres = [item for item in answer.advice if item.rule.id == "art-61-2-specialised-centre"]
    assert [r.organisation for r in centres[0].recipients] == [centre]


def test_advice_takes_the_same_queries_however_many_rules_apply(directory: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one_rule:
        assert len(routing.advise(Situation("NL", acute=True)).advice) == 1
    many = Situation("NL", acute=True, referrer_kind="police", population="minor")
    with CaptureQueriesContext(connection) as three_rules:
        assert len(routing.advise(many).advice) == 4
    assert len(three_rules) == len(one_rule) == 2  # the coordination centre, the organisations
