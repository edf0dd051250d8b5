"""Routing rules: whom to contact, as data in each jurisdiction file (DESIGN rule 3).

The ``routing`` section of ``jurisdictions/<cc>.yaml`` lists rules. A rule's ``when`` holds
conditions on the situation (acute, population, unaccompanied, nationality, forms of exploitation,
region, needs shelter, screening level, the referrer's organisation kind); every condition given
must hold, and a condition left out holds for any value. A situation value that is not known holds
only for a condition that lists ``unknown``, never for a yes/no condition. Every matching rule
applies, in file order: its recipients are functions of the jurisdiction (``functions``), each
resolved to the directory's organisation that performs it in the situation's region, else one that
serves the whole country, else the country's coordination centre — never nobody.

Every rule carries the action in plain language, the reason and its source line, an urgency and,
through ``acceptance``, the time a recipient has to accept (values the sources do not give are
marked ``default``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from opennrm.core import jurisdictions as jurisdiction_rules
from opennrm.core.jurisdictions import NAME_LANGUAGES, Function, Jurisdiction
from opennrm.core.rulefiles import LoadOnce, Reader, RuleFileError, load_yaml
from opennrm.core.taxonomies import EXPLOITATION_FORM_CODES
from opennrm.directory import selectors as directory_selectors
from opennrm.directory.models import Organisation, OrganisationKind

POPULATIONS = ("adult", "minor", "unknown")
NATIONALITIES = ("national", "eu", "non_eu", "unknown")
LEVELS = ("no_signs", "weak_signs", "strong_signs")
URGENCIES = ("acute", "normal")
CONDITIONS = (
    "acute", "population", "unaccompanied", "nationality", "forms", "regions", "needs_shelter",
    "screening_level", "referrer_kinds",
)  # fmt: skip


@dataclass(frozen=True)
class Situation:
    """What is known about the case at hand; ``None`` (or "unknown") where it is not known."""

    country: str
    acute: bool | None = None
    population: str = "unknown"
    unaccompanied: bool | None = None
    nationality: str = "unknown"
    forms: tuple[str, ...] = ()
    region: str = ""
    needs_shelter: bool | None = None
    screening_level: str = ""
    referrer_kind: str = ""


@dataclass(frozen=True)
class Deadline:
    hours: int = 0
    working_days: int = 0
    source: str = "default"


@dataclass(frozen=True)
class Rule:
    id: str
    line: int
    conditions: dict[str, object]
    recipients: tuple[str, ...]
    urgency: str
    action: dict[str, str]
    reason: dict[str, str]
    source: str

    def matches(self, situation: Situation) -> bool:
        return all(_holds(name, wanted, situation) for name, wanted in self.conditions.items())


@dataclass(frozen=True)
class Routing:
    country: str
    path: str
    rules: tuple[Rule, ...]
    acceptance: dict[str, Deadline]


def _holds(name: str, wanted: object, situation: Situation) -> bool:
    if name in ("acute", "unaccompanied", "needs_shelter"):
        return getattr(situation, name) is wanted  # unknown (None) never holds
    if name == "forms":
        return bool(set(situation.forms) & set(wanted))  # type: ignore[call-overload]
    value = {
        "population": situation.population or "unknown",
        "nationality": situation.nationality or "unknown",
        "regions": situation.region,
        "screening_level": situation.screening_level,
        "referrer_kinds": situation.referrer_kind,
    }[name]
    return value in wanted  # type: ignore[operator]


# --- parsing ------------------------------------------------------------------------------------


def _bool(reader: Reader, key: str) -> bool:
    value = reader.raw(key)
    if not isinstance(value, bool):
        raise reader.fail(key, f"{key!r} must be true or false")
    return value


def _conditions(when: Reader, jurisdiction: Jurisdiction) -> dict[str, object]:
    when.only(CONDITIONS)
    conditions: dict[str, object] = {}
    choices: dict[str, Iterable[str]] = {
        "population": POPULATIONS,
        "nationality": NATIONALITIES,
        "forms": EXPLOITATION_FORM_CODES,
        "regions": [region.code for region in jurisdiction.regions],
        "screening_level": LEVELS,
        "referrer_kinds": OrganisationKind.values,
    }
    for key in when.data:
        if key in choices:
            sequence = when.sequence(key)
            allowed = list(choices[key])
            for index, value in enumerate(sequence):
                if value not in allowed:
                    raise RuleFileError(
                        when.path,
                        sequence.line_of(index),
                        f"{when.where}.{key}: {value!r} is not one of {allowed}",
                    )
            conditions[key] = tuple(sequence)
        else:
            conditions[key] = _bool(when, key)
    return conditions


def _deadline(reader: Reader, key: str) -> Deadline:
    item = reader.mapping(key)
    item.only(("hours", "working_days", "source"))
    hours = item.integer("hours", minimum=1) if item.has("hours") else 0
    days = item.integer("working_days", minimum=1) if item.has("working_days") else 0
    if bool(hours) == bool(days):
        raise item.fail(None, "give either 'hours' or 'working_days'")
    return Deadline(hours=hours, working_days=days, source=item.citation("source"))


def parse_routing(path: Path, jurisdiction: Jurisdiction) -> Routing | None:
    """The routing of one jurisdiction file, or None when the file has no ``routing``."""
    root = Reader(path, load_yaml(path))
    if not root.has("routing"):
        return None
    routing = root.mapping("routing")
    routing.only(("acceptance", "rules"))
    acceptance_reader = routing.mapping("acceptance")
    acceptance_reader.only(URGENCIES)
    acceptance = {urgency: _deadline(acceptance_reader, urgency) for urgency in URGENCIES}
    functions = {function.code for function in jurisdiction.functions}
    rules: list[Rule] = []
    for item in routing.items("rules", allow_empty=True):
        item.only(("id", "when", "recipients", "urgency", "action", "reason", "source"))
        rule_id = item.code("id")
        if any(rule.id == rule_id for rule in rules):
            raise item.fail("id", f"the rule id {rule_id!r} is used twice")
        recipients = item.codes("recipients")
        for index, code in enumerate(recipients):
            if code not in functions:
                raise RuleFileError(
                    path,
                    item.sequence("recipients").line_of(index),
                    f"{item.where}.recipients: {code!r} is not defined under 'functions'",
                )
        rules.append(
            Rule(
                id=rule_id,
                line=item.data.line,
                conditions=_conditions(item.mapping("when"), jurisdiction),
                recipients=recipients,
                urgency=item.choice("urgency", URGENCIES),
                action=item.translated("action", NAME_LANGUAGES),
                reason=item.translated("reason", NAME_LANGUAGES),
                source=item.citation("source", allow_default=False),
            )
        )
    return Routing(jurisdiction.code, str(path), tuple(rules), acceptance)


def load_routing() -> tuple[dict[str, Routing], list[RuleFileError]]:
    """The routing of every valid jurisdiction, and every mistake in a routing section."""
    found: dict[str, Routing] = {}
    errors: list[RuleFileError] = []
    for code, jurisdiction in jurisdiction_rules.jurisdictions().items():
        try:
            routing = parse_routing(Path(jurisdiction.path), jurisdiction)
        except RuleFileError as exc:
            errors.append(exc)
            continue
        if routing is not None:
            found[code] = routing
    return found, errors


_loaded: LoadOnce[dict[str, Routing]] = LoadOnce(load_routing)


def routings() -> dict[str, Routing]:
    return _loaded.get()


def reset_cache() -> None:
    _loaded.reset()


# --- advice ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    function: Function | None  # None: the coordination centre stands in for a missing function
    organisation: Organisation | None
    fallback: bool = False  # no organisation performs the function there


@dataclass(frozen=True)
class Advice:
    rule: Rule
    recipients: tuple[Recipient, ...]
    deadline: Deadline


@dataclass(frozen=True)
class Answer:
    advice: tuple[Advice, ...] = ()
    coordination_centre: Organisation | None = None
    unknown_region: bool = False
    routing_defined: bool = True


def resolve(
    function: Function, region: str, organisations: list[Organisation]
) -> Organisation | None:
    """Among the country's active ``organisations``, the one performing ``function``: in
    ``region`` first, else one serving the whole country."""
    candidates = [org for org in organisations if function.code in (org.functions or [])]
    regional = [org for org in candidates if region and org.region == region]
    national = [org for org in candidates if not org.region]
    chosen = regional or national
    return chosen[0] if chosen else None


def advise(situation: Situation) -> Answer:
    """Every applicable rule with its recipients resolved to organisations of the directory."""
    routing = routings().get(situation.country)
    jurisdiction = jurisdiction_rules.get(situation.country)
    centre = directory_selectors.coordination_centre(country=situation.country)
    if routing is None or jurisdiction is None:
        return Answer(coordination_centre=centre, routing_defined=False)
    unknown_region = bool(situation.region) and jurisdiction.region(situation.region) is None
    # One query for every rule and recipient (JSON "contains" differs between SQLite and
    # PostgreSQL, and a country's directory is small, so the functions are matched here).
    organisations = list(
        Organisation.objects.filter(country=situation.country, is_active=True).order_by("pk")
    )
    advice = []
    for rule in routing.rules:
        if not rule.matches(situation):
            continue
        recipients = []
        for code in rule.recipients:
            function = jurisdiction.function(code)
            assert function is not None  # noqa: S101 (validated when the file was loaded)
            organisation = resolve(function, situation.region, organisations)
            recipients.append(
                Recipient(function, organisation or centre, fallback=organisation is None)
            )
        advice.append(Advice(rule, tuple(recipients), routing.acceptance[rule.urgency]))
    return Answer(tuple(advice), centre, unknown_region)
