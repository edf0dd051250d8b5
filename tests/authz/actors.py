"""The world of the authorization matrix: named actors and one object of each kind they act on.

Built on ``tests/cases/world.py`` (Belgium): the specialised centre ``payoke`` leads one case
file of a (made-up) person. Its case team: the guardianship service (guardian ``gina``) and the
police (``piet``, the police contact). The police recorded a signal and referred it to payoke
(a draft, one sent without consent, one accepted); payoke recorded a signal of its own.

The actors live in ONE place, ``ACTORS``: a name and the user it signs in as (``None``:
anonymous). Adding an actor (a team member with a scope, a break-glass user, …) is one line
there; the matrix (``tests/authz/matrix/``) then names it wherever it is not simply refused.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Model
from django.test import Client

from opennrm.cases import casefiles, casework, deadlines
from opennrm.cases import services as person_services
from opennrm.cases.models import CaseFile, Person
from opennrm.core import clock
from opennrm.directory import twofactor
from opennrm.directory.models import ApiToken, Notification, Organisation, User
from opennrm.intake import services as intake_services
from opennrm.intake.models import Screening, Signal
from opennrm.plans import services as plan_services
from opennrm.plans.models import Measure, Plan
from opennrm.referrals import services as referral_services
from opennrm.referrals.models import Referral
from opennrm.sharing import services as sharing_services
from opennrm.sharing.models import LegalBasis
from tests import factories
from tests.cases import world as w
from tests.cases.helpers import api_token
from tests.conftest import verified_client

PAST = datetime.date(2025, 2, 3)  # a Monday in the past: no date of the world lies ahead
PLAN = """schema: opennrm.plan/1
code: be-authz
country: BE
title: "Authorization test plan"
period: {from: 2024, to: 2026}
owner: "Unit"
themes: [{code: a, name: "A"}]
measures:
  - {number: "1", theme: a, text: "First measure", lead: "Payoke", deadline: "2026"}
"""


def _rapporteur() -> Organisation:
    return factories.organisation("rapporteur-be", kind="national_rapporteur", country="BE")


# The named actors of the matrix, in the order the tests run them: name -> who signs in (a user
# of the base world, or one made here; None: anonymous). THE one place that makes actors.
ACTORS: dict[str, Callable[[w.World], User | None]] = {
    # case worker of the lead organisation, owner of the case
    "owner": lambda base: base.sara,
    # another case worker of the lead organisation
    "colleague": lambda base: base.sam,
    # case worker of another organisation of the same country
    "other_org": lambda base: base.otto,
    # coordinator at the country's coordination centre
    "coordinator": lambda base: base.cody,
    # police investigator: the case's police contact, sender of the referrals
    "investigator": lambda base: base.piet,
    # case worker of the guardian's organisation (case team)
    "guardian": lambda base: base.gina,
    # the national rapporteur's analyst: pseudonymised data only, no two-factor
    "analyst": lambda base: factories.user("andrea", _rapporteur(), "analyst"),
    # auditor at the coordination centre
    "auditor": lambda base: factories.user("audrey", base.centre_be, "auditor"),
    # administrator of the lead organisation
    "administrator": lambda base: factories.user("adam", base.payoke, "administrator"),
    # administrator of another organisation
    "other_administrator": lambda base: factories.user("olga", base.other_be, "administrator"),
    "anonymous": lambda base: None,
}


@dataclass
class AuthzWorld:
    base: w.World
    actors: dict[str, User | None]
    person: Person  # the case's person
    spare_person: Person  # a person of the lead organisation without a case
    case: CaseFile
    signal: Signal  # recorded by the lead organisation
    screening: Screening
    draft: Referral  # police -> payoke, not sent
    referral: Referral  # police -> payoke, sent without consent (review pending)
    accepted: Referral  # police -> payoke, accepted
    plan: Plan
    measure: Measure  # linked to the lead organisation
    notification: Notification  # in the owner's inbox
    basis: LegalBasis  # a covenant of the country between the lead and another organisation
    token: ApiToken  # of the lead organisation
    ids: dict[str, int] = field(default_factory=dict)  # rows of the case (task, service, …)
    sessions: dict[str, str] = field(default_factory=dict)  # actor -> session key

    def client(self, actor: str) -> Client:
        """A fresh client as ``actor`` (anonymous: without a session)."""
        client = Client()
        if actor in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[actor]
        return client

    def version_of(self, model: type[Model], pk: int) -> int:
        """The current ``version`` of a row (a preparation may have changed it)."""
        return int(model._default_manager.values_list("version", flat=True).get(pk=pk))


def signed_in(user: User) -> Client:
    """A test client as ``user``: two-factor verified where the role requires it (as a real
    session after sign-in and TOTP), signed in with the password only otherwise."""
    if twofactor.requires_two_factor(user):
        return verified_client(user)
    client = Client()
    client.force_login(user)
    return client


def _sessions(actors: dict[str, User | None]) -> dict[str, str]:
    """A signed-in session per actor, made once: each test's client carries its cookie."""
    name = settings.SESSION_COOKIE_NAME
    return {
        actor: signed_in(user).cookies[name].value
        for actor, user in actors.items()
        if user is not None
    }


