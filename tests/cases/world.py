"""A small world for the case-file tests (imported by the test modules that need it).

Belgium: ``payoke`` (specialised centre, shelter) with case workers ``sara`` and ``sam``;
``police_be`` with investigator ``piet``; ``guardianship_be`` with guardian ``gina``; the BE
coordination centre with coordinator ``cody``. Netherlands: ``fier`` (shelter) with ``noor``;
``police_nl2`` with ``pim``; ``nidos`` with guardian ``nina``; ``otto`` works at a shelter in
Belgium too but has no part in the cases (another organisation).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from opennrm.cases import casefiles, services
from opennrm.cases.models import CaseFile
from opennrm.core import clock
from opennrm.directory.models import Organisation, User
from tests import factories

TZ = datetime.UTC


@dataclass
class World:
    payoke: Organisation
    police_be: Organisation
    guardianship_be: Organisation
    centre_be: Organisation
    other_be: Organisation
    sara: User
    sam: User
    piet: User
    gina: User
    cody: User
    otto: User
    fier: Organisation
    police_nl: Organisation
    nidos: Organisation
    noor: User
    pim: User
    nina: User


def build() -> World:
    payoke = factories.organisation("payoke", kind="shelter_ngo", country="BE")
    police_be = factories.organisation("police-be", kind="police", country="BE")
    guardianship_be = factories.organisation("guardianship-be", kind="guardianship", country="BE")
    centre_be = factories.organisation("centre-be", kind="coordination_centre", country="BE")
    other_be = factories.organisation("other-be", kind="shelter_ngo", country="BE")
    fier = factories.organisation("fier", kind="shelter_ngo", country="NL")
    police_nl = factories.organisation("police-nl2", kind="police", country="NL")
    nidos = factories.organisation("nidos", kind="guardianship", country="NL")
    return World(
        payoke=payoke,
        police_be=police_be,
        guardianship_be=guardianship_be,
        centre_be=centre_be,
        other_be=other_be,
        sara=factories.user("sara", payoke, "case_worker"),
        sam=factories.user("sam", payoke, "case_worker"),
        piet=factories.user("piet", police_be, "investigator"),
        gina=factories.user("gina", guardianship_be, "case_worker"),
        cody=factories.user("cody", centre_be, "coordinator"),
        otto=factories.user("otto", other_be, "case_worker"),
        fier=fier,
        police_nl=police_nl,
        nidos=nidos,
        noor=factories.user("noor", fier, "case_worker"),
        pim=factories.user("pim", police_nl, "investigator"),
        nina=factories.user("nina", nidos, "case_worker"),
    )


def open_case(
    actor: User,
    organisation: Organisation,
    *,
    date_of_birth: datetime.date | None = None,
    unaccompanied_minor: bool = False,
    **kwargs: Any,
) -> CaseFile:
    person = services.person_create(
        actor=actor,
        organisation_id=organisation.pk,
        data={
            "given_names": "Test",
            "family_name": "Person",
            "date_of_birth": date_of_birth.isoformat() if date_of_birth else "",
        },
    )
    return casefiles.case_open(
        actor=actor,
        organisation_id=organisation.pk,
        person_id=person.pk,
        unaccompanied_minor=unaccompanied_minor,
        **kwargs,
    )


class Clock:
    """A controllable clock: ``set`` a moment, ``advance`` days (patches ``core.clock.now``)."""

    def __init__(self, monkeypatch: Any, start: datetime.datetime) -> None:
        self.moment = start
        monkeypatch.setattr(clock, "now", lambda: self.moment)

    def set(self, moment: datetime.datetime) -> None:
        self.moment = moment

    def advance(self, days: int = 0, hours: int = 0) -> None:
        self.moment += datetime.timedelta(days=days, hours=hours)

    def today(self) -> datetime.date:
        return self.moment.date()
