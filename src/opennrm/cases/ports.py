"""The ``PersonPort`` that intake uses to name the person of a signal (see ``intake.ports``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opennrm.cases.selectors import access_person, person_search
from opennrm.cases.services import person_create


class CasesPersonPort:
    def create(self, *, actor: Any, organisation_id: int, data: Mapping[str, Any]) -> int:
        return int(person_create(actor=actor, organisation_id=organisation_id, data=data).pk)

    def check(self, *, actor: Any, person_id: object, action: str) -> int:
        return int(access_person(actor=actor, person_id=person_id, action="view").pk)

    def search(self, *, actor: Any, name: str, date_of_birth: str) -> list[tuple[int, str]]:
        found = person_search(actor=actor, name=name, date_of_birth=date_of_birth or None)
        return [(int(person.pk), person.display_name) for person in found]
