"""Protection procedures as data: the ``procedures`` section of ``jurisdictions/<cc>.yaml``.

A protection procedure is a jurisdiction's statutory track for a presumed victim: a reflection
period, then temporary residence permits and their renewals (DESIGN rule 3, glossary). Each file
lists its procedures; each procedure its states and the transitions between them, every value
citing the source line it comes from::

    procedures:
      - code: residence
        name: {en: ..., nl: ..., fr: ...}
        source: "003:L287-L293"
        remind_before: {days: 14, source: default}   # reminders go out this long before a date
        start: [reflection]                           # the states a procedure may begin in
        states:
          - code: reflection
            name: {en: ..., nl: ..., fr: ...}
            duration: {days: 45}                      # or months, years, working_days
            source: "003:L293"
          - code: permit-3-months
            duration: {months: 3}
            renewals: 1                               # a number, or "unlimited"
          - code: b8-permit
            milestone: {years: 3, name: {...}}        # a date that opens a right, not an end
          - code: indefinite-permit
            final: true
        transitions:
          - code: statement
            from: [reflection]
            to: permit-3-months
            name: {en: ..., nl: ..., fr: ...}
            source: "003:L293"

A state with a ``duration`` ends (or is due for renewal) on its start date plus the duration; a
state with a ``milestone`` reaches it on its start date plus the milestone's period. Both dates are
stored and indexed on the case's procedure (``ProtectionProcedure.due_on``). Validated at start-up
by the system check ``opennrm.E106``, with file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from opennrm.core import calendars
from opennrm.core import jurisdictions as jurisdiction_rules
from opennrm.core.jurisdictions import NAME_LANGUAGES
from opennrm.core.rulefiles import LoadOnce, Reader, RuleFileError, load_yaml, pick

UNITS = ("days", "working_days", "months", "years")
UNLIMITED = -1


@dataclass(frozen=True)
class Period:
    amount: int
    unit: str  # one of UNITS

    def after(self, start: date, country: str) -> date:
        """The date this period after ``start`` (months keep the day of the month, clamped)."""
        if self.unit == "days":
            return start + timedelta(days=self.amount)
        if self.unit == "working_days":
            return calendars.add_working_days_to_date(
                calendars.calendar(country), start, self.amount
            )
        months = self.amount * (12 if self.unit == "years" else 1)
        return calendars.add_months(start, months)

    def describe(self) -> str:
        return f"{self.amount} {self.unit.replace('_', ' ')}"


@dataclass(frozen=True)
class State:
    code: str
    names: dict[str, str]
    source: str
    duration: Period | None = None
    renewals: int = 0  # UNLIMITED: as often as needed
    milestone: Period | None = None
    milestone_names: dict[str, str] | None = None
    final: bool = False

    @property
    def name(self) -> str:
        return str(pick(self.names))

    @property
    def milestone_name(self) -> str:
        return str(pick(self.milestone_names)) if self.milestone_names else ""

    def may_renew(self, renewals_used: int) -> bool:
        if self.duration is None:
            return False
        return self.renewals == UNLIMITED or renewals_used < self.renewals


@dataclass(frozen=True)
class Transition:
    code: str
    sources: tuple[str, ...]
    target: str
    names: dict[str, str]
    source: str

    @property
    def name(self) -> str:
        return str(pick(self.names))


@dataclass(frozen=True)
class Procedure:
    country: str
    code: str
    names: dict[str, str]
    source: str
    start: tuple[str, ...]
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    remind_before: int  # days
    remind_source: str
    line: int

    @property
    def name(self) -> str:
        return str(pick(self.names))

    @property
    def key(self) -> str:
        """Unique across jurisdictions: ``BE/residence``."""
        return f"{self.country}/{self.code}"

    def state(self, code: str) -> State:
        for state in self.states:
            if state.code == code:
                return state
        raise KeyError(code)

    def transitions_from(self, state: str) -> list[Transition]:
        return [item for item in self.transitions if state in item.sources]

    def transition(self, code: str) -> Transition:
        for item in self.transitions:
            if item.code == code:
                return item
        raise KeyError(code)

    def due_date(self, state: State, started_on: date) -> tuple[date | None, str]:
        """The stored date of a state that began on ``started_on``: its end, or its milestone."""
        if state.duration is not None:
            return state.duration.after(started_on, self.country), "end"
        if state.milestone is not None:
            return state.milestone.after(started_on, self.country), "milestone"
        return None, ""


def _period(reader: Reader, key: str, *, named: bool = False) -> Period:
    item = reader.mapping(key)
    item.only((*UNITS, "name") if named else UNITS)
    given = [unit for unit in UNITS if item.has(unit)]
    if len(given) != 1:
        raise item.fail(None, f"give exactly one of {list(UNITS)}")
    return Period(item.integer(given[0], minimum=1), given[0])


def _state(item: Reader) -> State:
    item.only(("code", "name", "duration", "renewals", "milestone", "final", "source"))
    final = item.raw("final") if item.has("final") else False
    if not isinstance(final, bool):
        raise item.fail("final", "'final' must be true or false")
    duration = _period(item, "duration") if item.has("duration") else None
    milestone = None
    milestone_names = None
    if item.has("milestone"):
        if duration is not None:
            raise item.fail("milestone", "a state has a duration or a milestone, not both")
        milestone = _period(item, "milestone", named=True)
        milestone_names = item.mapping("milestone").translated("name", NAME_LANGUAGES)
    renewals = 0
    if item.has("renewals"):
        if duration is None:
            raise item.fail("renewals", "only a state with a duration can be renewed")
        renewals = UNLIMITED if item.raw("renewals") == "unlimited" else item.integer("renewals")
    if final and (duration is not None or milestone is not None):
        raise item.fail("final", "a final state has no duration or milestone")
    return State(
        code=item.code("code"),
        names=item.translated("name", NAME_LANGUAGES),
        source=item.citation("source", allow_default=False),
        duration=duration,
        renewals=renewals,
        milestone=milestone,
        milestone_names=milestone_names,
        final=final,
    )


def _procedure(item: Reader, country: str) -> Procedure:
    item.only(("code", "name", "source", "remind_before", "start", "states", "transitions"))
    states: list[State] = []
    for reader in item.items("states"):
        state = _state(reader)
        if any(existing.code == state.code for existing in states):
            raise reader.fail("code", f"the state {state.code!r} is defined twice")
        states.append(state)
    codes = {state.code for state in states}
    final = {state.code for state in states if state.final}
    start = item.codes("start", codes)
    transitions: list[Transition] = []
    for reader in item.items("transitions", allow_empty=True):
        reader.only(("code", "from", "to", "name", "source"))
        code = reader.code("code")
        if any(existing.code == code for existing in transitions):
            raise reader.fail("code", f"the transition {code!r} is defined twice")
        sources = reader.codes("from", codes - final)
        target = reader.choice("to", sorted(codes))
        transitions.append(
            Transition(
                code=code,
                sources=sources,
                target=target,
                names=reader.translated("name", NAME_LANGUAGES),
                source=reader.citation("source", allow_default=False),
            )
        )
    for state in states:
        if not state.final and not any(state.code in t.sources for t in transitions):
            raise item.fail(
                "transitions",
                f"the state {state.code!r} has no way out: add a "
                "transition from it or mark it 'final: true'",
            )
    for index, code in enumerate(start):
        if code in final:
            raise RuleFileError(
                item.path,
                item.sequence("start").line_of(index),
                f"{item.where}.start: {code!r} is a final state; a procedure cannot start there",
            )
    reached = set(start)
    while True:
        more = {t.target for t in transitions if set(t.sources) & reached} - reached
        if not more:
            break
        reached |= more
    for reader, state in zip(item.items("states"), states, strict=True):
        if state.code not in reached:
            raise reader.fail("code", f"the state {state.code!r} cannot be reached from 'start'")
    remind = item.mapping("remind_before")
    remind.only(("days", "source"))
    return Procedure(
        country=country,
        code=item.code("code"),
        names=item.translated("name", NAME_LANGUAGES),
        source=item.citation("source", allow_default=False),
        start=start,
        states=tuple(states),
        transitions=tuple(transitions),
        remind_before=remind.integer("days", minimum=1),
        remind_source=remind.citation("source"),
        line=item.data.line,
    )


def parse_procedures(path: Path, country: str) -> tuple[Procedure, ...]:
    root = Reader(path, load_yaml(path))
    if not root.has("procedures"):
        return ()
    found: list[Procedure] = []
    for item in root.items("procedures", allow_empty=True):
        procedure = _procedure(item, country)
        if any(existing.code == procedure.code for existing in found):
            raise item.fail("code", f"the procedure {procedure.code!r} is defined twice")
        found.append(procedure)
    return tuple(found)


def load_procedures() -> tuple[dict[str, Procedure], list[RuleFileError]]:
    """Every valid procedure by key (``BE/residence``), and every mistake in a section."""
    found: dict[str, Procedure] = {}
    errors: list[RuleFileError] = []
    for code, jurisdiction in jurisdiction_rules.jurisdictions().items():
        try:
            for procedure in parse_procedures(Path(jurisdiction.path), code):
                found[procedure.key] = procedure
        except RuleFileError as exc:
            errors.append(exc)
    return found, errors


_loaded: LoadOnce[dict[str, Procedure]] = LoadOnce(load_procedures)


def procedures() -> dict[str, Procedure]:
    return _loaded.get()


def get(key: str) -> Procedure | None:
    return procedures().get(key)


def of_country(country: str) -> list[Procedure]:
    return [item for item in procedures().values() if item.country == country]


def reset_cache() -> None:
    _loaded.reset()
    _deadline_rules.reset()


# --- the dated duties of a case that are not a procedure (section ``case_deadlines``) -------------


@dataclass(frozen=True)
class CaseDeadlineRules:
    """When a minor comes of age, how long before that a transition plan is due, and how long
    before any case deadline its owner is reminded. A file without the section gets these
    defaults (``source: default``)::

        case_deadlines:
          age_of_majority: {years: 18, source: "001:L5812-L5818"}
          transition_plan_before: {days: 90, source: default}
          remind_before: {days: 14, source: default}
          compensation_state_advance: {months: 8, source: "001:L1234-L1239"}   # optional
    """

    age_of_majority: int = 18
    age_source: str = "default"
    transition_plan_days: int = 90
    transition_plan_source: str = "default"
    remind_days: int = 14
    remind_source: str = "default"
    # Months after a judgement at which the state advances unpaid compensation; None: no rule.
    state_advance_months: int | None = None
    state_advance_source: str = ""


def _days_rule(section: Reader, key: str, unit: str, default: int) -> tuple[int, str]:
    if not section.has(key):
        return default, "default"
    item = section.mapping(key)
    item.only((unit, "source"))
    return item.integer(unit, minimum=1), item.citation("source")


def parse_case_deadlines(path: Path) -> CaseDeadlineRules:
    root = Reader(path, load_yaml(path))
    if not root.has("case_deadlines"):
        return CaseDeadlineRules()
    section = root.mapping("case_deadlines")
    section.only(
        ("age_of_majority", "transition_plan_before", "remind_before", "compensation_state_advance")
    )
    age, age_source = _days_rule(section, "age_of_majority", "years", 18)
    plan, plan_source = _days_rule(section, "transition_plan_before", "days", 90)
    remind, remind_source = _days_rule(section, "remind_before", "days", 14)
    advance: int | None = None
    advance_source = ""
    if section.has("compensation_state_advance"):
        advance, advance_source = _days_rule(section, "compensation_state_advance", "months", 0)
    return CaseDeadlineRules(
        age, age_source, plan, plan_source, remind, remind_source, advance, advance_source
    )


def load_case_deadlines() -> tuple[dict[str, CaseDeadlineRules], list[RuleFileError]]:
    found: dict[str, CaseDeadlineRules] = {}
    errors: list[RuleFileError] = []
    for code, jurisdiction in jurisdiction_rules.jurisdictions().items():
        try:
            found[code] = parse_case_deadlines(Path(jurisdiction.path))
        except RuleFileError as exc:
            errors.append(exc)
    return found, errors


_deadline_rules: LoadOnce[dict[str, CaseDeadlineRules]] = LoadOnce(load_case_deadlines)


def case_deadline_rules(country: str) -> CaseDeadlineRules:
    return _deadline_rules.get().get(country, CaseDeadlineRules())
