"""Sharing a case file with a team member (``cases.team.team_member_add`` and the team page):
the refusals, each with its reason and nothing stored; what a member sees (only the categories
shared, on the page and in the API); consent; removal and expiry ending the access; health data;
the inbox and the audit trail.

Personas (``helpers.py``): sara (owner, payoke), sam (her colleague), otto and olga (other_be, the
recipient), gina (guardian), piet (police contact), cody (BE coordinator).
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from opennrm.cases import case_selectors, casefiles, team
from opennrm.cases.case_selectors import case_access
from opennrm.cases.models import CaseFile
from opennrm.core.errors import NotFoundOrForbidden
from opennrm.directory.models import Notification
from opennrm.sharing.models import AccessGrant
from tests import factories
from tests.sharing import helpers as h
from tests.sharing.helpers import TODAY, Scene

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
EVERYTHING_BUT_HEALTH = {"identity", "immigration", "justice", "services", "notes"}


@pytest.fixture
def case(s: Scene) -> CaseFile:
    return h.open_case(s)


def _nothing_shared(case: CaseFile) -> None:
    assert AccessGrant.objects.filter(object_id=case.pk).count() == 0
    assert h.audits(object_type="accessgrant") == []
    assert not Notification.objects.filter(kind="case_shared").exists()


def _as(user: Any, case: CaseFile) -> Any:
    return h.client(user).get(f"/cases/{case.pk}/")


# --- refusals -----------------------------------------------------------------------------------


def test_sharing_needs_a_legal_basis_or_the_persons_consent(s: Scene, case: CaseFile) -> None:
    errors = h.refused(lambda: h.share(s, case, legal_basis="", consent_given_on=""))
    assert errors == {
        "legal_basis": [
            "Name the legal basis for sharing, or record the date on which the person consented."
        ]
    }
    _nothing_shared(case)
    assert h.inbox(s.otto, "case_shared") == [] and h.inbox(s.olga, "case_shared") == []


def _overrides(s: Scene, key: str) -> dict[str, Any]:
    """Share data for one refusal; bases made here are BE covenants unless said otherwise."""
    if key == "lead_not_party":
        basis = h.covenant(s.cody, [s.other_be, s.police_be], ["services"], title="Without payoke")
        return {"legal_basis": str(basis.pk)}
    if key == "outlasts":
        basis = h.covenant(s.cody, [s.payoke, s.other_be], ["services"], valid_until="2026-06-30")
        return {"legal_basis": str(basis.pk), "ends_on": "2026-07-01"}
    if key == "not_yet":
        basis = h.covenant(s.cody, [s.payoke, s.other_be], ["services"], valid_from="2026-04-01")
        return {"legal_basis": str(basis.pk)}
    if key == "dutch_basis":
        basis = h.covenant(s.cleo, [s.fier, s.nidos], ["services"], jurisdiction="NL")
        return {"legal_basis": str(basis.pk)}
    simple: dict[str, dict[str, Any]] = {
        "uncovered": {"categories": ["services", "immigration", "notes"]},
        "no_categories": {"categories": []},
        "recipient_not_party": {"organisation": str(s.centre_be.pk)},
        "dutch_recipient": {"organisation": str(s.fier.pk)},
        "own_organisation": {"organisation": str(s.payoke.pk)},
        "person_elsewhere": {"user": str(s.sam.pk)},
        "past": {"ends_on": (TODAY - DAY).isoformat()},
        "over_two_years": {"ends_on": (TODAY + 731 * DAY).isoformat()},
        "no_end": {"ends_on": ""},
        "both": {"consent_given_on": "2026-02-01"},
        "consent_future": {"legal_basis": "", "consent_given_on": (TODAY + DAY).isoformat()},
        "consent_unreadable": {"legal_basis": "", "consent_given_on": "1 Feb 2026"},
        "role": {"role": "friend"},
        "purpose": {"purpose": " "},
    }
    return simple[key]


@pytest.mark.parametrize(
    ("key", "field", "message"),
    [
        ("uncovered", "categories",
         "The legal basis does not cover: Residence and protection procedure; "
         "Notes and free text."),
        ("no_categories", "categories", "Choose at least one category of data."),
        ("recipient_not_party", "organisation",
         "This organisation is not a party to the legal basis you named."),
        ("lead_not_party", "legal_basis",
         "The lead organisation of the case is not a party to this legal basis."),
        ("outlasts", "ends_on",
         "The legal basis ends on 2026-06-30: choose an end date on or before it."),
        ("not_yet", "legal_basis", "This legal basis is not in force today."),
        ("dutch_basis", "legal_basis", "Choose a legal basis of the country."),
        ("dutch_recipient", "organisation", "Choose an organisation of the country."),
        ("own_organisation", "organisation", "Your own organisation already works on this case."),
        ("person_elsewhere", "user", "Choose a person who works at that organisation."),
        ("past", "ends_on", "The end date must not be in the past."),
        ("over_two_years", "ends_on",
         "Share for at most two years; renew the sharing when it ends."),
        ("no_end", "ends_on", "Enter a date."),
        ("both", "consent_given_on", "Name either a legal basis or the consent, not both."),
        ("consent_future", "consent_given_on", "The date cannot be in the future."),
        ("consent_unreadable", "consent_given_on", "Enter a date as YYYY-MM-DD."),
        ("role", "role", "Choose a role."),
        ("purpose", "purpose", "Say for what purpose the data is shared."),
    ],
)  # fmt: skip
def test_a_sharing_the_basis_does_not_cover_is_refused_with_its_reason_and_stores_nothing(
    s: Scene, case: CaseFile, key: str, field: str, message: str
) -> None:
    overrides = _overrides(s, key)
    errors = h.refused(lambda: h.share(s, case, **overrides), key)
    assert message in errors.get(field, []), errors
    _nothing_shared(case)
    assert h.inbox(s.otto, "case_shared") == []


def test_the_longest_sharing_is_two_years_within_the_basis(s: Scene, case: CaseFile) -> None:
    basis = h.covenant(s.cody, [s.payoke, s.other_be], ["services"], valid_until="2030-12-31")
    grant = h.share(s, case, legal_basis=str(basis.pk), ends_on=(TODAY + 730 * DAY).isoformat())
    assert grant.ends_on == TODAY + 730 * DAY
    # And a grant may end on the basis's last day, starting today.
    grant = h.share(s, case, organisation=str(s.police_be.pk), ends_on="2027-12-31")
    assert (grant.starts_on, grant.ends_on) == (TODAY, h.D(2027, 12, 31))


def test_refusals_on_the_page_name_the_reason_and_store_nothing(s: Scene, case: CaseFile) -> None:
    browser = h.client(s.sara)
    url = f"/cases/{case.pk}/sharing/share/"
    response = browser.post(url, h.share_data(s, legal_basis=""))
    assert response.status_code == 400
    assert h.has(response, "Name the legal basis for sharing, or record the date on which")
    assert h.has(response, "govuk-error-summary")
    response = browser.post(url, h.share_data(s, categories=["services", "notes"]))
    assert response.status_code == 400
    assert h.has(response, "The legal basis does not cover: Notes and free text.")
    response = browser.post(url, h.share_data(s, ends_on=(TODAY - DAY).isoformat()))
    assert response.status_code == 400 and h.has(response, "The end date must not be in the past.")
    response = browser.post(url, h.share_data(s, organisation=str(s.fier.pk)))
    assert response.status_code == 400 and h.has(response, "Select a valid choice")
    _nothing_shared(case)


# --- who may share --------------------------------------------------------------------------------


def test_the_lead_organisation_and_the_coordinator_share_and_nobody_else(
    s: Scene, case: CaseFile
) -> None:
    h.set_team(s, case)
    for outsider in (s.gina, s.piet, s.otto, s.aude, s.ana):
        with pytest.raises(NotFoundOrForbidden):
            h.share(s, case, actor=outsider)
        assert (
            h.client(outsider).post(f"/cases/{case.pk}/sharing/share/", h.share_data(s)).status_code
            == 404
        )
    assert AccessGrant.objects.count() == 0
    assert h.share(s, case, actor=s.sam).granted_by == s.sam
    assert h.share(s, case, actor=s.cody, organisation=str(s.police_be.pk)).granted_by == s.cody
    # The guardian reads the team page but gets no form to share.
    page = h.client(s.gina).get(f"/cases/{case.pk}/sharing/")
    assert page.status_code == 200 and not h.has(page, 'id="share-submit"')
    assert h.has(h.client(s.sara).get(f"/cases/{case.pk}/sharing/"), 'id="share-submit"')


def test_the_share_form_offers_the_bases_in_force_the_lead_is_party_to(
    s: Scene, case: CaseFile
) -> None:
    h.covenant(s.cody, [s.other_be, s.police_be], ["services"], title="Covenant without payoke")
    h.covenant(s.cody, [s.payoke, s.other_be], ["services"], title="Future covenant",
               valid_from="2027-01-01")  # fmt: skip
    h.covenant(s.cleo, [s.fier, s.nidos], ["services"], jurisdiction="NL", title="Dutch pact")
    page = h.text(h.client(s.sara).get(f"/cases/{case.pk}/sharing/"))
    assert h.COVENANT in page
    for title in ("Covenant without payoke", "Future covenant", "Dutch pact"):
        assert title not in page, title


# --- what a member sees -----------------------------------------------------------------------


def test_a_member_with_services_sees_the_case_and_only_its_services(
    s: Scene, case: CaseFile
) -> None:
    otto = h.client(s.otto)
    assert otto.get(f"/cases/{case.pk}/").status_code == 404
    assert not h.has(otto.get("/cases/"), case.reference)
    response = h.client(s.sara).post(f"/cases/{case.pk}/sharing/share/", h.share_data(s))
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/sharing/"
    grant = AccessGrant.objects.get(object_type="case", object_id=case.pk)
    assert (grant.organisation, grant.user, grant.role, grant.categories) == (
        s.other_be, None, "care", ["services"],
    )  # fmt: skip
    assert (grant.legal_basis, grant.starts_on, grant.ends_on) == (
        s.basis, TODAY, TODAY + 90 * DAY,
    )  # fmt: skip
    assert (grant.granting_organisation, grant.granted_by) == (s.payoke, s.sara)

    assert h.has(otto.get("/cases/"), case.reference)
    page = otto.get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    assert h.categories_shown(page) == {"services"}
    html = h.text(page)
    assert "Registered by the lead organisation (not shared with yours)." in html
    assert "Not shared with you." in h.after(html, "procedure", 300)
    assert "Not shared with you." in h.after(html, "justice", 300)
    assert 'id="interviews"' not in html
    assert 'id="add-service"' not in html  # a member reads, the lead organisation works
    task = otto.post(f"/cases/{case.pk}/task/", {"title": "Call", "due_on": "2026-03-10"})
    assert task.status_code == 404
    assert h.client(s.otto).get(f"/persons/{case.person_id}/").status_code == 404
    team_page = otto.get(f"/cases/{case.pk}/sharing/")
    assert team_page.status_code == 200
    mine = h.element(h.text(team_page), "my-categories", "ul")
    assert re.findall(r"<li>(.*?)</li>", mine) == ["Services and shelter"]
    # Her colleague olga is in the same organisation: the sharing reaches her too.
    assert h.categories_shown(_as(s.olga, case)) == {"services"}
    # The case read is audited with why and what.
    read = h.audits(object_type="case", object_id=str(case.pk), action="read", actor_id=s.otto.pk)
    assert read[-1].detail == {"via": ["team"], "categories": ["services"]}


def test_the_lead_sees_everything_and_the_coordinator_everything_but_health(
    s: Scene, case: CaseFile
) -> None:
    assert h.categories_shown(_as(s.sara, case)) == EVERYTHING_BUT_HEALTH | {"health"}
    assert h.categories_shown(_as(s.sam, case)) == EVERYTHING_BUT_HEALTH | {"health"}
    # The coordinator sees neither health nor identity (the person stays with the lead).
    assert h.categories_shown(_as(s.cody, case)) == EVERYTHING_BUT_HEALTH - {"identity"}
    assert case_access(s.cody, case).via == ("coordinator",)


def test_a_member_sees_the_procedures_only_with_immigration_in_the_api_too(
    s: Scene, case: CaseFile
) -> None:
    h.share(s, case)
    otto = h.api(s.otto, s.other_be)
    answer = otto.get(f"/api/v1/cases/{case.pk}")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["categories"], body["specially_protected"]) == (["services"], False)
    assert body["procedures"] == []
    assert {row["kind"] for row in body["deadlines"]} <= {"service_follow_up", "birthday"}
    assert case.pk in [row["id"] for row in otto.get("/api/v1/cases/").json()]
    # The lead organisation sees the procedure and its deadline, and every category.
    lead = h.api(s.sara, s.payoke).get(f"/api/v1/cases/{case.pk}").json()
    assert len(lead["procedures"]) == 1
    assert {"procedure", "task"} <= {row["kind"] for row in lead["deadlines"]}
    assert lead["categories"] == sorted(EVERYTHING_BUT_HEALTH | {"health"})
    # Sharing the procedure shows it.
    basis = h.covenant(s.cody, [s.payoke, s.other_be], ["immigration"], title="Asylum pact")
    h.share(s, case, categories=["immigration"], legal_basis=str(basis.pk))
    body = h.api(s.olga, s.other_be).get(f"/api/v1/cases/{case.pk}").json()
    assert body["categories"] == ["immigration", "services"]
    assert [row["procedure"] for row in body["procedures"]] == ["BE/residence"]
    assert "procedure" in {row["kind"] for row in body["deadlines"]}
    page = _as(s.otto, case)
    assert h.categories_shown(page) == {"services", "immigration"}


def test_a_named_person_with_identity_opens_the_person_and_her_colleague_nothing(
    s: Scene, case: CaseFile
) -> None:
    response = h.client(s.sara).post(
        f"/cases/{case.pk}/sharing/share/",
        h.share_data(s, user=str(s.olga.pk), categories=["identity", "services"]),
    )
    assert response.status_code == 302
    grant = AccessGrant.objects.get(object_id=case.pk)
    assert (grant.user, grant.categories) == (s.olga, ["identity", "services"])
    olga = h.client(s.olga)
    page = olga.get(f"/cases/{case.pk}/")
    assert h.categories_shown(page) == {"identity", "services"}
    assert h.has(page, f'href="/persons/{case.person_id}/"')
    person = olga.get(f"/persons/{case.person_id}/")
    assert person.status_code == 200 and h.has(person, h.FAMILY)
    assert h.has(olga.get("/cases/"), case.reference)
    # otto works at the same organisation but is not named.
    otto = h.client(s.otto)
    assert otto.get(f"/cases/{case.pk}/").status_code == 404
    assert otto.get(f"/persons/{case.person_id}/").status_code == 404
    assert not h.has(otto.get("/cases/"), case.reference)
    assert [n.reference for n in h.inbox(s.olga, "case_shared")] == [case.reference]
    assert h.inbox(s.otto, "case_shared") == []


def test_the_recipients_are_told_in_their_inbox_and_every_grant_is_audited(
    s: Scene, case: CaseFile
) -> None:
    grant = h.share(s, case)
    for user in (s.otto, s.olga):
        [note] = h.inbox(user, "case_shared")
        assert (note.reference, note.organisation_name, note.link) == (
            case.reference, s.payoke.name, f"/cases/{case.pk}/",
        )  # fmt: skip
    for user in (s.sara, s.sam, s.cody, s.piet):
        assert h.inbox(user, "case_shared") == []
    [event] = h.audits(object_type="accessgrant", action="create")
    assert (event.object_id, event.actor_id, event.organisation_id) == (
        str(grant.pk), s.sara.pk, s.payoke.pk,
    )  # fmt: skip
    assert event.legal_basis == f"basis-{s.basis.pk}"
    assert event.detail == {
        "object_type": "case",
        "object_id": case.pk,
        "organisation": s.other_be.pk,
        "user": None,
        "categories": ["services"],
    }
    assert h.NAME not in str(event.detail)


# --- consent ------------------------------------------------------------------------------------


def test_the_persons_consent_with_its_date_is_a_basis_too(s: Scene, case: CaseFile) -> None:
    grant = h.share(
        s,
        case,
        legal_basis="",
        consent_given_on="2026-02-20",
        categories=["services", "notes"],  # consent is not limited by a covenant
        organisation=str(s.centre_be.pk),  # nor to its parties
        role="other",
    )
    assert (grant.legal_basis, grant.consent_given_on) == (None, h.D(2026, 2, 20))
    assert grant.basis_label == "Consent of the person"
    [event] = h.audits(object_type="accessgrant", action="create")
    assert event.legal_basis == "consent"
    # Consent given today is accepted on the page too.
    response = h.client(s.sara).post(
        f"/cases/{case.pk}/sharing/share/",
        h.share_data(s, legal_basis="", consent_given_on=TODAY.isoformat()),
    )
    assert response.status_code == 302
    page = h.client(s.sara).get(f"/cases/{case.pk}/sharing/")
    assert h.has(page, "Consent of the person, given")
    assert h.categories_shown(_as(s.otto, case)) == {"services"}


def test_consent_in_the_future_is_refused_on_the_page(s: Scene, case: CaseFile) -> None:
    response = h.client(s.sara).post(
        f"/cases/{case.pk}/sharing/share/",
        h.share_data(s, legal_basis="", consent_given_on=(TODAY + DAY).isoformat()),
    )
    assert response.status_code == 400
    assert h.has(response, "The date cannot be in the future.")
    _nothing_shared(case)


# --- the end of the sharing ---------------------------------------------------------------------


def test_removing_a_member_ends_the_access_at_once(s: Scene, case: CaseFile) -> None:
    grant = h.share(s, case)
    otto = h.client(s.otto)
    assert otto.get(f"/cases/{case.pk}/").status_code == 200
    # Only who may share removes: the member himself cannot.
    assert otto.post(f"/cases/{case.pk}/sharing/unshare/", {"grant": grant.pk}).status_code == 404
    with pytest.raises(NotFoundOrForbidden):
        team.team_member_remove(actor=s.otto, case_id=case.pk, grant_id=grant.pk)
    sara = h.client(s.sara)
    response = sara.post(f"/cases/{case.pk}/sharing/unshare/", {"grant": grant.pk})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None and grant.revoked_by == s.sara
    assert otto.get(f"/cases/{case.pk}/").status_code == 404
    assert otto.get(f"/cases/{case.pk}/sharing/").status_code == 404
    assert not h.has(otto.get("/cases/"), case.reference)
    assert h.api(s.otto, s.other_be).get(f"/api/v1/cases/{case.pk}").status_code == 404
    assert h.has(sara.get(f"/cases/{case.pk}/sharing/"), "Removed")
    [event] = h.audits(object_type="accessgrant", action="update")
    assert event.detail == {"revoked": True, "object_type": "case", "object_id": case.pk}
    # Removing again changes nothing; an unknown member or another case's is not found.
    assert sara.post(f"/cases/{case.pk}/sharing/unshare/", {"grant": grant.pk}).status_code == 302
    assert len(h.audits(object_type="accessgrant", action="update")) == 1
    assert sara.post(f"/cases/{case.pk}/sharing/unshare/", {"grant": 999999}).status_code == 404
    other = h.open_case(s, casework_too=False)
    assert sara.post(f"/cases/{other.pk}/sharing/unshare/", {"grant": grant.pk}).status_code == 404
    assert sara.post(f"/cases/{case.pk}/sharing/unshare/", {"grant": "x"}).status_code == 400


def test_an_expired_grant_gives_no_access(s: Scene, case: CaseFile, clock: h.Clock) -> None:
    h.share(s, case, ends_on=(TODAY + 30 * DAY).isoformat())
    clock.advance(days=30)  # the last day
    assert h.client(s.otto).get(f"/cases/{case.pk}/").status_code == 200
    clock.advance(days=1)
    otto = h.client(s.otto)
    assert otto.get(f"/cases/{case.pk}/").status_code == 404
    assert not h.has(otto.get("/cases/"), case.reference)
    assert not case_selectors.case_access(s.otto, h.fresh(case)).view
    page = h.client(s.sara).get(f"/cases/{case.pk}/sharing/")
    assert h.has(page, "Not in force")


def test_unknown_team_actions_are_not_found(s: Scene, case: CaseFile) -> None:
    assert h.client(s.sara).post(f"/cases/{case.pk}/sharing/delete/", {}).status_code == 404
    assert h.client(s.sara).get(f"/cases/{case.pk}/sharing/share/").status_code == 405


# --- health ---------------------------------------------------------------------------------------


def test_health_is_seen_by_the_leads_care_roles_and_by_whom_it_is_shared_with(
    s: Scene, case: CaseFile
) -> None:
    h.share(s, case)  # otto and olga: services
    assert "health" in h.categories_shown(_as(s.sara, case))
    assert "health" not in h.categories_shown(_as(s.cody, case))
    assert "services" in h.categories_shown(_as(s.cody, case))
    assert h.categories_shown(_as(s.otto, case)) == {"services"}
    h.share(s, case, user=str(s.olga.pk), categories=["health"])
    assert h.categories_shown(_as(s.olga, case)) == {"services", "health"}
    assert h.categories_shown(_as(s.otto, case)) == {"services"}
    # Health alone: the medical service, not the legal aid.
    h.share(s, case, organisation=str(s.police_be.pk), role="police", categories=["health"])
    assert h.categories_shown(_as(s.piet, case)) == {"health"}


def test_the_guardian_does_not_see_health_without_a_grant(s: Scene, case: CaseFile) -> None:
    h.set_team(s, case)
    shown = h.categories_shown(_as(s.gina, case))
    assert "services" in shown
    assert "health" not in shown


def test_a_named_person_who_left_the_organisation_loses_the_case(s: Scene, case: CaseFile) -> None:
    h.share(s, case, user=str(s.olga.pk), categories=["services"])
    assert h.client(s.olga).get(f"/cases/{case.pk}/").status_code == 200
    s.olga.memberships.update(is_active=False)
    assert h.client(s.olga).get(f"/cases/{case.pk}/").status_code == 404


def test_only_a_person_who_works_on_case_files_can_be_named(s: Scene, case: CaseFile) -> None:
    oscar = factories.user("oscar", s.other_be, "analyst")
    errors = h.refused(lambda: h.share(s, case, user=str(oscar.pk), categories=["identity"]))
    assert "user" in errors
    assert not case_access(oscar, h.fresh(case)).view


def test_a_closed_case_is_not_shared_any_more(s: Scene, case: CaseFile) -> None:
    case = casefiles.case_step(
        actor=s.sara,
        case_id=case.pk,
        expected_version=case.version,
        action="request_closure",
        reason="goals_met",
    )
    casefiles.case_step(
        actor=s.cody, case_id=case.pk, expected_version=case.version, action="approve_closure"
    )
    errors = h.refused(lambda: h.share(s, case))
    assert errors == {"organisation": ["A closed case file is not shared any more."]}
    _nothing_shared(case)
    page = h.client(s.sara).get(f"/cases/{case.pk}/sharing/")
    assert page.status_code == 200 and not h.has(page, 'id="share-submit"')


def test_nobody_shares_a_case_with_their_own_organisation(s: Any, case: Any) -> None:
    """A coordinator sees neither identity nor health; sharing the case with their own centre
    would widen their own access without the emergency procedure's reason and alerts."""
    errors = h.refused(
        lambda: h.share(
            s, case, actor=s.cody, organisation=str(s.centre_be.pk), user=str(s.cody.pk),
            legal_basis="", consent_given_on="2026-03-01", categories=["health", "identity"],
        ),
        "a coordinator sharing with their own centre",
    )  # fmt: skip
    assert "work at yourself" in errors["organisation"][0]
