"""The scene of the sharing tests (issue #6) and small helpers to act and look through it.

Belgium (``tests/cases/world.py``): the lead organisation ``payoke`` with case workers ``sara``
(owner of the case files) and ``sam`` (her colleague); ``other_be``, the recipient organisation,
with case workers ``otto`` and ``olga`` (named when a grant names one person); the guardian
``gina`` (guardianship_be) and the police contact ``piet`` (police_be); the BE coordinator
``cody``; added here: ``aude``, auditor (data-protection officer) at the BE centre, and ``ana``,
analyst there. The Netherlands: ``cleo``, coordinator at the NL centre, and the shelter ``fier``.

``basis``: a BE covenant between payoke, other_be, police_be and guardianship_be covering
identity, health, justice and services (not immigration, not notes), in force 2026-2027.
Every name below is invented.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from opennrm.cases import casefiles, casework, deadlines, protection, services, team
from opennrm.cases.models import CaseFile
from opennrm.core.errors import InvalidInput
from opennrm.core.models import AuditEvent
from opennrm.directory.models import Notification, Organisation, User
from opennrm.sharing import services as sharing
from opennrm.sharing.models import AccessGrant, LegalBasis
from tests import factories
from tests.cases import world as w
from tests.cases.helpers import api_token
from tests.conftest import verified_client

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
TODAY = START.date()
D = datetime.date

# The case subject and free text of the case file: each string belongs to one data category, so
# finding it on a page shows that the category was shown.
GIVEN = "Mirela"
FAMILY = "Dobrescu-Vantu"
NAME = f"{GIVEN} {FAMILY}"
MEDICAL_NOTE = "Doctor Quistorp checks the healed ankle weekly"  # health
LEGAL_NOTE = "Lawyer Brandtsma prepares the civil claim"  # services
JUSTICE_REFERENCE = "PV-2026-004711"  # justice
TASK_TITLE = "Ring interpreter Okonkwo-Hale"  # notes
COVENANT = "Antwerp care-chain covenant 2026"
EMERGENCY = "Police report she was seen with the suspect tonight; the owner is unreachable"


class Clock:
    """Time for the code under test (``core.clock.now`` reads ``timezone.now``), moved with
    time_machine without ticking."""

    def __init__(self, traveller: Any) -> None:
        self.traveller = traveller
        self.moment = START
        traveller.move_to(START, tick=False)

    def advance(self, **delta: float) -> None:
        self.moment += datetime.timedelta(**delta)
        self.traveller.move_to(self.moment, tick=False)


@dataclass
class Scene(w.World):
    olga: User
    aude: User
    ana: User
    cleo: User
    centre_nl: Organisation
    basis: LegalBasis


def build() -> Scene:
    world = w.build()
    centre_nl = factories.organisation("centre-nl", kind="coordination_centre", country="NL")
    cleo = factories.user("cleo", centre_nl, "coordinator")
    basis = covenant(
        world.cody,
        [world.payoke, world.other_be, world.police_be, world.guardianship_be],
        ["identity", "health", "justice", "services"],
    )
    return Scene(
        **vars(world),
        olga=factories.user("olga", world.other_be, "case_worker"),
        aude=factories.user("aude", world.centre_be, "auditor"),
        ana=factories.user("ana", world.centre_be, "analyst"),
        cleo=cleo,
        centre_nl=centre_nl,
        basis=basis,
    )


def covenant(
    actor: User,
    parties: list[Organisation],
    categories: list[str],
    *,
    jurisdiction: str = "BE",
    title: str = COVENANT,
    valid_from: Any = "2026-01-01",
    valid_until: Any = "2027-12-31",
) -> LegalBasis:
    return sharing.legal_basis_create(
        actor=actor,
        jurisdiction=jurisdiction,
        kind="covenant",
        title=title,
        reference="Signed copy filed at the BE centre, folder 12",
        purpose="Care and protection of victims referred within the chain",
        categories=categories,
        party_ids=[party.pk for party in parties],
        valid_from=valid_from,
        valid_until=valid_until,
    )


def open_case(s: Scene, *, casework_too: bool = True) -> CaseFile:
    """A case of payoke owned by sara, with data of every category: a medical service (health),
    a legal-aid service (services), a procedure (immigration), a step of the criminal case
    (justice) and a task (notes)."""
    person = services.person_create(
        actor=s.sara,
        organisation_id=s.payoke.pk,
        data={"given_names": GIVEN, "family_name": FAMILY, "date_of_birth": "1998-07-14"},
    )
    case = casefiles.case_open(actor=s.sara, organisation_id=s.payoke.pk, person_id=person.pk)
    if casework_too:
        for kind, note in (("medical", MEDICAL_NOTE), ("legal_aid", LEGAL_NOTE)):
            casework.service_add(
                actor=s.sara,
                case_id=case.pk,
                data={"kind": kind, "status": "active", "provider": str(s.payoke.pk), "note": note},
            )
        protection.procedure_start(
            actor=s.sara, case_id=case.pk, procedure="BE/residence", state="reflection"
        )
        casework.justice_add(
            actor=s.sara,
            case_id=case.pk,
            data={
                "kind": "investigation",
                "decided_on": "2026-02-20",
                "reference": JUSTICE_REFERENCE,
            },
        )
        deadlines.task_add(
            actor=s.sara, case_id=case.pk, title=TASK_TITLE, due_on=TODAY + datetime.timedelta(5)
        )
    return fresh(case)


def fresh(case: CaseFile) -> CaseFile:
    return CaseFile.objects.get(pk=case.pk)


def share_data(s: Scene, **overrides: Any) -> dict[str, Any]:
    """What the share form posts: other_be, for services, under the covenant, for 90 days."""
    data: dict[str, Any] = {
        "organisation": str(s.other_be.pk),
        "user": "",
        "role": "care",
        "categories": ["services"],
        "purpose": "Follow-up of the legal aid",
        "legal_basis": str(s.basis.pk),
        "consent_given_on": "",
        "ends_on": (TODAY + datetime.timedelta(days=90)).isoformat(),
    }
    data.update(overrides)
    return data


def share(s: Scene, case: CaseFile, *, actor: User | None = None, **overrides: Any) -> AccessGrant:
    return team.team_member_add(
        actor=actor or s.sara, case_id=case.pk, data=share_data(s, **overrides)
    )


def refused(call: Callable[[], Any], label: object = "") -> dict[str, list[str]]:
    """The field errors of a refused call (the test fails, naming ``label``, if it passed)."""
    try:
        call()
    except InvalidInput as error:
        return error.errors
    pytest.fail(f"not refused: {label}")


def client(user: User) -> Client:
    return verified_client(user)


def api(user: User, organisation: Organisation) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token(user, organisation)}")


def text(response: Any) -> str:
    return str(response.content.decode())


def has(response: Any, snippet: str) -> bool:
    """Whether the page holds ``snippet`` (a bool: a failing assertion never prints the page)."""
    return snippet in text(response)


def element(html: str, element_id: str, closing: str = "table") -> str:
    """The HTML from the element with ``element_id`` to the end of its ``closing`` tag ("" if
    absent)."""
    found = re.search(rf'id="{re.escape(element_id)}".*?</{closing}>', html, re.S)
    return found.group(0) if found else ""


def after(html: str, element_id: str, length: int = 400) -> str:
    """``length`` characters of HTML from the element with ``element_id``."""
    start = html.find(f'id="{element_id}"')
    return "" if start < 0 else html[start : start + length]


def inbox(user: User, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=kind))


def audits(**filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("seq"))


def set_team(s: Scene, case: CaseFile) -> CaseFile:
    """The guardian (guardianship_be, gina) and the police contact (police_be, piet)."""
    case = fresh(case)
    return casefiles.case_set_team(
        actor=s.sara,
        case_id=case.pk,
        expected_version=case.version,
        unaccompanied_minor=case.unaccompanied_minor,
        guardian_organisation_id=s.guardianship_be.pk,
        guardian_id=s.gina.pk,
        police_organisation_id=s.police_be.pk,
        police_contact_id=s.piet.pk,
    )


MARKERS = {
    "identity": NAME,
    "health": MEDICAL_NOTE,
    "services": LEGAL_NOTE,
    "justice": JUSTICE_REFERENCE,
    "immigration": 'id="procedure-state"',
    "notes": TASK_TITLE,
}


def categories_shown(response: Any) -> set[str]:
    """The data categories whose data of ``open_case`` the page shows."""
    page = text(response)
    return {category for category, marker in MARKERS.items() if marker in page}


def rows(html: str, table_id: str) -> list[list[str]]:
    """The cells (text, tags removed, spaces collapsed) of each body row of a table."""
    body = element(html, table_id)
    body = body[body.find("<tbody") :]
    found = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        found.append([" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells])
    return found
