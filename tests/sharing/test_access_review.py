"""Access reviews for the data-protection officer: who can see a case and why (the same
computation as the door, ``case_access``), who actually looked (the audit trail), and per
organisation who can open how many case files and what it shared or received.

Personas (``helpers.py``): aude (BE auditor) reviews; sara, sam (lead), gina (guardian), piet
(police), otto and olga (other_be, shared with), cody (coordinator), ana (analyst), cleo (NL
coordinator).
"""

from __future__ import annotations

from typing import Any

import pytest

from opennrm.cases import access_review, team
from opennrm.cases.case_selectors import case_access
from opennrm.cases.models import CaseFile
from opennrm.core.errors import NotFoundOrForbidden
from opennrm.directory.models import User
from tests.sharing import helpers as h
from tests.sharing.helpers import Scene

pytestmark = pytest.mark.django_db
ORDER = ["identity", "health", "immigration", "justice", "services", "notes"]


@pytest.fixture
def case(s: Scene) -> CaseFile:
    case = h.open_case(s, casework_too=False)
    h.set_team(s, case)
    return h.fresh(case)


def _viewers(response: Any) -> dict[str, list[str]]:
    """Each viewer's row: why, categories, may change."""
    return {row[0]: row[1:] for row in h.rows(h.text(response), "viewers")}


def _personas(s: Scene) -> list[User]:
    return [s.sara, s.sam, s.gina, s.piet, s.otto, s.olga, s.cody, s.aude, s.ana, s.cleo, s.noor]


def _agrees_with_the_door(s: Scene, case: CaseFile) -> None:
    review = access_review.case_review(actor=s.aude, case_id=case.pk)
    listed = {row.user.pk: row for row in review.viewers}
    for user in _personas(s):
        access = case_access(User.objects.get(pk=user.pk), h.fresh(case))
        assert (user.pk in listed) == access.view, user
        if access.view:
            row = listed[user.pk]
            assert row.via == access.via, user
            assert row.categories == [c for c in ORDER if c in access.categories], user
            assert row.change == access.change, user


def test_the_auditor_sees_who_can_see_a_case_and_why(s: Scene, case: CaseFile) -> None:
    h.share(s, case)  # other_be: services
    team.emergency_open(actor=s.cody, reference=case.reference, reason=h.EMERGENCY)
    response = h.client(s.aude).get(f"/cases/{case.pk}/access/")
    assert response.status_code == 200
    viewers = _viewers(response)
    assert set(viewers) == {"sara", "sam", "gina", "piet", "otto", "olga", "cody"}
    assert viewers["sara"] == [
        "lead organisation", "identity, health, immigration, justice, services, notes", "yes",
    ]  # fmt: skip
    assert viewers["gina"][0] == "guardian's organisation"
    assert viewers["piet"] == ["police contact's organisation", "justice", "no"]
    assert viewers["otto"] == ["shared with them", "services", "no"]
    assert viewers["cody"][0] == "coordinator of the country, emergency access"
    assert "health" in viewers["cody"][1] and viewers["cody"][2] == "yes"
    page = h.text(response)
    assert h.COVENANT in page and h.EMERGENCY[:30] in page  # the sharing and the opening
    assert h.NAME not in page  # staff and references, never the case subject
    # The review is audited.
    [event] = h.audits(object_type="access_review", actor_id=s.aude.pk)
    assert (event.action, event.object_id, event.purpose) == (
        "read", str(case.pk), "access_review",
    )  # fmt: skip


def test_who_looked_comes_from_the_audit_trail(s: Scene, case: CaseFile) -> None:
    otto = h.client(s.otto)
    assert otto.get(f"/cases/{case.pk}/").status_code == 404  # refused before the sharing
    h.share(s, case)
    for _ in range(2):
        assert otto.get(f"/cases/{case.pk}/").status_code == 200
    assert h.client(s.gina).get(f"/cases/{case.pk}/").status_code == 200
    response = h.client(s.aude).get(f"/cases/{case.pk}/access/")
    looked = {row[0]: row for row in h.rows(h.text(response), "looked")}
    assert looked["otto"][1] == "2" and looked["otto"][4] == "read"
    assert looked["gina"][1] == "1"
    assert "sara" in looked  # she opened the case and set its team
    assert "olga" not in looked and "sam" not in looked
    assert h.has(response, "1 refused attempt to open the case.")
    review = access_review.case_review(actor=s.aude, case_id=case.pk)
    assert {row.label: row.count for row in review.looked}["otto"] == 2
    assert review.denied == 1


