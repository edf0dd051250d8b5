"""Legal holds on a case (kept from the retention schedule while proceedings run): placed and
lifted on the team page by the lead organisation or the coordinator, with a reason, audited.

Personas (``helpers.py``): sara and sam (lead), cody (coordinator), otto (a member the case is
shared with), gina (guardian), noor (a Dutch case worker).
"""

from __future__ import annotations

from typing import Any

import pytest

from opennrm.cases import team
from opennrm.cases.models import CaseFile
from opennrm.core.errors import InvalidInput, NotFoundOrForbidden
from opennrm.sharing import selectors
from opennrm.sharing import services as sharing
from opennrm.sharing.models import LegalHold
from tests.cases.helpers import raw_values
from tests.sharing import helpers as h
from tests.sharing.helpers import Scene

pytestmark = pytest.mark.django_db
REASON = "Trial of the Kessel-Mirow network at the Antwerp court, hearing set for autumn"


@pytest.fixture
def case(s: Scene) -> CaseFile:
    return h.open_case(s, casework_too=False)


def _hold(case: CaseFile, user: Any, reason: str = REASON) -> Any:
    return h.client(user).post(f"/cases/{case.pk}/sharing/hold/", {"reason": reason})


def test_the_lead_places_and_lifts_a_hold_on_the_team_page(s: Scene, case: CaseFile) -> None:
    response = _hold(case, s.sara)
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/sharing/"
    hold = LegalHold.objects.get()
    assert (hold.object_type, hold.object_id, hold.reason) == ("case", case.pk, REASON)
    assert (hold.placed_by, hold.lifted_at) == (s.sara, None)
    assert REASON not in raw_values(LegalHold, "reason")[hold.pk]  # encrypted at rest
    assert selectors.held_objects(object_type="case") == {case.pk}
    [placed] = h.audits(object_type="legalhold", action="create")
    assert (placed.object_id, placed.actor_id) == (str(hold.pk), s.sara.pk)
    assert placed.detail == {"object_type": "case", "object_id": case.pk}
    page = h.client(s.sam).get(f"/cases/{case.pk}/sharing/")
    assert h.has(page, REASON) and h.has(page, "Lift the hold")

    response = h.client(s.sam).post(f"/cases/{case.pk}/sharing/unhold/", {"hold": hold.pk})
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_at is not None and hold.lifted_by == s.sam
    assert selectors.held_objects(object_type="case") == set()
    [lifted] = h.audits(object_type="legalhold", action="update")
    assert lifted.detail == {"lifted": True, "object_type": "case", "object_id": case.pk}
    page = h.client(s.sara).get(f"/cases/{case.pk}/sharing/")
    assert h.has(page, "lifted") and not h.has(page, "Lift the hold")
    # Lifting again changes nothing.
    assert (
        h.client(s.sara).post(f"/cases/{case.pk}/sharing/unhold/", {"hold": hold.pk}).status_code
        == 302
    )
    assert len(h.audits(object_type="legalhold", action="update")) == 1


def test_the_coordinator_places_a_hold_too(s: Scene, case: CaseFile) -> None:
    hold = team.hold_place(actor=s.cody, case_id=case.pk, reason=REASON)
    assert hold.placed_by == s.cody


def test_a_hold_needs_a_reason(s: Scene, case: CaseFile) -> None:
    response = _hold(case, s.sara, reason="   ")
    assert response.status_code == 400
    assert h.has(response, "govuk-error-summary") and h.has(response, "This field is required.")
    errors = h.refused(lambda: team.hold_place(actor=s.sara, case_id=case.pk, reason="  "))
    assert errors == {"reason": ["Say which proceedings require keeping the data."]}
    errors = h.refused(lambda: team.hold_place(actor=s.sara, case_id=case.pk, reason="x" * 2001))
    assert errors == {"reason": ["Enter at most 2000 characters."]}
    assert LegalHold.objects.count() == 0
    assert h.audits(object_type="legalhold") == []


def test_who_is_not_the_lead_or_the_coordinator_gets_404(s: Scene, case: CaseFile) -> None:
    h.set_team(s, case)
    h.share(s, case)  # otto's organisation is on the team
    hold = team.hold_place(actor=s.sara, case_id=case.pk, reason=REASON)
    for user in (s.otto, s.gina, s.piet, s.noor, s.aude):
        assert _hold(case, user).status_code == 404, user
        assert (
            h.client(user).post(f"/cases/{case.pk}/sharing/unhold/", {"hold": hold.pk}).status_code
            == 404
        )
        with pytest.raises(NotFoundOrForbidden):
            team.hold_place(actor=user, case_id=case.pk, reason=REASON)
        with pytest.raises(NotFoundOrForbidden):
            team.hold_lift(actor=user, case_id=case.pk, hold_id=hold.pk)
    assert LegalHold.objects.count() == 1 and LegalHold.objects.get().lifted_at is None
    # The member reads the team page (and the hold) but gets no form.
    page = h.client(s.otto).get(f"/cases/{case.pk}/sharing/")
    assert page.status_code == 200 and not h.has(page, "Place the hold")


def test_a_hold_is_lifted_only_on_its_own_case(s: Scene, case: CaseFile) -> None:
    other = h.open_case(s, casework_too=False)
    hold = team.hold_place(actor=s.sara, case_id=case.pk, reason=REASON)
    browser = h.client(s.sara)
    assert browser.post(f"/cases/{other.pk}/sharing/unhold/", {"hold": hold.pk}).status_code == 404
    assert browser.post(f"/cases/{case.pk}/sharing/unhold/", {"hold": 999999}).status_code == 404
    with pytest.raises(NotFoundOrForbidden):
        team.hold_lift(actor=s.sara, case_id=case.pk, hold_id="x")
    assert LegalHold.objects.get().lifted_at is None


def test_a_hold_whose_audit_fails_is_not_kept(
    s: Scene, case: CaseFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(sharing.audit, "record", broken)
    with pytest.raises(RuntimeError):
        team.hold_place(actor=s.sara, case_id=case.pk, reason=REASON)
    assert LegalHold.objects.count() == 0


def test_an_invalid_reason_type_is_refused(s: Scene, case: CaseFile) -> None:
    with pytest.raises(InvalidInput):
        sharing.hold_place(actor=s.sara, object_type="case", object_id=case.pk, reason=42)
    assert LegalHold.objects.count() == 0
