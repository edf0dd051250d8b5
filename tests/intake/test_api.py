"""The signals and catalogues API: the same services and door as the pages, 404/422 mapping,
no protected text in lists, and a complete OpenAPI schema."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from opennrm.core import clock
from opennrm.core.models import AuditEvent
from opennrm.intake.models import Screening, Signal
from tests.cases.helpers import api_token, events, page_has
from tests.intake.helpers import DESCRIPTION, make_signal, signal_data

SIGNALS = "/api/v1/signals/"
MINOR_CATALOGUE = "nl-criminal-exploitation-minors"
THREE_CODES = ["entry-01", "accommodation-02", "entry-04"]
CATALOGUE_IDS = {
    "adult-labour-exploitation",
    "adult-sexual-exploitation",
    "nl-criminal-exploitation-minors",
    "watch-truckstop",
}
PLACE = "Back room above the snack bar at Stationsplein 9"


def client_for(user: Any, organisation: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token(user, organisation)}")


def _post(client: Client, path: str, body: Any) -> Any:
    return client.post(path, body, content_type="application/json")


def _screen(client: Client, signal: Signal, catalogue_id: str, observed: list[str]) -> Any:
    return _post(
        client,
        f"{SIGNALS}{signal.pk}/screenings",
        {"catalogue_id": catalogue_id, "observed": observed},
    )


# --- recording ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_via_token_is_201_and_audited(fiona: Any, police_nl: Any) -> None:
    observed_at = (clock.now() - datetime.timedelta(hours=3)).isoformat()
    body = {
        "organisation_id": police_nl.pk,
        **signal_data(observed_at=observed_at, place_detail=PLACE),
    }
    response = _post(client_for(fiona, police_nl), SIGNALS, body)
    assert response.status_code == 201
    created = response.json()
    assert created["reference"].startswith("S-")
    assert created["source"] == "professional"
    assert created["organisation_id"] == police_nl.pk
    assert created["jurisdiction"] == "NL"
    assert created["triage_status"] == "new"
    assert created["version"] == 1
    assert created["forms"] == ["criminal_activities"]
    assert created["screenings"] == []
    same_text = created["description"] == DESCRIPTION and created["place_detail"] == PLACE
    assert same_text
    signal = Signal.objects.get()
    assert signal.pk == created["id"]
    assert signal.population == "minor"
    event = AuditEvent.objects.get(action="create", object_type="signal")
    assert event.object_id == str(signal.pk)
    assert event.channel == "api"
    assert event.api_token_id is not None
    assert event.organisation_id == police_nl.pk


@pytest.mark.django_db
def test_create_with_a_new_person_links_the_person(fiona: Any, police_nl: Any) -> None:
    body = {
        "organisation_id": police_nl.pk,
        **signal_data(),
        "person": {"given_names": "Ilinca", "family_name": "Dobre", "date_of_birth": "2010-05-01"},
    }
    response = _post(client_for(fiona, police_nl), SIGNALS, body)
    assert response.status_code == 201
    person_id = response.json()["person_id"]
    assert person_id is not None
    assert Signal.objects.get().person_id == person_id


@pytest.mark.django_db
def test_invalid_input_is_422_with_field_errors_and_saves_nothing(
    fiona: Any, police_nl: Any
) -> None:
    client = client_for(fiona, police_nl)
    future = (clock.now() + datetime.timedelta(days=2)).isoformat()
    before = Signal.objects.count()
    response = _post(
        client,
        SIGNALS,
        {
            "organisation_id": police_nl.pk,
            **signal_data(region="XX-99", observed_at=future, population="adult"),
        },
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Invalid input"
    assert set(body["errors"]) == {"region", "observed_at", "population"}
    unknown_form = _post(
        client,
        SIGNALS,
        {"organisation_id": police_nl.pk, **signal_data(forms=["alchemy"])},
    )
    assert unknown_form.status_code == 422
    assert set(unknown_form.json()["errors"]) == {"forms"}
    missing_description = signal_data()
    del missing_description["description"]
    schema_error = _post(client, SIGNALS, {"organisation_id": police_nl.pk, **missing_description})
    assert schema_error.status_code == 422
    too_long = _post(
        client,
        SIGNALS,
        {"organisation_id": police_nl.pk, **signal_data(description="x" * 5001)},
    )
    assert too_long.status_code == 422
    misspelt = _post(
        client,
        SIGNALS,
        {"organisation_id": police_nl.pk, **signal_data(), "nationalty": "non_eu"},
    )
    assert misspelt.status_code == 422  # an unknown key is refused, not silently dropped
    assert Signal.objects.count() == before
    assert events("create", object_type="signal") == 0


@pytest.mark.django_db
def test_create_in_another_organisation_is_403_and_audited(
    fiona: Any, police_nl: Any, centre: Any
) -> None:
    response = _post(
        client_for(fiona, police_nl), SIGNALS, {"organisation_id": centre.pk, **signal_data()}
    )
    assert response.status_code == 403
    assert not Signal.objects.exists()
    assert events("denied", object_type="signal") == 1


# --- reading: the permission matrix ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_recording_organisation_reads_the_signal_and_the_read_is_audited(
    fiona: Any, gert: Any, police_nl: Any
) -> None:
    signal = make_signal(fiona, police_nl, place_detail=PLACE)
    response = client_for(gert, police_nl).get(f"{SIGNALS}{signal.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == signal.reference
    decrypted = body["description"] == DESCRIPTION and body["place_detail"] == PLACE
    assert decrypted
    assert body["first_contact"] is None
    assert events("read", object_type="signal", object_id=str(signal.pk)) == 1


@pytest.mark.parametrize("persona", ["carol", "dave"])
@pytest.mark.django_db
def test_other_organisation_and_analyst_get_404_and_a_denied_event(
    request: pytest.FixtureRequest, persona: str, fiona: Any, police_nl: Any
) -> None:
    signal = make_signal(fiona, police_nl)
    user = request.getfixturevalue(persona)
    organisation = user.memberships.get().organisation
    response = client_for(user, organisation).get(f"{SIGNALS}{signal.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}
    assert not page_has(response, DESCRIPTION)
    assert events("denied", object_type="signal", object_id=str(signal.pk)) == 1
    assert events("read", object_type="signal") == 0


@pytest.mark.django_db
def test_a_missing_signal_is_the_same_404(fiona: Any, police_nl: Any) -> None:
    response = client_for(fiona, police_nl).get(f"{SIGNALS}999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}


@pytest.mark.django_db
def test_coordinator_of_the_country_reads_and_of_another_country_does_not(
    fiona: Any, police_nl: Any, cora: Any, centre: Any, bram: Any, centre_be: Any
) -> None:
    signal = make_signal(fiona, police_nl)
    nl = client_for(cora, centre).get(f"{SIGNALS}{signal.pk}")
    assert nl.status_code == 200
    assert nl.json()["id"] == signal.pk
    be = client_for(bram, centre_be).get(f"{SIGNALS}{signal.pk}")
    assert be.status_code == 404
    assert events("denied", object_type="signal", object_id=str(signal.pk)) == 1


@pytest.mark.django_db
def test_list_holds_no_protected_text(fiona: Any, gert: Any, police_nl: Any) -> None:
    signal = make_signal(
        fiona, police_nl, place_detail=PLACE, person_description="Red jacket, limps"
    )
    response = client_for(gert, police_nl).get(SIGNALS)
    assert response.status_code == 200
    rows = response.json()
    assert [row["id"] for row in rows] == [signal.pk]
    assert rows[0]["reference"] == signal.reference
    protected_keys = {"description", "place_detail", "person_description", "first_contact"}
    assert not protected_keys & set(rows[0])
    assert not page_has(response, DESCRIPTION)
    assert not page_has(response, PLACE)
    assert not page_has(response, "Red jacket")
    assert events("search", object_type="signal") == 1


@pytest.mark.django_db
def test_list_of_another_organisation_is_empty(
    fiona: Any, police_nl: Any, carol: Any, shelter_b: Any
) -> None:
    make_signal(fiona, police_nl)
    response = client_for(carol, shelter_b).get(SIGNALS)
    assert response.status_code == 200
    assert response.json() == []


# --- screenings -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_screening_a_minor_with_three_indicators_gives_strong_signs(
    fiona: Any, police_nl: Any
) -> None:
    signal = make_signal(fiona, police_nl)
    client = client_for(fiona, police_nl)
    response = _screen(client, signal, MINOR_CATALOGUE, THREE_CODES)
    assert response.status_code == 201
    body = response.json()
    assert body["signal_id"] == signal.pk
    assert body["catalogue"] == MINOR_CATALOGUE
    assert body["version"] == 1
    assert len(body["digest"]) == 64
    assert body["population"] == "minor"
    assert body["level"] == "strong_signs"
    assert body["score"] == 3
    assert body["result"]["rule"] == "points"
    explained = body["explanation"]
    assert explained["level"] == "strong_signs"
    assert sorted(item["code"] for item in explained["indicators"]) == sorted(THREE_CODES)
    assert explained["next_steps"]
    assert events("create", object_type="screening", object_id=str(body["id"])) == 1

    read = client.get(f"{SIGNALS}{signal.pk}/screenings/{body['id']}")
    assert read.status_code == 200
    assert read.json()["explanation"]["indicators"] == explained["indicators"]
    detail = client.get(f"{SIGNALS}{signal.pk}").json()
    assert [(row["id"], row["catalogue"], row["level"]) for row in detail["screenings"]] == [
        (body["id"], MINOR_CATALOGUE, "strong_signs")
    ]
    assert sorted(detail["observed_indicators"]) == sorted(
        f"{MINOR_CATALOGUE}:{code}" for code in THREE_CODES
    )


@pytest.mark.django_db
def test_a_screening_of_another_signal_or_another_organisation_is_404(
    fiona: Any, police_nl: Any, carol: Any, shelter_b: Any
) -> None:
    signal = make_signal(fiona, police_nl)
    other = make_signal(fiona, police_nl)
    client = client_for(fiona, police_nl)
    screening_id = _screen(client, signal, MINOR_CATALOGUE, THREE_CODES).json()["id"]
    wrong_signal = client.get(f"{SIGNALS}{other.pk}/screenings/{screening_id}")
    assert wrong_signal.status_code == 404
    stranger = client_for(carol, shelter_b).get(f"{SIGNALS}{signal.pk}/screenings/{screening_id}")
    assert stranger.status_code == 404
    assert not page_has(stranger, "strong_signs")
    refused = _screen(client_for(carol, shelter_b), signal, MINOR_CATALOGUE, THREE_CODES)
    assert refused.status_code == 404
    assert Screening.objects.count() == 1


@pytest.mark.django_db
def test_unknown_indicator_is_422_and_nothing_is_stored(fiona: Any, police_nl: Any) -> None:
    signal = make_signal(fiona, police_nl)
    response = _screen(
        client_for(fiona, police_nl), signal, MINOR_CATALOGUE, ["entry-01", "no-such-code"]
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"observed"}
    assert not Screening.objects.exists()
    assert Signal.objects.get(pk=signal.pk).version == signal.version


@pytest.mark.django_db
def test_adult_catalogue_on_a_minor_is_422(fiona: Any, police_nl: Any) -> None:
    signal = make_signal(fiona, police_nl)
    client = client_for(fiona, police_nl)
    response = _screen(client, signal, "adult-labour-exploitation", [])
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"catalogue"}
    unknown = _screen(client, signal, "no-such-catalogue", [])
    assert unknown.status_code == 422
    assert set(unknown.json()["errors"]) == {"catalogue"}
    assert not Screening.objects.exists()


# --- catalogues -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_catalogue_list_has_the_four_catalogues(fiona: Any, police_nl: Any) -> None:
    response = client_for(fiona, police_nl).get("/api/v1/catalogues/")
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()}
    assert set(rows) == CATALOGUE_IDS
    minors = rows[MINOR_CATALOGUE]
    assert minors["population"] == "minor"
    assert minors["jurisdiction"] == "NL"
    assert minors["rule"] == "points"
    assert minors["indicators"] > 3
    assert minors["title"].startswith("Barrier model")
    dutch = client_for(fiona, police_nl).get("/api/v1/catalogues/", HTTP_ACCEPT_LANGUAGE="nl")
    titles = {row["id"]: row["title"] for row in dutch.json()}
    assert titles[MINOR_CATALOGUE].startswith("Barrièremodel")


@pytest.mark.django_db
def test_catalogue_detail_has_indicators_and_unknown_is_404(fiona: Any, police_nl: Any) -> None:
    client = client_for(fiona, police_nl)
    response = client.get(f"/api/v1/catalogues/{MINOR_CATALOGUE}")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1
    assert body["versions"] == [1]
    codes = {item["code"] for item in body["indicators"]}
    assert set(THREE_CODES) <= codes
    first = body["indicators"][0]
    assert {"en", "nl", "fr"} <= set(first["text"])
    assert first["points"] == 1
    assert {group["code"] for group in body["groups"]} >= {"entry", "accommodation"}
    assert body["scoring"]["strong_threshold"] == 3
    assert [level["code"] for level in body["levels"]] == [
        "no_signs",
        "weak_signs",
        "strong_signs",
    ]
    assert client.get(f"/api/v1/catalogues/{MINOR_CATALOGUE}?version=1").status_code == 200
    assert client.get(f"/api/v1/catalogues/{MINOR_CATALOGUE}?version=9").status_code == 404
    assert client.get("/api/v1/catalogues/no-such-catalogue").status_code == 404


# --- authentication and schema --------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_gets_401_everywhere(fiona: Any, police_nl: Any) -> None:
    signal = make_signal(fiona, police_nl)
    anonymous = Client()
    for path in (
        SIGNALS,
        f"{SIGNALS}{signal.pk}",
        "/api/v1/catalogues/",
        f"/api/v1/catalogues/{MINOR_CATALOGUE}",
    ):
        assert anonymous.get(path).status_code == 401, path
    created = _post(anonymous, SIGNALS, {"organisation_id": police_nl.pk, **signal_data()})
    assert created.status_code == 401
    screened = _screen(anonymous, signal, MINOR_CATALOGUE, THREE_CODES)
    assert screened.status_code == 401
    bad_token = Client(HTTP_AUTHORIZATION="Bearer onrm_nope_nope").get(f"{SIGNALS}{signal.pk}")
    assert bad_token.status_code == 401
    assert Signal.objects.count() == 1
    assert not Screening.objects.exists()


@pytest.mark.django_db
def test_openapi_schema_documents_the_new_paths() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    expected = {
        "/api/v1/signals/": {"get", "post"},
        "/api/v1/signals/{signal_id}": {"get"},
        "/api/v1/signals/{signal_id}/screenings": {"post"},
        "/api/v1/signals/{signal_id}/screenings/{screening_id}": {"get"},
        "/api/v1/catalogues/": {"get"},
        "/api/v1/catalogues/{catalogue_id}": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
        for method in methods:
            operation = paths[path][method]
            assert operation.get("summary"), (path, method)
            assert operation.get("description"), (path, method)
            assert any(code.startswith("2") for code in operation["responses"]), (path, method)
    components = set(schema["components"]["schemas"])
    assert {"SignalIn", "SignalOut", "SignalSummaryOut", "ScreeningOut", "CatalogueOut"} <= (
        components
    )
