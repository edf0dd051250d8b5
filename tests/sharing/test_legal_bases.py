"""Legal bases of sharing (laws and covenants): who records, reads and ends them, what bad input
gets, and that ending one stops the sharing it covered at once.

Personas: ``cody`` (BE coordinator, manages BE bases), ``sara`` (BE case worker, reads them),
``aude`` (auditor, reads them), ``ana`` (analyst, nothing), ``cleo`` (NL coordinator: the BE bases
are not hers), anonymous.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from opennrm.core.errors import NotFoundOrForbidden, PermissionDeniedError
from opennrm.sharing import selectors, services
from opennrm.sharing.models import AccessGrant, LegalBasis
from tests.sharing import helpers as h
from tests.sharing.helpers import Scene

pytestmark = pytest.mark.django_db


def _form(s: Scene, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "jurisdiction": "BE",
        "kind": "covenant",
        "title": "Ghent shelter covenant",
        "reference": "Covenant register BE-2026-07",
        "purpose": "Exchange of shelter data between the Ghent partners",
        "categories": ["services", "identity"],
        "parties": [str(s.payoke.pk), str(s.other_be.pk)],
        "valid_from": "2026-03-01",
        "valid_until": "2027-02-28",
    }
    data.update(overrides)
    return data


def _create(s: Scene, actor: Any = None, **overrides: Any) -> LegalBasis:
    data = _form(s, **overrides)
    return services.legal_basis_create(
        actor=actor or s.cody,
        jurisdiction=data["jurisdiction"],
        kind=data["kind"],
        title=data["title"],
        reference=data["reference"],
        purpose=data["purpose"],
        categories=data["categories"],
        party_ids=data["parties"],
        valid_from=data["valid_from"],
        valid_until=data["valid_until"],
    )


# --- recording a basis ---------------------------------------------------------------------------


def test_a_coordinator_records_a_covenant_through_the_service(s: Scene) -> None:
    basis = _create(s, categories=["services", "identity", "services"])
    assert (basis.jurisdiction, basis.kind, basis.title) == (
        "BE",
        "covenant",
        "Ghent shelter covenant",
    )
    assert basis.categories == ["identity", "services"]  # in the order of the list, once each
    assert set(basis.parties.all()) == {s.payoke, s.other_be}
    assert (str(basis.valid_from), str(basis.valid_until), basis.ended_at) == (
        "2026-03-01", "2027-02-28", None,
    )  # fmt: skip
    assert basis.created_by == s.cody
    [event] = h.audits(object_type="legalbasis", action="create", object_id=str(basis.pk))
    assert event.actor_id == s.cody.pk
    assert event.detail == {
        "parties": sorted([s.payoke.pk, s.other_be.pk]),
        "categories": ["identity", "services"],
    }


def test_a_law_without_an_end_date_is_in_force_from_its_start(s: Scene) -> None:
    basis = _create(s, kind="law", valid_from="2026-03-03", valid_until="")
    assert basis.valid_until is None
    assert not basis.is_valid_on(h.D(2026, 3, 2))
    assert basis.is_valid_on(h.D(2026, 3, 3)) and basis.is_valid_on(h.D(2040, 1, 1))


def test_a_coordinator_records_a_covenant_through_the_page(s: Scene) -> None:
    browser = h.client(s.cody)
    form = browser.get("/sharing/new/")
    assert form.status_code == 200
    page = h.text(form)
    assert s.payoke.name in page and s.other_be.name in page
    assert s.fier.name not in page  # only the parties of the coordinator's country
    response = browser.post("/sharing/new/", _form(s))
    basis = LegalBasis.objects.get(title="Ghent shelter covenant")
    assert response.status_code == 302
    assert response["Location"] == f"/sharing/{basis.pk}/"
    assert set(basis.parties.all()) == {s.payoke, s.other_be}
    assert basis.categories == ["identity", "services"]
    detail = browser.get(f"/sharing/{basis.pk}/")
    assert detail.status_code == 200
    assert h.has(detail, s.other_be.name) and h.has(detail, "Covenant register BE-2026-07")
    assert h.has(detail, 'id="end-basis"')  # the coordinator may end it
    listing = browser.get("/sharing/")
    assert h.has(listing, "Ghent shelter covenant") and h.has(listing, 'id="new-basis"')


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"parties": "payoke"}, "parties", "Choose at least two parties."),
        ({"categories": ["services", "biometrics"]}, "categories",
         "Choose categories from the list."),
        ({"categories": []}, "categories", "Choose at least one category of data."),
        ({"valid_until": "2026-02-28"}, "valid_until", "The end must not be before the start."),
        ({"valid_from": ""}, "valid_from", "Enter a date."),
        ({"valid_from": "01/03/2026"}, "valid_from", "Enter a date as YYYY-MM-DD."),
        ({"parties": "fier"}, "parties",
         "Choose the parties from the organisations of the country."),
        pytest.param(
            {"parties": ["x", "y"]}, "parties",
            "Choose the parties from the organisations of the country.",
        ),
        ({"kind": "treaty"}, "kind", "Choose a kind."),
        ({"title": "  "}, "title", "Enter the title."),
        ({"reference": ""}, "reference", "Enter where the document can be found."),
        ({"purpose": ""}, "purpose", "Enter the purpose."),
        ({"title": "Two\nlines"}, "title", "Enter this on one line."),
    ],
)  # fmt: skip
def test_bad_input_to_the_service_is_refused_and_stores_nothing(
    s: Scene, overrides: dict[str, Any], field: str, message: str
) -> None:
    before = LegalBasis.objects.count()
    parties = {
        "payoke": [str(s.payoke.pk)],
        "fier": [str(s.payoke.pk), str(s.fier.pk)],  # a Dutch party on a Belgian covenant
    }
    if isinstance(overrides.get("parties"), str):
        overrides = {**overrides, "parties": parties[overrides["parties"]]}
    errors = h.refused(lambda: _create(s, **overrides), overrides)
    assert message in errors.get(field, []), errors
    assert LegalBasis.objects.count() == before
    assert len(h.audits(object_type="legalbasis", action="create")) == before


def test_bad_input_on_the_page_lists_every_error_and_stores_nothing(s: Scene) -> None:
    browser = h.client(s.cody)
    before = LegalBasis.objects.count()
    response = browser.post(
        "/sharing/new/",
        _form(s, parties=[str(s.payoke.pk)], valid_until="2026-01-31", categories=["services"]),
    )
    assert response.status_code == 400
    page = h.text(response)
    assert "Choose at least two parties." in page
    assert "The end must not be before the start." in page
    assert "govuk-error-summary" in page
    # A party of another country is not even a choice of the form.
    response = browser.post("/sharing/new/", _form(s, parties=[str(s.payoke.pk), str(s.fier.pk)]))
    assert response.status_code == 400
    assert h.has(response, "Select a valid choice")
    # An unknown category neither.
    response = browser.post("/sharing/new/", _form(s, categories=["services", "biometrics"]))
    assert response.status_code == 400
    assert LegalBasis.objects.count() == before


def test_only_a_coordinator_of_the_country_records_a_basis(s: Scene) -> None:
    for actor, jurisdiction in ((s.sara, "BE"), (s.cleo, "BE"), (s.aude, "BE"), (s.cody, "NL")):
        with pytest.raises(PermissionDeniedError):
            _create(s, actor=actor, jurisdiction=jurisdiction)
    assert LegalBasis.objects.count() == 1  # the scene's covenant only


# --- who reads ---------------------------------------------------------------------------------


def test_a_case_worker_reads_the_bases_of_her_country_but_records_and_ends_none(s: Scene) -> None:
    browser = h.client(s.sara)
    listing = browser.get("/sharing/")
    assert listing.status_code == 200
    assert h.has(listing, h.COVENANT) and not h.has(listing, 'id="new-basis"')
    detail = browser.get(f"/sharing/{s.basis.pk}/")
    assert detail.status_code == 200 and not h.has(detail, 'id="end-basis"')
    assert browser.get("/sharing/new/").status_code == 404
    assert browser.post("/sharing/new/", _form(s)).status_code == 404
    assert browser.post(f"/sharing/{s.basis.pk}/end/", {"version": "1"}).status_code == 404
    s.basis.refresh_from_db()
    assert s.basis.ended_at is None
    assert LegalBasis.objects.count() == 1
    # The list is audited (count only).
    [event] = h.audits(object_type="legalbasis", action="search", actor_id=s.sara.pk)
    assert event.detail == {"view": "legal_bases", "results": 1}


def test_an_auditor_reads_every_country_and_an_analyst_nothing(s: Scene) -> None:
    dutch = h.covenant(s.cleo, [s.fier, s.nidos], ["services"], jurisdiction="NL", title="NL pact")
    auditor = h.client(s.aude)
    listing = auditor.get("/sharing/")
    assert listing.status_code == 200
    assert h.has(listing, h.COVENANT) and h.has(listing, "NL pact")
    assert auditor.get(f"/sharing/{dutch.pk}/").status_code == 200
    assert auditor.get("/sharing/new/").status_code == 404
    analyst = h.client(s.ana)
    assert analyst.get("/sharing/").status_code == 404
    assert analyst.get(f"/sharing/{s.basis.pk}/").status_code == 404
    assert analyst.get("/sharing/new/").status_code == 404


def test_a_coordinator_of_another_country_neither_reads_nor_ends_the_basis(s: Scene) -> None:
    browser = h.client(s.cleo)
    listing = browser.get("/sharing/")
    assert listing.status_code == 200 and not h.has(listing, h.COVENANT)
    assert browser.get(f"/sharing/{s.basis.pk}/").status_code == 404
    assert browser.post(f"/sharing/{s.basis.pk}/end/", {"version": "1"}).status_code == 404
    assert browser.get("/sharing/999999/").status_code == 404  # missing: the same answer
    s.basis.refresh_from_db()
    assert s.basis.ended_at is None
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_legal_basis(actor=s.cleo, basis_id=s.basis.pk)
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_legal_basis(actor=s.cody, basis_id="abc")


def test_anonymous_is_sent_to_sign_in(s: Scene) -> None:
    for url in ("/sharing/", "/sharing/new/", f"/sharing/{s.basis.pk}/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/account/" in response["Location"]


# --- ending a basis ------------------------------------------------------------------------------


def test_ending_a_basis_stops_the_grants_under_it_at_once(s: Scene) -> None:
    case = h.open_case(s, casework_too=False)
    h.share(s, case)
    otto = h.client(s.otto)
    assert otto.get(f"/cases/{case.pk}/").status_code == 200
    assert h.has(otto.get("/cases/"), case.reference)
    coordinator = h.client(s.cody)
    response = coordinator.post(f"/sharing/{s.basis.pk}/end/", {"version": str(s.basis.version)})
    assert response.status_code == 302 and response["Location"] == f"/sharing/{s.basis.pk}/"
    s.basis.refresh_from_db()
    assert s.basis.ended_at is not None and s.basis.version == 2
    assert otto.get(f"/cases/{case.pk}/").status_code == 404
    assert not h.has(otto.get("/cases/"), case.reference)
    [event] = h.audits(object_type="legalbasis", action="update", object_id=str(s.basis.pk))
    assert event.detail == {"ended": True, "grants": 1}
    page = coordinator.get(f"/sharing/{s.basis.pk}/")
    assert h.has(page, "Ended") and not h.has(page, 'id="end-basis"')
    # No new sharing under it; ending it again changes nothing.
    errors = h.refused(lambda: h.share(s, case, organisation=str(s.police_be.pk), role="police"))
    assert errors["legal_basis"] == ["This legal basis is not in force today."]
    again = services.legal_basis_end(actor=s.cody, basis_id=s.basis.pk, version=2)
    assert (again.version, again.ended_at) == (2, s.basis.ended_at)
    assert AccessGrant.objects.filter(legal_basis=s.basis).count() == 1


def test_a_stale_end_is_a_conflict_and_ends_nothing(s: Scene) -> None:
    response = h.client(s.cody).post(f"/sharing/{s.basis.pk}/end/", {"version": "7"}, follow=True)
    assert h.has(response, "Someone else changed this legal basis meanwhile.")
    s.basis.refresh_from_db()
    assert (s.basis.ended_at, s.basis.version) == (None, 1)
    # A form without a version changes nothing either.
    assert h.client(s.cody).post(f"/sharing/{s.basis.pk}/end/", {}).status_code == 302
    s.basis.refresh_from_db()
    assert s.basis.ended_at is None


def test_the_basis_page_counts_only_the_sharing_in_force(s: Scene) -> None:
    case = h.open_case(s, casework_too=False)
    h.share(s, case)
    coordinator = h.client(s.cody)
    count = h.element(h.text(coordinator.get(f"/sharing/{s.basis.pk}/")), "basis", "dl")
    assert '<dd class="govuk-summary-list__value">1</dd>' in count
    services.legal_basis_end(actor=s.cody, basis_id=s.basis.pk, version=1)
    count = h.element(h.text(coordinator.get(f"/sharing/{s.basis.pk}/")), "basis", "dl")
    assert '<dd class="govuk-summary-list__value">0</dd>' in count
