"""Who may open and work on a case file, and what the case-file services refuse.

The one door ``access_case`` and ``case_list`` (the permission matrix of DESIGN rule 8), then the
checks of ``case_open``, ``case_transfer``, ``case_set_team``, the missing-person services and the
encryption at rest of the case file's free text.

Personas (``tests/cases/world.py``): sara and sam (case workers of the lead organisation payoke),
gina (guardianship_be), piet (police_be), otto (other_be), cody (BE coordinator); dave (analyst,
``tests/conftest.py``), cleo (a coordinator at the NL coordination centre) and anonymous.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from opennrm.cases import case_selectors, casefiles, missing, services
from opennrm.cases.case_selectors import CaseAction, access_case, case_list
from opennrm.cases.models import CaseFile, CaseTransition, Disappearance
from opennrm.core.errors import (
    ConcurrentEditError,
    InvalidInput,
    NotFoundOrForbidden,
    PermissionDeniedError,
)
from opennrm.core.models import AuditEvent
from opennrm.directory import notifications
from opennrm.directory.models import Membership, Notification, Organisation, User
from opennrm.referrals import services as referral_services
from opennrm.referrals.models import Referral, ReferralState
from tests import factories
from tests.cases import world as w
from tests.cases.helpers import raw_dump
from tests.referrals.helpers import record_signal, refer

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)

# The case subject: distinctive names that must never appear in a notification.
GIVEN = "Zdravka"
FAMILY = "Ionescu-Taranu"
# Distinctive free text that must be stored only as ciphertext.
CLOSURE_NOTE = "Moved in with her cousin Lidia at Kerkstraat 41 in Mechelen"
NO_GUARDIAN = "Guardian Mr Vandenbroucke is on leave until the hearing at Antwerp court"
CIRCUMSTANCES = "Left the shelter at night with a man called Bogdan in a white Audi"

ACTIONS: tuple[CaseAction, ...] = ("view", "change", "manage")
NOTHING: dict[str, bool] = dict.fromkeys(ACTIONS, False)
VIEW_ONLY = {"view": True, "change": False, "manage": False}
LEAD = {"view": True, "change": True, "manage": False}
EVERYTHING = dict.fromkeys(ACTIONS, True)


# --- fixtures and helpers


@pytest.fixture
def world(db: Any) -> w.World:
    return w.build()


@pytest.fixture
def clock(monkeypatch: Any) -> w.Clock:
    return w.Clock(monkeypatch, START)


@pytest.fixture
def cleo(centre: Organisation) -> User:
    """A coordinator of the Netherlands: oversees NL case files, not Belgian ones."""
    return factories.user("cleo", centre, "coordinator")


def open_case(
    actor: User, organisation: Organisation, *, minor: bool = False, **kwargs: Any
) -> CaseFile:
    person = services.person_create(
        actor=actor,
        organisation_id=organisation.pk,
        data={"given_names": GIVEN, "family_name": FAMILY, "date_of_birth": ""},
    )
    return casefiles.case_open(
        actor=actor,
        organisation_id=organisation.pk,
        person_id=person.pk,
        unaccompanied_minor=minor,
        **kwargs,
    )


def register_person(actor: User, organisation: Organisation) -> int:
    person = services.person_create(
        actor=actor,
        organisation_id=organisation.pk,
        data={"given_names": GIVEN, "family_name": FAMILY, "date_of_birth": ""},
    )
    return int(person.pk)


def set_team(world: w.World, case: CaseFile, **kwargs: Any) -> CaseFile:
    """The guardian (guardianship_be, gina) and the police contact (police_be, piet)."""
    values: dict[str, Any] = {
        "guardian_organisation_id": world.guardianship_be.pk,
        "guardian_id": world.gina.pk,
        "police_organisation_id": world.police_be.pk,
        "police_contact_id": world.piet.pk,
    }
    values.update(kwargs)
    case.refresh_from_db()
    return casefiles.case_set_team(
        actor=world.sara,
        case_id=case.pk,
        expected_version=case.version,
        unaccompanied_minor=case.unaccompanied_minor,
        **values,
    )


def audited(action: str, case_id: object, **filters: Any) -> int:
    return AuditEvent.objects.filter(
        action=action, object_type="case", object_id=str(case_id), **filters
    ).count()


def may(actor: Any, case_id: object) -> dict[str, bool]:
    """Which of view, change and manage ``access_case`` grants the actor."""
    result: dict[str, bool] = {}
    for action in ACTIONS:
        try:
            found = access_case(actor=actor, case_id=case_id, action=action)
        except NotFoundOrForbidden:
            result[action] = False
        else:
            assert found.pk == int(str(case_id))
            result[action] = True
    return result


def persona(name: str, world: w.World, request: pytest.FixtureRequest) -> Any:
    if name == "anonymous":
        return AnonymousUser()
    if name in ("dave", "cleo"):
        return request.getfixturevalue(name)
    return getattr(world, name)


def fresh(user: User) -> User:
    """The user read again (the role cache lives on the instance)."""
    return User.objects.get(pk=user.pk)


# --- access_case: the permission matrix

MATRIX = {
    # persona: (before the team is named, after case_set_team names guardian and police)
    "sara": (LEAD, LEAD),
    "sam": (LEAD, LEAD),
    "gina": (NOTHING, VIEW_ONLY),
    "piet": (NOTHING, VIEW_ONLY),
    "otto": (NOTHING, NOTHING),
    "dave": (NOTHING, NOTHING),
    "anonymous": (NOTHING, NOTHING),
    "cody": (EVERYTHING, EVERYTHING),
    "cleo": (NOTHING, NOTHING),
    "pim": (NOTHING, NOTHING),  # police of another country
    "nina": (NOTHING, NOTHING),  # guardian of another country
}


@pytest.mark.parametrize("name", list(MATRIX))
def test_permission_matrix_of_a_case_before_and_after_the_team_is_named(
    world: w.World, clock: w.Clock, request: pytest.FixtureRequest, name: str
) -> None:
    actor = persona(name, world, request)
    before, after = MATRIX[name]
    case = open_case(world.sara, world.payoke)
    assert may(actor, case.pk) == before
    set_team(world, case)
    assert may(actor, case.pk) == after


@pytest.mark.parametrize("name", ["gina", "piet"])
def test_the_team_organisation_alone_opens_the_case_to_its_members(
    world: w.World, clock: w.Clock, name: str
) -> None:
    case = open_case(world.sara, world.payoke)
    set_team(world, case, guardian_id=None, police_contact_id=None)
    assert may(getattr(world, name), case.pk) == VIEW_ONLY
    # And when the team is cleared again, the door closes.
    set_team(
        world,
        case,
        guardian_organisation_id=None,
        guardian_id=None,
        police_organisation_id=None,
        police_contact_id=None,
    )
    assert may(getattr(world, name), case.pk) == NOTHING


@pytest.mark.parametrize("name", ["gina", "piet"])
def test_the_team_never_works_on_the_case(world: w.World, clock: w.Clock, name: str) -> None:
    case = set_team(world, open_case(world.sara, world.payoke))
    actor = getattr(world, name)
    before = audited("denied", case.pk)
    with pytest.raises(PermissionDeniedError):
        casefiles.case_step(
            actor=actor, case_id=case.pk, expected_version=case.version, action="advance"
        )
    with pytest.raises(PermissionDeniedError):
        casefiles.case_set_identification(
            actor=actor, case_id=case.pk, expected_version=case.version, status="potential"
        )
    assert audited("denied", case.pk) == before + 2
    case.refresh_from_db()
    assert case.phase == "opening"


def test_a_view_is_a_read_and_a_refusal_is_denied(
    world: w.World, clock: w.Clock, dave: User
) -> None:
    case = open_case(world.sara, world.payoke)
    assert audited("read", case.pk) == 0
    access_case(actor=world.sara, case_id=case.pk)
    access_case(actor=world.sara, case_id=str(case.pk))
    assert audited("read", case.pk, actor_id=world.sara.pk) == 2
    assert audited("read", case.pk, organisation_id=world.payoke.pk) == 2
    # A check for a service, without reading anything out.
    access_case(actor=world.sara, case_id=case.pk, action="change", record_read=False)
    assert audited("read", case.pk) == 2
    assert audited("denied", case.pk) == 0

    refusals: list[tuple[User, CaseAction]] = [
        (world.otto, "view"),
        (dave, "view"),
        (world.sara, "manage"),
    ]
    for actor, action in refusals:
        with pytest.raises(NotFoundOrForbidden):
            access_case(actor=actor, case_id=case.pk, action=action)
        assert audited("denied", case.pk, actor_id=actor.pk, detail__action=action) == 1
    assert audited("read", case.pk) == 2


def test_a_missing_case_looks_like_a_forbidden_one(world: w.World, clock: w.Clock) -> None:
    case = open_case(world.sara, world.payoke)
    missing_id = case.pk + 1000
    for wanted in (missing_id, str(missing_id)):
        with pytest.raises(NotFoundOrForbidden):
            access_case(actor=world.sara, case_id=wanted)
    assert audited("denied", missing_id, actor_id=world.sara.pk) == 2
    row = AuditEvent.objects.filter(action="denied", object_id=str(missing_id)).first()
    assert row is not None and row.organisation_id is None
    malformed: tuple[object, ...] = ("abc", "1.5", "", None, "0", "-3", f"{case.pk}x")
    for case_id in malformed:
        with pytest.raises(NotFoundOrForbidden):
            access_case(actor=world.sara, case_id=case_id)
    # The forbidden case gives the very same exception.
    with pytest.raises(NotFoundOrForbidden):
        access_case(actor=world.otto, case_id=case.pk)


def test_coordinators_see_their_own_country_only(
    world: w.World, clock: w.Clock, cleo: User
) -> None:
    be_case = open_case(world.sara, world.payoke)
    nl_case = open_case(world.noor, world.fier)
    assert may(world.cody, be_case.pk) == EVERYTHING
    assert may(world.cody, nl_case.pk) == NOTHING
    assert may(cleo, nl_case.pk) == EVERYTHING
    assert may(cleo, be_case.pk) == NOTHING
    assert audited("denied", be_case.pk, actor_id=cleo.pk) == 3


def test_a_coordinator_role_at_a_shelter_reaches_no_country(world: w.World, clock: w.Clock) -> None:
    case = open_case(world.sara, world.payoke)
    boss = factories.user("boss", world.other_be, "coordinator")
    assert may(boss, case.pk) == NOTHING


def test_an_ended_membership_closes_the_door(world: w.World, clock: w.Clock) -> None:
    case = open_case(world.sara, world.payoke)
    Membership.objects.filter(user=world.sam).update(is_active=False)
    assert may(fresh(world.sam), case.pk) == NOTHING


# --- case_list


def test_case_list_shows_each_persona_exactly_the_cases_it_may_see(
    world: w.World, clock: w.Clock, dave: User, cleo: User
) -> None:
    led = set_team(world, open_case(world.sara, world.payoke))
    clock.advance(hours=1)
    colleague = open_case(world.sam, world.payoke)
    clock.advance(hours=1)
    other = open_case(world.otto, world.other_be)
    clock.advance(hours=1)
    dutch = open_case(world.noor, world.fier)
    clock.advance(hours=1)
    closed = open_case(world.sara, world.payoke)
    for actor, action in ((world.sara, "request_closure"), (world.cody, "approve_closure")):
        closed.refresh_from_db()
        casefiles.case_step(
            actor=actor,
            case_id=closed.pk,
            expected_version=closed.version,
            action=action,
            reason="goals_met" if action == "request_closure" else "",
        )
    with pytest.raises(InvalidInput):
        missing.missing_report(actor=world.sara, case_id=closed.pk)
    refs = {
        "led": led.reference,
        "colleague": colleague.reference,
        "other": other.reference,
        "dutch": dutch.reference,
        "closed": closed.reference,
    }
    expected = {
        "sara": {"led", "colleague"},
        "sam": {"led", "colleague"},
        "gina": {"led"},
        "piet": {"led"},
        "otto": {"other"},
        "cody": {"led", "colleague", "other"},
        "noor": {"dutch"},
        "cleo": {"dutch"},
        "pim": set(),
        "nina": set(),
        "dave": set(),
    }
    actors = {name: getattr(world, name, None) for name in expected}
    actors.update(dave=dave, cleo=cleo)
    names = {ref: name for name, ref in refs.items()}
    seen = {
        name: {names[case.reference] for case in case_list(actor=actor)}
        for name, actor in actors.items()
    }
    assert seen == expected
    assert case_list(actor=AnonymousUser()) == []
    # Closed cases on request, for those who may see them.
    with_closed = case_list(actor=world.sara, include_closed=True)
    assert {names[case.reference] for case in with_closed} == {"led", "colleague", "closed"}
    with_closed = case_list(actor=world.gina, include_closed=True)
    assert {names[case.reference] for case in with_closed} == {"led"}
    # Each list shown is audited, with ids only.
    search = AuditEvent.objects.filter(action="search", object_type="case", actor_id=world.sam.pk)
    assert search.count() == 1
    assert search.get().detail["ids"] == [case.pk for case in case_list(actor=world.sam)]


def test_case_list_puts_the_actors_own_cases_first(world: w.World, clock: w.Clock) -> None:
    mine = open_case(world.sara, world.payoke)
    clock.advance(hours=1)
    theirs = open_case(world.sam, world.payoke)
    assert [case.pk for case in case_list(actor=world.sara)] == [mine.pk, theirs.pk]
    assert [case.pk for case in case_list(actor=world.sam)] == [theirs.pk, mine.pk]


# --- case_open


@pytest.mark.parametrize("name", ["piet", "dave", "gina", "otto"])
def test_case_open_needs_add_case_in_the_organisation(
    world: w.World, clock: w.Clock, dave: User, name: str
) -> None:
    actor = dave if name == "dave" else getattr(world, name)
    person_id = register_person(world.sara, world.payoke)
    with pytest.raises(PermissionDeniedError):
        casefiles.case_open(actor=actor, organisation_id=world.payoke.pk, person_id=person_id)
    assert not CaseFile.objects.exists()
    denied = AuditEvent.objects.filter(action="denied", object_type="case", actor_id=actor.pk)
    assert denied.count() == 1
    row = denied.get()
    assert (row.organisation_id, row.object_id, row.detail) == (
        world.payoke.pk,
        "",
        {"action": "open"},
    )


def test_case_open_refuses_a_person_of_another_organisation(world: w.World, clock: w.Clock) -> None:
    elsewhere = register_person(world.otto, world.other_be)
    # Sara cannot even see that person: the same answer as for no person at all.
    with pytest.raises(NotFoundOrForbidden):
        casefiles.case_open(actor=world.sara, organisation_id=world.payoke.pk, person_id=elsewhere)
    # Someone working at both organisations sees the person, and still cannot open a case for it
    # in the other organisation.
    both = factories.user("bea", world.payoke, "case_worker")
    Membership.objects.create(user=both, organisation=world.other_be, role="case_worker")
    both = fresh(both)
    with pytest.raises(InvalidInput) as caught:
        casefiles.case_open(actor=both, organisation_id=world.payoke.pk, person_id=elsewhere)
    assert set(caught.value.errors) == {"person"}
    assert not CaseFile.objects.exists()
    case = casefiles.case_open(actor=both, organisation_id=world.other_be.pk, person_id=elsewhere)
    assert case.lead_organisation_id == world.other_be.pk


def test_case_open_needs_an_owner_who_works_on_cases_in_the_organisation(
    world: w.World, clock: w.Clock
) -> None:
    person_id = register_person(world.sara, world.payoke)
    helper = factories.user("fay", world.payoke, "frontline")  # no CHANGE_CASE
    gone = factories.user("gus", world.payoke, "case_worker")
    Membership.objects.filter(user=gone).update(is_active=False)
    inactive = factories.user("ida", world.payoke, "case_worker", is_active=False)
    for owner in (
        world.otto.pk,
        world.piet.pk,
        world.cody.pk,
        helper.pk,
        gone.pk,
        inactive.pk,
        "abc",
        999999,
    ):
        with pytest.raises(InvalidInput) as caught:
            casefiles.case_open(
                actor=world.sara,
                organisation_id=world.payoke.pk,
                person_id=person_id,
                owner_id=owner,
            )
        assert set(caught.value.errors) == {"owner"}
    assert not CaseFile.objects.exists()
    case = casefiles.case_open(
        actor=world.sara,
        organisation_id=world.payoke.pk,
        person_id=person_id,
        owner_id=world.sam.pk,
    )
    assert (case.owner_id, case.lead_organisation_id, case.jurisdiction) == (
        world.sam.pk,
        world.payoke.pk,
        "BE",
    )
    assert list(CaseTransition.objects.filter(case=case).values_list("action", flat=True)) == [
        "open"
    ]


def _referral_to_payoke(world: w.World, *, accept: bool) -> Referral:
    signal = record_signal(world.otto, world.other_be, region="BE-VLG", municipality="Antwerpen")
    referral = refer(world.otto, signal, world.payoke, send=True)
    if accept:
        referral = referral_services.referral_accept(
            actor=world.sara,
            referral_id=referral.pk,
            expected_version=Referral.objects.get(pk=referral.pk).version,
        )
    return Referral.objects.get(pk=referral.pk)


def test_case_open_from_a_referral_needs_it_accepted_by_the_organisation_and_only_once(
    world: w.World, clock: w.Clock
) -> None:
    pending = _referral_to_payoke(world, accept=False)
    assert pending.state == ReferralState.SENT
    person_id = register_person(world.sara, world.payoke)
    with pytest.raises(InvalidInput) as caught:
        casefiles.case_open(
            actor=world.sara,
            organisation_id=world.payoke.pk,
            person_id=person_id,
            referral_id=pending.pk,
        )
    assert set(caught.value.errors) == {"referral"}
    assert not CaseFile.objects.exists()

    referral_services.referral_accept(
        actor=world.sara, referral_id=pending.pk, expected_version=pending.version
    )
    accepted = Referral.objects.get(pk=pending.pk)
    assert accepted.state == ReferralState.ACCEPTED
    # The sender sees the accepted referral but is not its recipient.
    otto_person = register_person(world.otto, world.other_be)
    with pytest.raises(InvalidInput):
        casefiles.case_open(
            actor=world.otto,
            organisation_id=world.other_be.pk,
            person_id=otto_person,
            referral_id=accepted.pk,
        )
    case = casefiles.case_open(
        actor=world.sara,
        organisation_id=world.payoke.pk,
        person_id=person_id,
        referral_id=str(accepted.pk),
    )
    assert case.referral_id == accepted.pk
    opened = CaseTransition.objects.get(case=case, action="open")
    assert opened.details == {"referral": accepted.pk}
    assert [
        c.pk for c in case_selectors.cases_of_referral(actor=world.sara, referral_id=accepted.pk)
    ] == [case.pk]
    # A second case from the same referral: refused, whoever asks.
    for actor in (world.sara, world.sam):
        with pytest.raises(InvalidInput) as caught:
            casefiles.case_open(
                actor=actor,
                organisation_id=world.payoke.pk,
                person_id=register_person(actor, world.payoke),
                referral_id=accepted.pk,
            )
        assert set(caught.value.errors) == {"referral"}
    assert CaseFile.objects.count() == 1


def test_a_transferred_case_still_counts_as_the_case_of_its_referral(
    world: w.World, clock: w.Clock
) -> None:
    referral = _referral_to_payoke(world, accept=True)
    first = casefiles.case_open(
        actor=world.sara,
        organisation_id=world.payoke.pk,
        person_id=register_person(world.sara, world.payoke),
        referral_id=referral.pk,
    )
    casefiles.case_transfer(
        actor=world.sara,
        case_id=first.pk,
        expected_version=first.version,
        organisation_id=world.other_be.pk,
        owner_id=world.otto.pk,
    )
    # The recipient may not open a second case from it once the first has left.
    with pytest.raises(InvalidInput) as caught:
        casefiles.case_open(
            actor=world.sara,
            organisation_id=world.payoke.pk,
            person_id=register_person(world.sara, world.payoke),
            referral_id=referral.pk,
        )
    assert set(caught.value.errors) == {"referral"}
    assert list(CaseFile.objects.values_list("pk", flat=True)) == [first.pk]


def test_case_open_refuses_anonymous(world: w.World, clock: w.Clock) -> None:
    person_id = register_person(world.sara, world.payoke)
    with pytest.raises(PermissionDeniedError):
        casefiles.case_open(
            actor=AnonymousUser(), organisation_id=world.payoke.pk, person_id=person_id
        )
    assert not CaseFile.objects.exists()
    refusal = AuditEvent.objects.get(action="denied", object_type="case")
    assert (refusal.actor_id, refusal.detail) == (None, {"action": "open"})


def test_case_open_from_a_referral_the_actor_cannot_see(world: w.World, clock: w.Clock) -> None:
    referral = _referral_to_payoke(world, accept=True)
    noor_person = register_person(world.noor, world.fier)
    with pytest.raises(NotFoundOrForbidden):
        casefiles.case_open(
            actor=world.noor,
            organisation_id=world.fier.pk,
            person_id=noor_person,
            referral_id=referral.pk,
        )
    assert not CaseFile.objects.exists()


# --- case_transfer


def test_case_transfer_stays_in_the_country_with_a_case_worker_as_owner(
    world: w.World, clock: w.Clock
) -> None:
    case = open_case(world.sara, world.payoke)
    version = case.version
    wrong: list[tuple[object, object, str]] = [
        (world.fier.pk, world.noor.pk, "organisation"),  # another country
        ("abc", world.otto.pk, "organisation"),
        (999999, world.otto.pk, "organisation"),
        (world.other_be.pk, world.sara.pk, "owner"),  # not a member there
        (world.other_be.pk, world.piet.pk, "owner"),
        (world.police_be.pk, world.piet.pk, "owner"),  # police do not work on cases
        (world.other_be.pk, "", "owner"),
    ]
    for organisation_id, owner_id, field in wrong:
        with pytest.raises(InvalidInput) as caught:
            casefiles.case_transfer(
                actor=world.sara,
                case_id=case.pk,
                expected_version=version,
                organisation_id=organisation_id,
                owner_id=owner_id,
            )
        assert set(caught.value.errors) == {field}
    case.refresh_from_db()
    assert (case.lead_organisation_id, case.owner_id, case.version) == (
        world.payoke.pk,
        world.sara.pk,
        version,
    )
    assert not CaseTransition.objects.filter(case=case, action="transfer").exists()


def test_a_transfer_moves_the_case_and_the_old_organisation_loses_it(
    world: w.World, clock: w.Clock
) -> None:
    case = open_case(world.sara, world.payoke)
    clock.advance(days=1)
    moved = casefiles.case_transfer(
        actor=world.sara,
        case_id=case.pk,
        expected_version=case.version,
        organisation_id=str(world.other_be.pk),
        owner_id=str(world.otto.pk),
    )
    moved.refresh_from_db()
    assert (moved.lead_organisation_id, moved.owner_id, moved.version, moved.phase) == (
        world.other_be.pk,
        world.otto.pk,
        case.version + 1,
        "opening",
    )
    row = CaseTransition.objects.get(case=case, action="transfer")
    assert row.details == {
        "from_organisation": world.payoke.pk,
        "to_organisation": world.other_be.pk,
        "from_owner": world.sara.pk,
        "to_owner": world.otto.pk,
    }
    assert all(type(value) is int for value in row.details.values())  # ids, nothing else
    assert (row.actor_id, row.from_phase, row.to_phase, row.occurred_at) == (
        world.sara.pk,
        "opening",
        "opening",
        clock.moment,
    )
    assert audited("update", case.pk, detail__action="transfer") == 1
    # The old organisation can neither see nor work on it any more: the same answer as for a
    # case that does not exist; the new one can.
    for actor in (world.sara, world.sam):
        assert may(actor, case.pk) == NOTHING
        with pytest.raises(NotFoundOrForbidden):
            casefiles.case_step(
                actor=actor, case_id=case.pk, expected_version=moved.version, action="advance"
            )
    assert case_list(actor=world.sara) == []
    assert may(world.otto, case.pk) == LEAD
    assert [c.pk for c in case_list(actor=world.otto)] == [case.pk]
    advanced = casefiles.case_step(
        actor=world.otto, case_id=case.pk, expected_version=moved.version, action="advance"
    )
    assert advanced.phase == "assistance"


def test_a_transfer_by_the_team_is_refused_and_audited(world: w.World, clock: w.Clock) -> None:
    case = set_team(world, open_case(world.sara, world.payoke))
    with pytest.raises(PermissionDeniedError):
        casefiles.case_transfer(
            actor=world.gina,
            case_id=case.pk,
            expected_version=case.version,
            organisation_id=world.guardianship_be.pk,
            owner_id=world.gina.pk,
        )
    assert audited("denied", case.pk, actor_id=world.gina.pk, detail__action="transfer") == 1
    with pytest.raises(NotFoundOrForbidden):
        casefiles.case_transfer(
            actor=world.otto,
            case_id=case.pk,
            expected_version=case.version,
            organisation_id=world.other_be.pk,
            owner_id=world.otto.pk,
        )
    case.refresh_from_db()
    assert case.lead_organisation_id == world.payoke.pk


def test_a_transfer_on_a_stale_version_is_a_conflict(world: w.World, clock: w.Clock) -> None:
    case = open_case(world.sara, world.payoke)
    seen = case.version
    set_team(world, case)
    with pytest.raises(ConcurrentEditError):
        casefiles.case_transfer(
            actor=world.sara,
            case_id=case.pk,
            expected_version=seen,
            organisation_id=world.other_be.pk,
            owner_id=world.otto.pk,
        )
    case.refresh_from_db()
    assert case.lead_organisation_id == world.payoke.pk


# --- case_set_team


def test_the_guardian_comes_from_a_guardianship_organisation_of_the_country(
    world: w.World, clock: w.Clock
) -> None:
    case = open_case(world.sara, world.payoke, minor=True)
    version = case.version
    wrong: list[tuple[dict[str, Any], str]] = [
        ({"guardian_organisation_id": world.police_be.pk, "guardian_id": None}, "guardian"),
        ({"guardian_organisation_id": world.payoke.pk, "guardian_id": None}, "guardian"),
        ({"guardian_organisation_id": world.nidos.pk, "guardian_id": None}, "guardian"),
        ({"guardian_organisation_id": "abc", "guardian_id": None}, "guardian"),
        # The person must be a member of that organisation.
        ({"guardian_id": world.piet.pk}, "guardian_person"),
        ({"guardian_id": world.nina.pk}, "guardian_person"),
        ({"guardian_id": world.sara.pk}, "guardian_person"),
        ({"guardian_organisation_id": None, "guardian_id": world.gina.pk}, "guardian"),
        # The police contact from the police, of this country.
        ({"police_organisation_id": world.guardianship_be.pk, "police_contact_id": None}, "police"),
        ({"police_organisation_id": world.police_nl.pk, "police_contact_id": None}, "police"),
        ({"police_contact_id": world.gina.pk}, "police_person"),
        ({"police_contact_id": world.pim.pk}, "police_person"),
        # Appointed tomorrow, or not a date.
        ({"guardian_appointed_on": START.date() + datetime.timedelta(days=1)}, ""),
        ({"guardian_appointed_on": "2026-03-03"}, ""),
        ({"guardian_appointed_on": "02/03/2026"}, ""),
    ]
    for values, field in wrong:
        with pytest.raises(InvalidInput) as caught:
            set_team(world, case, **values)
        assert set(caught.value.errors) == {field or "guardian_appointed_on"}, values
    case.refresh_from_db()
    assert case.version == version
    assert (case.guardian_organisation_id, case.police_organisation_id) == (None, None)
    assert not CaseTransition.objects.filter(case=case, action="team").exists()
    # Today is fine, and a child-protection organisation may be the guardian too.
    case = set_team(world, case, guardian_appointed_on=START.date())
    assert (case.guardian_id, case.guardian_appointed_on) == (world.gina.pk, START.date())
    youth = factories.organisation("youth-be", kind="child_protection", country="BE")
    carer = factories.user("cara", youth, "case_worker")
    case = set_team(world, case, guardian_organisation_id=youth.pk, guardian_id=carer.pk)
    assert (case.guardian_organisation_id, case.guardian_id) == (youth.pk, carer.pk)
    assert may(world.gina, case.pk)["view"] is False
    assert may(carer, case.pk) == VIEW_ONLY


def test_a_stale_team_change_is_a_conflict_and_changes_nothing(
    world: w.World, clock: w.Clock
) -> None:
    case = open_case(world.sara, world.payoke)
    seen = case.version
    casefiles.case_set_identification(
        actor=world.sam,
        case_id=case.pk,
        expected_version=seen,
        status="presumed",
        decided_by_id=world.police_be.pk,
        decided_on="2026-03-01",
    )
    with pytest.raises(ConcurrentEditError):
        casefiles.case_set_team(
            actor=world.sara,
            case_id=case.pk,
            expected_version=seen,
            unaccompanied_minor=True,
            guardian_organisation_id=world.guardianship_be.pk,
            guardian_id=world.gina.pk,
            police_organisation_id=world.police_be.pk,
        )
    case.refresh_from_db()
    assert case.version == seen + 1
    assert (
        case.unaccompanied_minor,
        case.guardian_organisation_id,
        case.guardian_id,
        case.police_organisation_id,
    ) == (False, None, None, None)
    assert not CaseTransition.objects.filter(case=case, action="team").exists()
    assert may(world.gina, case.pk) == NOTHING


def test_the_team_change_records_field_names_only(world: w.World, clock: w.Clock) -> None:
    case = set_team(world, open_case(world.sara, world.payoke))
    event = AuditEvent.objects.get(action="update", object_id=str(case.pk), detail__action="team")
    assert sorted(event.detail["fields"]) == [
        "guardian",
        "guardian_organisation",
        "police_contact",
        "police_organisation",
    ]
    unchanged = set_team(world, case)
    assert unchanged.version == case.version
    assert CaseTransition.objects.filter(case=case, action="team").count() == 1


# --- missing


def test_a_report_without_a_team_is_recorded_and_notifies_nobody(
    world: w.World, clock: w.Clock
) -> None:
    case = open_case(world.sara, world.payoke, minor=True)
    report = missing.missing_report(actor=world.sara, case_id=case.pk)
    report.refresh_from_db()
    assert (report.missing_since, report.reported_at, report.reported_by_id) == (
        START,
        START,
        world.sara.pk,
    )
    assert (report.police_notified_at, report.guardian_notified_at) == (None, None)
    assert not Notification.objects.exists()
    row = CaseTransition.objects.get(case=case, action="missing")
    assert row.details == {"police_notified": 0, "guardian_notified": 0}


def test_the_guardian_may_report_a_person_missing_the_police_may_not(
    world: w.World, clock: w.Clock
) -> None:
    case = open_case(world.sara, world.payoke, minor=True)
    # Before the team is named the guardian does not even see the case.
    with pytest.raises(NotFoundOrForbidden):
        missing.missing_report(actor=world.gina, case_id=case.pk)
    case = set_team(world, case)
    with pytest.raises(PermissionDeniedError):
        missing.missing_report(actor=world.piet, case_id=case.pk)
    assert audited("denied", case.pk, actor_id=world.piet.pk, detail__action="missing") == 1
    with pytest.raises(NotFoundOrForbidden):
        missing.missing_report(actor=world.otto, case_id=case.pk)
    assert not Disappearance.objects.exists()

    report = missing.missing_report(
        actor=world.gina, case_id=case.pk, missing_since=START - datetime.timedelta(hours=5)
    )
    assert report.reported_by_id == world.gina.pk
    assert report.missing_since == START - datetime.timedelta(hours=5)
    assert (report.police_notified_at, report.guardian_notified_at) == (START, START)
    assert Notification.objects.filter(user=world.piet, kind="person_missing").count() == 1
    # The police may not end it either; the guardian may.
    with pytest.raises(PermissionDeniedError):
        missing.missing_end(
            actor=world.piet, case_id=case.pk, disappearance_id=report.pk, outcome="found"
        )
    ended = missing.missing_end(
        actor=world.gina, case_id=case.pk, disappearance_id=report.pk, outcome="found"
    )
    assert (ended.outcome, ended.ended_by_id) == ("found", world.gina.pk)


@pytest.mark.parametrize(
    ("reporter", "organisation"),
    [("sara", "payoke"), ("gina", "guardianship_be"), ("cody", "centre_be")],
)
def test_the_alert_names_the_organisation_that_reported(
    world: w.World, clock: w.Clock, reporter: str, organisation: str
) -> None:
    case = set_team(world, open_case(world.sara, world.payoke, minor=True))
    missing.missing_report(actor=getattr(world, reporter), case_id=case.pk)
    alert = Notification.objects.get(user=world.piet, kind="person_missing")
    assert alert.organisation_name == getattr(world, organisation).name


def test_missing_since_must_be_within_90_days_and_not_in_the_future(
    world: w.World, clock: w.Clock
) -> None:
    case = open_case(world.sara, world.payoke, minor=True)
    for since in (
        START - datetime.timedelta(days=91),
        START + datetime.timedelta(hours=1),
        (START + datetime.timedelta(days=2)).isoformat(),
        "yesterday",
    ):
        with pytest.raises(InvalidInput) as caught:
            missing.missing_report(actor=world.sara, case_id=case.pk, missing_since=since)
        assert set(caught.value.errors) == {"missing_since"}
    assert not Disappearance.objects.exists()
    assert not CaseTransition.objects.filter(action="missing").exists()
    report = missing.missing_report(
        actor=world.sara, case_id=case.pk, missing_since=START - datetime.timedelta(days=89)
    )
    assert report.missing_since == START - datetime.timedelta(days=89)


def test_without_a_named_contact_every_police_member_who_sees_cases_is_alerted(
    world: w.World, clock: w.Clock
) -> None:
    paula = factories.user("paula", world.police_be, "investigator")
    fred = factories.user("fred", world.police_be, "frontline")  # no VIEW_CASE
    ivan = factories.user("ivan", world.police_be, "investigator", is_active=False)
    mona = factories.user("mona", world.police_be, "investigator")
    Membership.objects.filter(user=mona).update(is_active=False)
    # Two roles in the police organisation: one alert all the same.
    Membership.objects.create(user=paula, organisation=world.police_be, role="frontline")
    case = open_case(world.sara, world.payoke, minor=True)
    case = set_team(
        world, case, guardian_organisation_id=None, guardian_id=None, police_contact_id=None
    )
    report = missing.missing_report(actor=world.sara, case_id=case.pk)
    alerted = set(
        Notification.objects.filter(kind="person_missing").values_list("user__username", flat=True)
    )
    assert alerted == {"piet", "paula"}
    assert Notification.objects.filter(kind="person_missing").count() == 2
    assert {fred.pk, ivan.pk, mona.pk}.isdisjoint(
        Notification.objects.values_list("user_id", flat=True)
    )
    assert (report.police_notified_at, report.guardian_notified_at) == (START, None)
    assert CaseTransition.objects.get(case=case, action="missing").details == {
        "police_notified": 2,
        "guardian_notified": 0,
    }


def test_missing_end_needs_a_known_outcome_and_ends_once(world: w.World, clock: w.Clock) -> None:
    case = set_team(world, open_case(world.sara, world.payoke, minor=True))
    report = missing.missing_report(
        actor=world.sara, case_id=case.pk, missing_since=START - datetime.timedelta(hours=2)
    )
    clock.advance(days=1)
    bad_outcomes: tuple[Any, ...] = ("escaped", "", "RETURNED", None)
    for outcome in bad_outcomes:
        with pytest.raises(InvalidInput) as caught:
            missing.missing_end(
                actor=world.sara, case_id=case.pk, disappearance_id=report.pk, outcome=outcome
            )
        assert set(caught.value.errors) == {"outcome"}
    with pytest.raises(InvalidInput):
        missing.missing_end(
            actor=world.sara,
            case_id=case.pk,
            disappearance_id=report.pk,
            outcome="returned",
            at=START - datetime.timedelta(hours=3),  # before the disappearance
        )
    report.refresh_from_db()
    assert (report.ended_at, report.outcome) == (None, "")
    assert not Notification.objects.filter(kind="person_found").exists()

    missing.missing_end(
        actor=world.sara, case_id=case.pk, disappearance_id=report.pk, outcome="returned"
    )
    clock.advance(hours=1)
    with pytest.raises(InvalidInput):
        missing.missing_end(
            actor=world.sara, case_id=case.pk, disappearance_id=report.pk, outcome="found"
        )
    report.refresh_from_db()
    assert (report.ended_at, report.outcome) == (START + datetime.timedelta(days=1), "returned")
    assert CaseTransition.objects.filter(case=case, action="found").count() == 1
    # Another case's disappearance is not this case's.
    other = open_case(world.sara, world.payoke, minor=True)
    with pytest.raises(NotFoundOrForbidden):
        missing.missing_end(
            actor=world.sara, case_id=other.pk, disappearance_id=report.pk, outcome="found"
        )
    # Once ended, the person may be reported missing again.
    again = missing.missing_report(actor=world.sara, case_id=case.pk)
    assert again.pk != report.pk


def test_missing_notifications_carry_the_reference_never_the_name(
    world: w.World, clock: w.Clock
) -> None:
    case = set_team(world, open_case(world.sara, world.payoke, minor=True))
    report = missing.missing_report(actor=world.sara, case_id=case.pk, circumstances=CIRCUMSTANCES)
    missing.missing_end(
        actor=world.sara, case_id=case.pk, disappearance_id=report.pk, outcome="found"
    )
    rows = list(Notification.objects.order_by("pk"))
    assert sorted((row.user_id, row.kind) for row in rows) == sorted(
        (user.pk, kind)
        for user in (world.piet, world.gina)
        for kind in ("person_missing", "person_found")
    )
    for row in rows:
        text = notifications.render(row)
        # Booleans only: a failing assertion must not print the text.
        has_reference = case.reference in text
        registered = row.kind not in text  # a registered text, not the bare code
        assert has_reference, row.kind
        assert registered, row.kind
        for secret in (GIVEN, FAMILY, "Bogdan", "Audi"):
            leaked = secret in text or secret in row.link or secret in row.organisation_name
            assert not leaked, row.kind


# --- free text at rest


def _raw(sql: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    assert row is not None
    return str(row[0])


def test_free_text_of_a_case_is_stored_encrypted(world: w.World, clock: w.Clock) -> None:
    case = open_case(world.sara, world.payoke, minor=True)
    case = casefiles.case_no_guardian_reason(
        actor=world.sara, case_id=case.pk, expected_version=case.version, reason=NO_GUARDIAN
    )
    report = missing.missing_report(actor=world.sara, case_id=case.pk, circumstances=CIRCUMSTANCES)
    case.refresh_from_db()
    case = casefiles.case_step(
        actor=world.sara,
        case_id=case.pk,
        expected_version=case.version,
        action="request_closure",
        reason="other",
        note=CLOSURE_NOTE,
    )
    # Python sees the plaintext ...
    case.refresh_from_db()
    report.refresh_from_db()
    read_back = (case.closure_note, case.no_guardian_reason, report.circumstances) == (
        CLOSURE_NOTE,
        NO_GUARDIAN,
        CIRCUMSTANCES,
    )
    assert read_back
    # ... the database holds ciphertext only.
    stored = {
        "closure_note": _raw("SELECT closure_note FROM cases_casefile WHERE id = %s", case.pk),
        "no_guardian_reason": _raw(
            "SELECT no_guardian_reason FROM cases_casefile WHERE id = %s", case.pk
        ),
        "circumstances": _raw(
            "SELECT circumstances FROM cases_disappearance WHERE id = %s", report.pk
        ),
    }
    for name, plaintext in (
        ("closure_note", CLOSURE_NOTE),
        ("no_guardian_reason", NO_GUARDIAN),
        ("circumstances", CIRCUMSTANCES),
    ):
        # Booleans only: a failing assertion must not print the stored text.
        empty = not stored[name]
        leaked = sum(1 for word in plaintext.split() if len(word) > 3 and word in stored[name])
        assert not empty, name
        assert leaked == 0, name
    # Nowhere else either: not in the transitions, the audit trail, the notifications.
    dump = raw_dump()
    found = [
        index
        for index, word in enumerate(
            ("Lidia", "Kerkstraat", "Vandenbroucke", "Bogdan", GIVEN, FAMILY)
        )
        if word in dump
    ]
    assert found == []
