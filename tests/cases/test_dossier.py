"""Handing the dossier over abroad: only on a recorded basis; JSON and PDF; recorded, audited."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from typing import Any

import pytest

from opennrm.cases import casework, dossier, protection
from opennrm.cases.models import CaseExport
from opennrm.core.errors import InvalidInput, NotFoundOrForbidden
from opennrm.core.models import AuditEvent
from tests.cases import world as w
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def world(db: Any) -> w.World:
    return w.build()


@pytest.fixture
def clock(monkeypatch: Any) -> w.Clock:
    return w.Clock(monkeypatch, START)


def _case(world: w.World) -> Any:
    case = w.open_case(world.noor, world.fier, date_of_birth=datetime.date(2010, 5, 1))
    casework.situation_update(
        actor=world.noor, case_id=case.pk, expected_version=0,
        data={"sex": "female", "citizenships": "RO", "languages": "ro",
              "exploitation_forms": ["sexual"], "recruitment_country": "RO",
              "exploitation_country": "NL"},
    )  # fmt: skip
    protection.procedure_start(
        actor=world.noor, case_id=case.pk, procedure="NL/residence", state="reflection"
    )
    return case


CONSENT = {"recipient_country": "ro", "recipient_name": "DGASPC Arges guardian",
           "basis": "consent", "consent_given_on": "2026-03-01"}  # fmt: skip


def test_export_on_consent_gives_json_and_pdf_and_records_the_handover(
    world: w.World, clock: w.Clock
) -> None:
    case = _case(world)
    export, archive = dossier.case_export(actor=world.noor, case_id=case.pk, data=CONSENT)
    files = zipfile.ZipFile(io.BytesIO(archive))
    assert sorted(files.namelist()) == [f"{case.reference}.json", f"{case.reference}.pdf"]
    payload = files.read(f"{case.reference}.json")
    document = json.loads(payload)
    assert document["format"] == "opennrm.case-dossier.v1"
    assert document["person"]["family_name"] == "Person"
    assert document["htcds"]["prs_Gender"] == "Feminine"
    assert document["htcds"]["vic_TypeOfExploitation"] == ["SexualExploitation"]
    assert document["situation"]["scope"] == "cross_border"
    assert document["protection_procedures"][0]["due_on"] == "2026-06-02"
    assert document["basis"]["recipient"] == {"country": "RO", "name": "DGASPC Arges guardian"}
    assert export.digest == hashlib.sha256(payload).hexdigest()
    assert files.read(f"{case.reference}.pdf").startswith(b"%PDF-")
    assert CaseExport.objects.get().recipient_country == "RO"
    event = AuditEvent.objects.filter(action="export", object_type="case").get()
    assert event.legal_basis == "consent" and "DGASPC" not in json.dumps(event.detail)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_pdf_reads_in_the_reader_language_with_diacritics(
    world: w.World, clock: w.Clock, tmp_path: Any
) -> None:
    case = _case(world)
    from opennrm.cases.services import person_update

    person_update(actor=world.noor, person_id=case.person_id, expected_version=1,
                  data={"family_name": "Ţăranu"})  # fmt: skip
    _export, archive = dossier.case_export(
        actor=world.noor, case_id=case.pk, data=CONSENT, language="nl"
    )
    pdf = tmp_path / "dossier.pdf"
    pdf.write_bytes(zipfile.ZipFile(io.BytesIO(archive)).read(f"{case.reference}.pdf"))
    text = subprocess.run(
        [str(shutil.which("pdftotext")), str(pdf), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    assert "Ţăranu" in text
    assert "Bedenktijd" in text  # the NL reflection period, named in Dutch


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"basis": ""}, "basis"),
        ({"consent_given_on": ""}, "consent_given_on"),
        ({"consent_given_on": "2027-01-01"}, "consent_given_on"),
        ({"recipient_country": "Romania"}, "recipient_country"),
        ({"recipient_name": ""}, "recipient_name"),
        ({"basis": "legal_ground", "legal_ground": ""}, "legal_ground"),
        ({"basis": "legal_ground", "legal_ground": "child_best_interests"}, "explanation"),
    ],
)
def test_no_basis_no_export(world: w.World, clock: w.Clock, change: dict[str, str],
                            field: str) -> None:  # fmt: skip
    case = _case(world)
    with pytest.raises(InvalidInput) as error:
        dossier.case_export(actor=world.noor, case_id=case.pk, data={**CONSENT, **change})
    assert field in error.value.errors
    assert not CaseExport.objects.exists()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_only_the_case_team_that_works_on_it_exports(world: w.World, clock: w.Clock) -> None:
    case = _case(world)
    for outsider in (world.otto, world.pim, world.sara):
        with pytest.raises(NotFoundOrForbidden):
            dossier.case_export(actor=outsider, case_id=case.pk, data=CONSENT)
    assert not CaseExport.objects.exists()


def test_the_export_page_downloads_a_zip_and_lists_the_handover(
    world: w.World, clock: w.Clock
) -> None:
    case = _case(world)
    client = verified_client(world.noor)
    assert client.get(f"/cases/{case.pk}/export/").status_code == 200
    response = client.post(f"/cases/{case.pk}/export/", {**CONSENT, "basis": "legal_ground"})
    assert response.status_code == 400
    response = client.post(f"/cases/{case.pk}/export/", CONSENT)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{case.reference}')
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "DGASPC Arges guardian (RO)" in page
