"""Routing rules as data: parsing with file and line, matching, resolution, fallback."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from opennrm.core import jurisdictions
from opennrm.core.rulefiles import RuleFileError
from opennrm.referrals import routing
from opennrm.referrals.routing import Situation
from tests import factories

ZZ = textwrap.dedent(
    """\
    schema: opennrm.jurisdiction/1
    code: ZZ
    name: {en: Zedland, nl: Zedland, fr: Zedland}
    time_zone: Europe/Amsterdam
    public_reports: false
    regions:
      - {code: ZZ-N, name: {en: North, nl: Noord, fr: Nord}}
      - {code: ZZ-S, name: {en: South, nl: Zuid, fr: Sud}}
    functions:
      - {code: police, kind: police, name: {en: Police, nl: Politie, fr: Police}, source: "004:L76"}
      - {code: child-line, kind: child_protection, name: {en: Child, nl: Kind, fr: Enfant},
         source: "004:L86"}
      - {code: centre, kind: shelter_ngo, name: {en: Centre, nl: Centrum, fr: Centre},
         source: "003:L387"}
    routing:
      acceptance:
        acute: {hours: 1, source: default}
        normal: {working_days: 2, source: default}
      rules:
        - id: acute
          when: {acute: true}
          recipients: [police]
          urgency: acute
          action: {en: Call the police, nl: Bel de politie, fr: Appelez la police}
          reason: {en: Danger, nl: Gevaar, fr: Danger}
          source: "004:L76"
        - id: minor-from-school
          when: {population: [minor], referrer_kinds: [education]}
          recipients: [child-line]
          urgency: normal
          action: {en: Report, nl: Meld, fr: Signalez}
          reason: {en: A child, nl: Een kind, fr: Un enfant}
          source: "004:L86"
        - id: foreign-labour
          when: {nationality: [eu, non_eu], forms: [labour, domestic_servitude]}
          recipients: [centre, police]
          urgency: normal
          action: {en: Refer, nl: Verwijs, fr: Orientez}
          reason: {en: Foreign worker, nl: Buitenlandse werknemer, fr: Travailleur étranger}
          source: "003:L387"
    """
)


@pytest.fixture
def rules_dir(tmp_path: Path, settings: Any) -> Any:
    rules = tmp_path / "rules"
    shutil.copytree(Path(django_settings.OPENNRM_RULES_DIR), rules)
    (rules / "zz.yaml").write_text(ZZ, encoding="utf-8")
    settings.OPENNRM_RULES_DIR = rules
    jurisdictions.reset_cache()
    routing.reset_cache()
    yield rules
    jurisdictions.reset_cache()
    routing.reset_cache()


def _ids(answer: routing.Answer) -> list[str]:
    return [item.rule.id for item in answer.advice]


def test_conditions_given_must_all_hold_and_unknown_never_satisfies_yes_no(
    rules_dir: Path, db: Any
) -> None:
    assert _ids(routing.advise(Situation("ZZ", acute=True))) == ["acute"]
    assert _ids(routing.advise(Situation("ZZ", acute=None))) == []
    assert _ids(routing.advise(Situation("ZZ", acute=False))) == []
    school = Situation("ZZ", population="minor", referrer_kind="education")
    assert _ids(routing.advise(school)) == ["minor-from-school"]
    assert _ids(routing.advise(Situation("ZZ", population="minor", referrer_kind="police"))) == []
    worker = Situation("ZZ", nationality="non_eu", forms=("labour", "sexual"), acute=True)
    assert _ids(routing.advise(worker)) == ["acute", "foreign-labour"]
    assert _ids(routing.advise(Situation("ZZ", nationality="unknown", forms=("labour",)))) == []


def test_recipients_resolve_to_the_regional_then_national_organisation(
    rules_dir: Path, db: Any
) -> None:
    north = factories.organisation(
        "centre-north", kind="shelter_ngo", country="ZZ", region="ZZ-N", functions=["centre"]
    )
    national = factories.organisation(
        "centre-all", kind="shelter_ngo", country="ZZ", functions=["centre"]
    )
    factories.organisation("police-zz", kind="police", country="ZZ", functions=["police"])
    worker = Situation("ZZ", nationality="eu", forms=("labour",), region="ZZ-N")
    (advice,) = routing.advise(worker).advice
    assert [r.organisation.slug for r in advice.recipients] == ["centre-north", "police-zz"]
    assert advice.deadline.working_days == 2 and advice.deadline.source == "default"
    (south,) = routing.advise(
        Situation("ZZ", nationality="eu", forms=("labour",), region="ZZ-S")
    ).advice
    assert south.recipients[0].organisation == national
    north.is_active = False
    north.save()
    (again,) = routing.advise(worker).advice
    assert again.recipients[0].organisation == national


def test_a_function_nobody_performs_falls_back_to_the_coordination_centre(
    rules_dir: Path, db: Any
) -> None:
    centre = factories.organisation("zz-centre", kind="coordination_centre", country="ZZ")
    (advice,) = routing.advise(Situation("ZZ", acute=True, region="ZZ-S")).advice
    (recipient,) = advice.recipients
    assert recipient.fallback and recipient.organisation == centre
    answer = routing.advise(Situation("ZZ", acute=True, region="XX-9"))
    assert answer.unknown_region and answer.advice[0].recipients[0].organisation == centre


def test_a_country_without_routing_answers_with_its_coordination_centre(
    rules_dir: Path, db: Any
) -> None:
    centre = factories.organisation("xx-centre", kind="coordination_centre", country="XX")
    answer = routing.advise(Situation("XX", acute=True))
    assert (
        not answer.routing_defined and answer.coordination_centre == centre and answer.advice == ()
    )


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (
            "recipients: [police]",
            "recipients: [army]",
            22,
            "'army' is not defined under 'functions'",
        ),
        (
            "when: {population: [minor], referrer_kinds: [education]}",
            "when: {population: [teen]}",
            28,
            "'teen' is not one of",
        ),
        ("when: {acute: true}", "when: {acute: maybe}", 21, "'acute' must be true or false"),
        ("when: {acute: true}", "when: {sunny: true}", 21, "unknown key 'sunny'"),
        (
            "acute: {hours: 1, source: default}",
            "acute: {hours: 1, working_days: 2, source: default}",
            17,
            "either 'hours' or 'working_days'",
        ),
        (
            'source: "004:L76"\n    - id: minor',
            'source: "page 3"\n    - id: minor',
            26,
            "must cite a source line",
        ),
        ("- id: minor-from-school", "- id: acute", 27, "is used twice"),
    ],
)
def test_malformed_routing_fails_the_check_with_file_and_line(
    rules_dir: Path, old: str, new: str, line: int, message: str
) -> None:
    path = rules_dir / "zz.yaml"
    text = ZZ.replace(old, new, 1)
    assert text != ZZ
    path.write_text(text, encoding="utf-8")
    jurisdictions.reset_cache()
    _routes, errors = routing.load_routing()
    assert len(errors) == 1
    assert isinstance(errors[0], RuleFileError)
    assert str(errors[0]).startswith(f"{path}:{line}:"), str(errors[0])
    assert message in str(errors[0])
    with pytest.raises(SystemCheckError) as failed:
        call_command("check")
    assert "opennrm.E103" in str(failed.value) and f"zz.yaml:{line}:" in str(failed.value)


def test_an_organisation_performs_only_functions_of_its_country(db: Any) -> None:
    from opennrm.core.errors import InvalidInput
    from opennrm.directory.models import Organisation
    from opennrm.directory.services import SystemActor, organisation_create

    operator = SystemActor("cli")
    created = organisation_create(
        actor=operator, slug="vt-utrecht", name="Veilig Thuis Utrecht", kind="child_protection",
        country="nl", region="nl-ut", functions=["veilig-thuis", "veilig-thuis"],
    )  # fmt: skip
    assert (created.country, created.region, created.functions) == ("NL", "NL-UT", ["veilig-thuis"])
    for region, functions, field in (
        ("BE-VLG", [], "region"),
        ("", ["specialised-centre"], "functions"),  # a Belgian function
        ("", ["made-up"], "functions"),
    ):
        with pytest.raises(InvalidInput) as refused:
            organisation_create(
                actor=operator, slug=f"x-{field}-{len(functions)}-{region}".lower(), name="X",
                kind="other", country="NL", region=region, functions=functions,
            )  # fmt: skip
        assert field in refused.value.errors
    assert Organisation.objects.count() == 1


def test_core_knows_the_same_organisation_kinds_as_the_directory() -> None:
    from opennrm.core.jurisdictions import ORGANISATION_KINDS
    from opennrm.directory.models import OrganisationKind

    assert list(ORGANISATION_KINDS) == list(OrganisationKind.values)


def test_the_operator_changes_region_and_functions(db: Any) -> None:
    from io import StringIO

    from django.core.management.base import CommandError

    from opennrm.core.models import AuditEvent
    from opennrm.directory.models import Organisation

    factories.organisation("vt", kind="child_protection", country="NL")
    out = StringIO()
    call_command(
        "org_update", "--slug", "vt", "--region", "nl-ut", "--function", "veilig-thuis", stdout=out
    )
    vt = Organisation.objects.get(slug="vt")
    assert (vt.region, vt.functions) == ("NL-UT", ["veilig-thuis"])
    assert "veilig-thuis" in out.getvalue()
    assert AuditEvent.objects.get(action="update", object_type="organisation").detail["fields"] == [
        "region",
        "functions",
    ]
    with pytest.raises(
        CommandError
    ):  # police work is not a child-protection organisation's function
        call_command("org_update", "--slug", "vt", "--function", "police-avim", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("org_update", "--slug", "nowhere", "--region", "", stdout=StringIO())
    call_command("org_update", "--slug", "vt", "--region", "", "--no-functions", stdout=StringIO())
    vt.refresh_from_db()
    assert (vt.region, vt.functions) == ("", [])
