"""Signal services: recording, validation, persons, links, screening and versioning, triage."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import pytest
import time_machine

from opennrm.core.errors import ConcurrentEditError, InvalidInput, PermissionDeniedError
from opennrm.core.models import AuditEvent
from opennrm.intake import catalogues as catalogue_rules
from opennrm.intake import services
from opennrm.intake.models import CatalogueVersion, Screening, Signal, SignalLink
from opennrm.intake.questionnaires import first_contact
from tests.cases.helpers import raw_values
from tests.intake.helpers import DESCRIPTION, make_signal, signal_data

MINORS = "nl-criminal-exploitation-minors"
THREE = ["employment-03", "employment-07", "finance-02"]


def test_record_stores_the_signal_encrypted_and_audits_it(fiona: Any, police_nl: Any) -> None:
    signal = make_signal(fiona, police_nl, place_detail="Platform 5, Utrecht Centraal")
    assert signal.reference.startswith("S-") and len(signal.reference) == 10
    assert signal.jurisdiction == "NL" and signal.organisation == police_nl
    assert signal.observer == fiona and signal.triage_status == "new"
    stored = Signal.objects.get(pk=signal.pk)
    assert stored.description == DESCRIPTION
    raw = raw_values(Signal, "description")[signal.pk]
    assert raw.startswith("v1:") and "station" not in raw
    assert "Platform" not in raw_values(Signal, "place_detail")[signal.pk]
    event = AuditEvent.objects.get(action="create", object_type="signal", object_id=str(signal.pk))
    assert "description" in event.detail["fields"]
    assert DESCRIPTION not in str(event.detail)


def test_bad_input_names_each_field_and_saves_nothing(fiona: Any, police_nl: Any) -> None:
    before = Signal.objects.count()
    bad = signal_data(
        description="",
        region="BE-VLG",
        barrier="teleport",
        estimated_age=15,
        population="adult",
        forms=["sexual", "alchemy"],
        labour_sector="Z",
        observed_at="2999-01-01T10:00",
    )
    with pytest.raises(InvalidInput) as caught:
        services.signal_record(actor=fiona, organisation_id=police_nl.pk, data=bad)
    errors = caught.value.errors
    for field in (
        "description",
        "region",
        "barrier",
        "population",
        "forms",
        "labour_sector",
        "observed_at",
    ):
        assert field in errors, field
    assert Signal.objects.count() == before


def test_sector_only_with_labour_and_age_sets_the_population(fiona: Any, police_nl: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        make_signal(fiona, police_nl, forms=["sexual"], labour_sector="A")
    assert "labour_sector" in caught.value.errors
    signal = make_signal(
        fiona,
        police_nl,
        population="unknown",
        estimated_age=34,
        forms=["labour"],
        labour_sector="A",
    )
    assert signal.population == "adult" and signal.labour_sector == "A"


def test_only_members_with_the_role_may_record(
    dave: Any, alice: Any, police_nl: Any, rapporteur: Any
) -> None:
    with pytest.raises(PermissionDeniedError):
        make_signal(dave, rapporteur)
    with pytest.raises(
        PermissionDeniedError
    ):  # alice is a case worker elsewhere, not at the police
        make_signal(alice, police_nl)
    assert AuditEvent.objects.filter(action="denied", object_type="signal").count() == 2


def test_a_new_person_is_registered_and_linked(fiona: Any, police_nl: Any) -> None:
    signal = services.signal_record(
        actor=fiona,
        organisation_id=police_nl.pk,
        data=signal_data(),
        person={"given_names": "Elena", "family_name": "Dumitru", "date_of_birth": "2011-03-04"},
    )
    assert signal.person is not None
    assert signal.person.organisation_id == police_nl.pk
    assert signal.person.family_name == "Dumitru"


def test_an_existing_person_must_be_visible_to_the_actor(
    fiona: Any, police_nl: Any, alice: Any, shelter_a: Any
) -> None:
    from tests.cases.helpers import make_person

    elsewhere = make_person(alice, shelter_a)
    before = Signal.objects.count()
    with pytest.raises(InvalidInput) as caught:
        services.signal_record(
            actor=fiona,
            organisation_id=police_nl.pk,
            data=signal_data(),
            person={"id": elsewhere.pk},
        )
    assert "person" in caught.value.errors
    assert Signal.objects.count() == before


def test_update_detects_concurrent_edits(fiona: Any, gert: Any, police_nl: Any) -> None:
    signal = make_signal(fiona, police_nl)
    services.signal_update(
        actor=gert,
        signal_id=signal.pk,
        expected_version=1,
        data=signal_data(municipality="Amersfoort"),
    )
    with pytest.raises(ConcurrentEditError):
        services.signal_update(
            actor=fiona,
            signal_id=signal.pk,
            expected_version=1,
            data=signal_data(municipality="Zeist"),
        )
    assert Signal.objects.get(pk=signal.pk).municipality == "Amersfoort"


def test_link_two_signals_once(fiona: Any, police_nl: Any) -> None:
    first = make_signal(fiona, police_nl)
    second = make_signal(fiona, police_nl)
    services.signal_link(
        actor=fiona, signal_id=second.pk, other_reference=first.reference.lower(), kind="same_place"
    )
    link = SignalLink.objects.get()
    assert (link.from_signal_id, link.to_signal_id) == (first.pk, second.pk)
    with pytest.raises(InvalidInput):
        services.signal_link(
            actor=fiona, signal_id=first.pk, other_reference=second.reference, kind="same_place"
        )
    with pytest.raises(InvalidInput):
        services.signal_link(
            actor=fiona, signal_id=first.pk, other_reference=first.reference, kind="same_person"
        )
    assert SignalLink.objects.count() == 1


def test_cannot_link_to_a_signal_of_another_organisation(
    fiona: Any, police_nl: Any, carol: Any, shelter_b: Any
) -> None:
    from opennrm.directory.models import Membership

    Membership.objects.create(user=carol, organisation=shelter_b, role="frontline")
    theirs = make_signal(carol, shelter_b, region="")
    mine = make_signal(fiona, police_nl)
    with pytest.raises(InvalidInput) as caught:
        services.signal_link(
            actor=fiona, signal_id=mine.pk, other_reference=theirs.reference, kind="same_person"
        )
    assert "reference" in caught.value.errors
    assert not SignalLink.objects.exists()


def test_screening_minor_with_three_indicators_is_strong(fiona: Any, police_nl: Any) -> None:
    signal = make_signal(fiona, police_nl)
    screening = services.screening_run(
        actor=fiona, signal_id=signal.pk, catalogue_id=MINORS, observed=THREE
    )
    assert screening.level == "strong_signs" and screening.score == 3
    assert screening.catalogue.catalogue_id == MINORS and screening.catalogue.version == 1
    assert [item["indicator"] for item in screening.result["contributions"]] == THREE
    signal.refresh_from_db()
    assert sorted(signal.observed_indicators) == sorted(f"{MINORS}:{code}" for code in THREE)
    assert signal.triage_status == "new"  # only the coordination centre's screening triages
    event = AuditEvent.objects.get(action="create", object_type="screening")
    assert event.detail["level"] == "strong_signs"


def test_screening_refuses_bad_indicators_and_wrong_population(fiona: Any, police_nl: Any) -> None:
    signal = make_signal(fiona, police_nl)
    with pytest.raises(InvalidInput):
        services.screening_run(
            actor=fiona, signal_id=signal.pk, catalogue_id=MINORS, observed=["no-such"]
        )
    with pytest.raises(InvalidInput):
        services.screening_run(
            actor=fiona, signal_id=signal.pk, catalogue_id="adult-labour-exploitation", observed=[]
        )
    with pytest.raises(InvalidInput):
        services.screening_run(
            actor=fiona, signal_id=signal.pk, catalogue_id="no-such-catalogue", observed=[]
        )
    assert not Screening.objects.exists()


def test_old_results_stay_reproducible_when_a_catalogue_changes(
    fiona: Any, police_nl: Any, monkeypatch: Any
) -> None:
    signal = make_signal(fiona, police_nl)
    first = services.screening_run(
        actor=fiona, signal_id=signal.pk, catalogue_id=MINORS, observed=THREE
    )
    stored_snapshot = dict(first.catalogue.snapshot)
    current = catalogue_rules.catalogues()
    original = current.get(MINORS)
    assert original is not None
    # Version 2 raises the strong threshold to 5: the same indicators now give weak signs...
    scoring = dataclasses.replace(original.scoring, strong_threshold=5)
    v2 = dataclasses.replace(original, version=2, scoring=scoring)
    monkeypatch.setattr(
        catalogue_rules, "catalogues", lambda: catalogue_rules.CatalogueSet((original, v2))
    )
    second = services.screening_run(
        actor=fiona, signal_id=signal.pk, catalogue_id=MINORS, observed=THREE
    )
    assert second.level == "weak_signs" and second.catalogue.version == 2
    # ...while the first screening keeps its result and the exact catalogue it used.
    first.refresh_from_db()
    assert first.level == "strong_signs" and first.catalogue.snapshot == stored_snapshot
    assert CatalogueVersion.objects.count() == 2
    # Changing version 1's content without a new version number is refused.
    changed = dataclasses.replace(
        original, scoring=dataclasses.replace(original.scoring, weak_threshold=2)
    )
    monkeypatch.setattr(
        catalogue_rules, "catalogues", lambda: catalogue_rules.CatalogueSet((changed,))
    )
    with pytest.raises(InvalidInput) as caught:
        services.screening_run(
            actor=fiona, signal_id=signal.pk, catalogue_id=MINORS, version=1, observed=THREE
        )
    assert "catalogue" in caught.value.errors


def test_coordinator_screening_moves_the_signal_out_of_the_queue(
    fiona: Any, cora: Any, police_nl: Any
) -> None:
    signal = make_signal(fiona, police_nl)
    Signal.objects.filter(pk=signal.pk).update(has_new_information=True)  # a reporter added some
    services.screening_run(actor=cora, signal_id=signal.pk, catalogue_id=MINORS, observed=THREE[:1])
    signal.refresh_from_db()
    assert signal.triage_status == "screened" and not signal.has_new_information


def test_dismiss_needs_a_reason_and_the_triage_role(fiona: Any, cora: Any, police_nl: Any) -> None:
    from opennrm.core.errors import NotFoundOrForbidden

    signal = make_signal(fiona, police_nl)
    with pytest.raises(InvalidInput):
        services.signal_dismiss(actor=cora, signal_id=signal.pk, expected_version=1, reason="bored")
    with pytest.raises(NotFoundOrForbidden):
        services.signal_dismiss(
            actor=fiona, signal_id=signal.pk, expected_version=1, reason="duplicate"
        )
    services.signal_dismiss(actor=cora, signal_id=signal.pk, expected_version=1, reason="duplicate")
    signal.refresh_from_db()
    assert (signal.triage_status, signal.dismiss_reason) == ("dismissed", "duplicate")
    with pytest.raises(ConcurrentEditError):
        services.signal_dismiss(
            actor=cora, signal_id=signal.pk, expected_version=1, reason="duplicate"
        )


def test_first_contact_answers_are_validated_and_encrypted(fiona: Any, police_nl: Any) -> None:
    signal = make_signal(fiona, police_nl)
    questionnaire = first_contact()
    with pytest.raises(InvalidInput) as caught:
        services.first_contact_record(
            actor=fiona, signal_id=signal.pk, expected_version=1, questionnaire=questionnaire,
            language="ro", answers={"danger-now": "perhaps", "no-such": "yes"},
        )  # fmt: skip
    assert set(caught.value.errors) == {"danger-now", "no-such"}
    services.first_contact_record(
        actor=fiona, signal_id=signal.pk, expected_version=1, questionnaire=questionnaire,
        language="ro", answers={"danger-now": "yes", "age": "12-17"},
    )  # fmt: skip
    signal.refresh_from_db()
    assert signal.first_contact["answers"] == {"danger-now": "yes", "age": "12-17"}
    assert signal.first_contact["language"] == "ro" and signal.version == 2
    assert "12-17" not in raw_values(Signal, "first_contact")[signal.pk]


def test_observed_at_in_the_future_is_refused(fiona: Any, police_nl: Any) -> None:
    with time_machine.travel(datetime.datetime(2026, 5, 1, 12, tzinfo=datetime.UTC), tick=False):
        with pytest.raises(InvalidInput):
            make_signal(fiona, police_nl, observed_at="2026-05-02T09:00")
        signal = make_signal(fiona, police_nl, observed_at="2026-04-30T22:15")
    assert signal.observed_at is not None and signal.observed_at.year == 2026