def test_the_viewers_agree_with_the_door_for_every_persona(s: Scene, case: CaseFile) -> None:
    _agrees_with_the_door(s, case)
    grant = h.share(s, case)
    h.share(s, case, user=str(s.olga.pk), categories=["identity"])
    _agrees_with_the_door(s, case)
    team.team_member_remove(actor=s.sara, case_id=case.pk, grant_id=grant.pk)
    _agrees_with_the_door(s, case)
    viewers = _viewers(h.client(s.aude).get(f"/cases/{case.pk}/access/"))
    assert "otto" not in viewers  # removed with his organisation's grant
    assert viewers["olga"] == ["shared with them", "identity", "no"]  # still named
    team.case_protect(
        actor=s.sara, case_id=case.pk, expected_version=h.fresh(case).version, protect=True
    )
    _agrees_with_the_door(s, case)
    viewers = _viewers(h.client(s.aude).get(f"/cases/{case.pk}/access/"))
    assert set(viewers) == {"sara", "gina", "piet", "olga"}  # the people named


def test_only_auditors_review(s: Scene, case: CaseFile) -> None:
    for user in (s.sara, s.sam, s.ana, s.cody, s.otto):
        browser = h.client(user)
        assert browser.get(f"/cases/{case.pk}/access/").status_code == 404, user
        assert browser.get("/cases/access-review/").status_code == 404, user
        assert browser.get(f"/cases/access-review/?organisation={s.payoke.pk}").status_code == 404
        with pytest.raises(NotFoundOrForbidden):
            access_review.case_review(actor=user, case_id=case.pk)
    assert h.audits(object_type="access_review") == []
    auditor = h.client(s.aude)
    assert auditor.get("/cases/999999/access/").status_code == 404
    assert auditor.get("/cases/access-review/?organisation=999999").status_code == 404
    assert auditor.get("/cases/access-review/?organisation=abc").status_code == 404


def test_the_organisation_review_counts_access_openings_and_sharing(
    s: Scene, case: CaseFile
) -> None:
    h.share(s, case)
    h.client(s.sara).get(f"/cases/{case.pk}/")
    team.emergency_open(actor=s.cody, reference=case.reference, reason=h.EMERGENCY)
    auditor = h.client(s.aude)
    choose = auditor.get("/cases/access-review/")
    assert choose.status_code == 200 and h.has(choose, s.payoke.name)
    response = auditor.get(f"/cases/access-review/?organisation={s.payoke.pk}")
    assert response.status_code == 200
    members = {row[0]: row[1:] for row in h.rows(h.text(response), "members")}
    assert members["sara"] == ["case_worker", "1", "1", "0"]
    assert members["sam"] == ["case_worker", "1", "0", "0"]
    shared_by = h.element(h.text(response), "shared-by", "ul")
    assert f"/cases/{case.pk}/access/" in shared_by and s.other_be.name in shared_by
    received = auditor.get(f"/cases/access-review/?organisation={s.other_be.pk}")
    assert f"/cases/{case.pk}/access/" in h.element(h.text(received), "shared-with", "ul")
    centre = auditor.get(f"/cases/access-review/?organisation={s.centre_be.pk}")
    members = {row[0]: row[1:] for row in h.rows(h.text(centre), "members")}
    assert members["cody"][-1] == "1"  # one emergency opening
    events = h.audits(object_type="access_review", actor_id=s.aude.pk)
    assert [e.object_id for e in events] == [
        f"organisation-{s.payoke.pk}",
        f"organisation-{s.other_be.pk}",
        f"organisation-{s.centre_be.pk}",
    ]
