"""Special protection (only the people named on a case see it) and the emergency opening
(break-glass: a coordinator opens a case outside their scope, read-only, for four hours, with a
typed reason; the owner and the data-protection officers are alerted).

Personas (``helpers.py``): sara (owner), sam (her colleague at payoke), gina (guardian), piet
(police contact), olga (named by a grant), otto (her colleague, reached by an org-wide grant),
cody (BE coordinator, may break the glass), aude (BE auditor), cleo (NL coordinator).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from opennrm.cases import casework, deadlines, team
from opennrm.cases.case_selectors import case_access
from opennrm.cases.models import CaseFile
from opennrm.cases.selectors import person_search
from opennrm.core.errors import ConcurrentEditError, InvalidInput, NotFoundOrForbidden
from opennrm.directory.models import Notification
from opennrm.sharing.models import BreakGlass
from tests import factories
from tests.cases import world as w
from tests.sharing import helpers as h
from tests.sharing.helpers import Scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(s: Scene) -> CaseFile:
    return h.open_case(s)


def _protect(s: Scene, case: CaseFile, actor: Any = None) -> Any:
    case = h.fresh(case)
    return h.client(actor or s.sara).post(
        f"/cases/{case.pk}/sharing/protect/", {"version": case.version}
    )


def _finds(user: Any) -> bool:
    return bool(person_search(actor=user, name=h.GIVEN))


def _open(user: Any, case: CaseFile) -> int:
    return int(h.client(user).get(f"/cases/{case.pk}/").status_code)


def _listed(user: Any, case: CaseFile) -> bool:
    return h.has(h.client(user).get("/cases/"), case.reference)


# --- special protection ---------------------------------------------------------------------------


def test_a_protected_case_is_seen_only_by_the_people_named_on_it(s: Scene, case: CaseFile) -> None:
    h.set_team(s, case)
    h.share(s, case)  # other_be as a whole: otto and olga
    h.share(s, case, user=str(s.olga.pk))  # and olga by name
    assert _finds(s.sam) and _open(s.sam, case) == 200 and _listed(s.cody, case)
    version = h.fresh(case).version
    response = _protect(s, case)
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/sharing/"
    case = h.fresh(case)
    assert case.specially_protected and case.version == version + 1
    [event] = [
        e for e in h.audits(object_type="case", object_id=str(case.pk), action="update")
        if "specially_protected" in e.detail
    ]  # fmt: skip
    assert event.detail == {"fields": ["specially_protected"], "specially_protected": True}
    assert event.actor_id == s.sara.pk

    for named in (s.sara, s.gina, s.piet, s.olga):
        assert _open(named, case) == 200, named
        assert _listed(named, case), named
    for outsider in (s.sam, s.cody, s.otto):
        assert _open(outsider, case) == 404, outsider
        assert not _listed(outsider, case), outsider
        assert h.client(outsider).get(f"/cases/{case.pk}/sharing/").status_code == 404
        assert not case_access(outsider, case).view
    assert h.api(s.sam, s.payoke).get(f"/api/v1/cases/{case.pk}").status_code == 404
    assert case.pk not in [row["id"] for row in h.api(s.sam, s.payoke).get("/api/v1/cases/").json()]
    # The person: hidden from the colleague's searches and refused at the door.
    assert not _finds(s.sam)
    assert h.client(s.sam).get(f"/persons/{case.person_id}/").status_code == 404
    assert _finds(s.sara)
    assert h.client(s.sara).get(f"/persons/{case.person_id}/").status_code == 200
    # The named people still see what they saw, and the page says the case is protected.
    page = h.client(s.sara).get(f"/cases/{case.pk}/sharing/")
    assert h.has(page, 'id="protected-tag"') and h.has(page, "Lift the special protection")
    assert h.categories_shown(h.client(s.olga).get(f"/cases/{case.pk}/")) == {"services"}


def test_lifting_the_protection_shows_the_case_again(s: Scene, case: CaseFile) -> None:
    _protect(s, case)
    assert _open(s.sam, case) == 404
    case = h.fresh(case)
    response = h.client(s.sara).post(
        f"/cases/{case.pk}/sharing/unprotect/", {"version": case.version}
    )
    assert response.status_code == 302
    assert not h.fresh(case).specially_protected
    assert _open(s.sam, case) == 200 and _finds(s.sam)


def test_a_coordinator_who_protects_a_case_is_not_named_and_leaves_it(
    s: Scene, case: CaseFile
) -> None:
    response = _protect(s, case, actor=s.cody)
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert h.fresh(case).specially_protected
    assert _open(s.cody, case) == 404


def test_a_stale_protection_is_a_conflict_and_changes_nothing(s: Scene, case: CaseFile) -> None:
    version = h.fresh(case).version
    response = h.client(s.sara).post(
        f"/cases/{case.pk}/sharing/protect/", {"version": version + 5}, follow=True
    )
    assert h.has(response, "Someone else changed this case meanwhile")
    assert not h.fresh(case).specially_protected
    with pytest.raises(ConcurrentEditError):
        team.case_protect(actor=s.sara, case_id=case.pk, expected_version="x", protect=True)
    # Neither a member nor the guardian may protect.
    h.set_team(s, case)
    for user in (s.gina, s.otto):
        assert _protect(s, case, actor=user).status_code == 404
    assert not h.fresh(case).specially_protected


def test_the_deadline_board_hides_a_protected_case_from_the_colleague(
    s: Scene, case: CaseFile
) -> None:
    deadlines.task_add(
        actor=s.sara, case_id=case.pk, title="Book a room", due_on="2026-03-06", owner_id=s.sam.pk
    )
    sam = h.client(s.sam)
    for scope in ("organisation", "mine"):
        assert h.has(sam.get(f"/cases/deadlines/?scope={scope}"), case.reference), scope
    _protect(s, case)
    for scope in ("organisation", "mine"):
        assert not h.has(sam.get(f"/cases/deadlines/?scope={scope}"), case.reference), scope


# --- break-glass --------------------------------------------------------------------------------


def test_only_coordinators_may_open_in_an_emergency(s: Scene, case: CaseFile) -> None:
    for user in (s.sara, s.sam, s.aude, s.ana, s.otto):
        browser = h.client(user)
        assert browser.get("/cases/emergency/").status_code == 404, user
        response = browser.post(
            "/cases/emergency/", {"reference": case.reference, "reason": h.EMERGENCY}
        )
        assert response.status_code == 404
        with pytest.raises(NotFoundOrForbidden):
            team.emergency_open(actor=user, reference=case.reference, reason=h.EMERGENCY)
    assert BreakGlass.objects.count() == 0
    assert h.client(s.cody).get("/cases/emergency/").status_code == 200


def test_a_short_reason_is_refused_and_opens_nothing(s: Scene, case: CaseFile) -> None:
    _protect(s, case)
    response = h.client(s.cody).post(
        "/cases/emergency/", {"reference": case.reference, "reason": "She is in danger"}
    )
    assert response.status_code == 400
    assert h.has(response, "Explain the emergency in at least 20 characters.")
    assert BreakGlass.objects.count() == 0
    assert h.audits(action="break_glass") == []
    assert not Notification.objects.filter(kind="case_emergency_access").exists()
    assert _open(s.cody, case) == 404


def test_an_unknown_reference_and_one_of_another_country_get_the_same_answer(
    s: Scene, case: CaseFile
) -> None:
    dutch = w.open_case(s.noor, s.fier)
    answers = []
    for actor, reference in (
        (s.cody, "C-0000-XXXX"),
        (s.cody, dutch.reference),
        (s.cleo, case.reference),
    ):
        with pytest.raises(InvalidInput) as refused:
            team.emergency_open(actor=actor, reference=reference, reason=h.EMERGENCY)
        answers.append(refused.value.errors)
        response = h.client(actor).post(
            "/cases/emergency/", {"reference": reference, "reason": h.EMERGENCY}
        )
        assert response.status_code == 400
        assert h.has(response, "There is no case file with this reference in your country.")
    assert (
        answers
        == [{"reference": ["There is no case file with this reference in your country."]}] * 3
    )
    assert BreakGlass.objects.count() == 0
    denied = h.audits(action="denied", object_type="case", purpose="emergency")
    assert len(denied) == 6 and {e.detail["action"] for e in denied} == {"emergency_open"}


def test_an_emergency_opening_reads_everything_changes_nothing_and_lasts_four_hours(
    s: Scene, case: CaseFile, clock: h.Clock
) -> None:
    nils = factories.user("nils", s.centre_nl, "auditor")  # a Dutch auditor: not alerted
    _protect(s, case)
    assert _open(s.cody, case) == 404
    coordinator = h.client(s.cody)
    response = coordinator.post(
        "/cases/emergency/", {"reference": f" {case.reference.lower()} ", "reason": h.EMERGENCY}
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    opening = BreakGlass.objects.get()
    assert (opening.user, opening.object_type, opening.object_id) == (s.cody, "case", case.pk)
    assert opening.expires_at - opening.opened_at == datetime.timedelta(hours=4)
    assert opening.reason == h.EMERGENCY

    page = coordinator.get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    assert h.categories_shown(page) == {
        "identity", "health", "services", "justice", "immigration", "notes",
    }  # fmt: skip
    assert h.has(page, "Emergency access until")
    for form in ('id="add-service"', 'id="add-task"', 'id="identification-form"'):
        assert not h.has(page, form), form
    assert coordinator.get(f"/persons/{case.person_id}/").status_code == 200
    access = case_access(s.cody, h.fresh(case))
    assert (access.view, access.change, access.via) == (True, False, ("emergency",))
    # Read-only: a change through the page or the service is refused.
    assert (
        coordinator.post(
            f"/cases/{case.pk}/task/", {"title": "Call", "due_on": "2026-03-10"}
        ).status_code
        == 404
    )
    with pytest.raises(NotFoundOrForbidden):
        casework.service_add(
            actor=s.cody, case_id=case.pk, data={"kind": "shelter", "status": "planned"}
        )
    assert (
        coordinator.post(
            f"/cases/{case.pk}/sharing/unprotect/", {"version": h.fresh(case).version}
        ).status_code
        == 404
    )
    assert not _listed(s.cody, case)  # reached by its reference, never listed

    # The owner and the country's auditors are alerted; the audit trail holds the opening and
    # the reads under it.
    [owner_note] = h.inbox(s.sara, "case_emergency_access")
    assert (owner_note.reference, owner_note.link) == (case.reference, f"/cases/{case.pk}/sharing/")
    [dpo_note] = h.inbox(s.aude, "case_emergency_access")
    assert dpo_note.link == f"/cases/{case.pk}/access/"
    for user in (s.cody, s.sam, nils):
        assert h.inbox(user, "case_emergency_access") == []
    [event] = h.audits(action="break_glass")
    assert (event.actor_id, event.object_type, event.object_id, event.purpose) == (
        s.cody.pk, "case", str(case.pk), "emergency",
    )  # fmt: skip
    assert h.EMERGENCY not in str(event.detail)
    reads = h.audits(action="read", object_type="case", object_id=str(case.pk), actor_id=s.cody.pk)
    assert reads and {e.purpose for e in reads} == {"emergency"}
    team_page = h.client(s.sara).get(f"/cases/{case.pk}/sharing/")
    assert h.has(team_page, h.EMERGENCY[:40])

    clock.advance(hours=3, minutes=59)
    assert _open(s.cody, case) == 200
    clock.advance(minutes=2)  # 4 hours and a minute after the opening
    assert _open(s.cody, case) == 404
    assert h.client(s.cody).get(f"/persons/{case.person_id}/").status_code == 404
    assert not case_access(s.cody, h.fresh(case)).view


def test_an_emergency_opening_of_a_case_in_scope_adds_health_for_its_time(
    s: Scene, case: CaseFile
) -> None:
    assert "health" not in case_access(s.cody, case).categories
    team.emergency_open(actor=s.cody, reference=case.reference, reason=h.EMERGENCY)
    access = case_access(s.cody, h.fresh(case))
    assert access.via == ("coordinator", "emergency")
    assert "health" in access.categories and access.change
    assert access.emergency_until is not None


def test_a_protected_case_is_shared_only_with_a_named_person(s: Scene, case: CaseFile) -> None:
    _protect(s, case)
    errors = h.refused(lambda: h.share(s, case), "organisation-wide share of a protected case")
    assert "specially protected" in errors["user"][0]
    assert not Notification.objects.filter(kind="case_shared").exists()
    h.share(s, case, user=str(s.olga.pk))
    assert _open(s.olga, case) == 200 and _open(s.otto, case) == 404