def _signal(actor: User, organisation: Organisation, description: str) -> Signal:
    return intake_services.signal_record(
        actor=actor,
        organisation_id=organisation.pk,
        data={"description": description, "population": "adult", "forms": ["labour"]},
    )


def _refer(base: w.World, signal: Signal, *, send: bool, consent: bool) -> Referral:
    basis = (
        {"basis": "consent", "given_at": "2025-02-03T10:00", "language": "nl"}
        if consent
        else {
            "basis": "override",
            "ground": "acute_danger",
            "explanation": "Made-up reason: the person could not be reached in time.",
        }
    )
    return referral_services.referral_create(
        actor=base.piet,
        signal_id=signal.pk,
        recipient_organisation_id=base.payoke.pk,
        data={"rule": "", "situation": {}, "shared": ["description"], "consent": basis},
        send=send,
    )


def _case(base: w.World, person: Person) -> tuple[CaseFile, dict[str, int]]:
    sara = base.sara
    case = casefiles.case_open(actor=sara, organisation_id=base.payoke.pk, person_id=person.pk)
    case = casefiles.case_set_team(
        actor=sara,
        case_id=case.pk,
        expected_version=case.version,
        unaccompanied_minor=False,
        guardian_organisation_id=base.guardianship_be.pk,
        guardian_id=base.gina.pk,
        guardian_appointed_on=PAST,
        police_organisation_id=base.police_be.pk,
        police_contact_id=base.piet.pk,
    )
    soon = clock.now().date() + datetime.timedelta(days=10)
    task = deadlines.task_add(actor=sara, case_id=case.pk, title="Call back", due_on=soon)
    data = {"kind": "medical", "status": "planned"}
    service = casework.service_add(actor=sara, case_id=case.pk, data=data)
    data = {"shelter": str(base.payoke.pk), "started_on": PAST.isoformat()}
    placement = casework.placement_add(actor=sara, case_id=case.pk, data=data)
    data = {"kind": "charged", "decided_on": PAST.isoformat()}
    justice = casework.justice_add(actor=sara, case_id=case.pk, data=data)
    data = {"claimed_on": PAST.isoformat(), "amount_claimed": "5000"}
    compensation = casework.compensation_add(actor=sara, case_id=case.pk, data=data)
    ids = {
        "task": task.pk,
        "service": service.pk,
        "placement": placement.pk,
        "justice": justice.pk,
        "compensation": compensation.pk,
    }
    return CaseFile.objects.get(pk=case.pk), ids


def build() -> AuthzWorld:
    base = w.build()
    actors = {name: make(base) for name, make in ACTORS.items()}
    person = person_services.person_create(
        actor=base.sara,
        organisation_id=base.payoke.pk,
        data={"given_names": "Test", "family_name": "Person"},
    )
    spare = person_services.person_create(
        actor=base.sara,
        organisation_id=base.payoke.pk,
        data={"given_names": "Spare", "family_name": "Person"},
    )
    case, ids = _case(base, person)
    signal = _signal(base.sara, base.payoke, "Made-up observation at a car wash")
    screening = intake_services.screening_run(
        actor=base.sara, signal_id=signal.pk, catalogue_id="adult-labour-exploitation", observed=[]
    )
    # One open referral per signal and recipient: each referral has its own police signal.
    police_signal, *others = [
        _signal(base.piet, base.police_be, f"Made-up observation on building site {number}")
        for number in (1, 2, 3)
    ]
    referral = _refer(base, police_signal, send=True, consent=False)
    draft = _refer(base, others[0], send=False, consent=True)
    accepted = _refer(base, others[1], send=True, consent=True)
    accepted = referral_services.referral_accept(
        actor=base.sara, referral_id=accepted.pk, expected_version=accepted.version
    )
    plan = plan_services.plan_import(actor=base.cody, content=PLAN, name="plan.yaml")
    measure = plan.measures.get(number="1")
    measure = plan_services.measure_link(
        actor=base.cody,
        measure_id=measure.pk,
        expected_version=measure.version,
        organisation_id=base.payoke.pk,
    )
    notification = Notification.objects.filter(user=base.sara).order_by("pk").first()
    assert notification is not None  # the referrals sent to payoke notified its case workers
    basis = sharing_services.legal_basis_create(
        actor=base.cody,
        jurisdiction="BE",
        kind="covenant",
        title="Made-up care covenant",
        reference="Covenant 1/2025",
        purpose="Care for victims",
        categories=["services", "notes"],
        party_ids=[base.payoke.pk, base.other_be.pk],
        valid_from=PAST,
    )
    api_token(base.sam, base.payoke)  # the case system of the lead organisation
    token = ApiToken.objects.get(organisation=base.payoke)
    return AuthzWorld(
        base=base,
        actors=actors,
        person=person,
        spare_person=spare,
        case=case,
        signal=signal,
        screening=screening,
        draft=Referral.objects.get(pk=draft.pk),
        referral=Referral.objects.get(pk=referral.pk),
        accepted=Referral.objects.get(pk=accepted.pk),
        plan=plan,
        measure=Measure.objects.get(pk=measure.pk),
        notification=notification,
        basis=basis,
        token=token,
        ids=ids,
        sessions=_sessions(actors),
    )
