"""Key rotation: ``opennrm rotate-keys`` moves every ciphertext to the primary data key."""

from __future__ import annotations

import base64
import json
import os
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from opennrm.cases.models import Person
from opennrm.core import crypto
from opennrm.core.management.commands.rotate_keys import encrypted_columns
from opennrm.core.models import AuditEvent
from tests.cases.helpers import DISTINCT, make_person, raw_values

KEY_A = ("keya", os.urandom(32))
KEY_B = ("keyb", os.urandom(32))
ENCRYPTED = [
    "given_names",
    "family_name",
    "aliases",
    "date_of_birth",
    "identity_documents",
    "phone",
    "email",
    "address",
    "notes",
]


def key_ids() -> set[str]:
    return {
        crypto.key_id_of(value)
        for field in ENCRYPTED
        for value in raw_values(Person, field).values()
        if value is not None
    }


def stored_snapshot() -> dict[str, dict[Any, str]]:
    return {field: raw_values(Person, field) for field in ENCRYPTED}


def run(*args: str) -> str:
    out = StringIO()
    call_command("rotate_keys", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def under_key_a(settings: Any, alice: Any, shelter_a: Any) -> list[Person]:
    """Three persons under key A: nine encrypted columns each, one date of birth NULL: 26."""
    settings.OPENNRM_DATA_KEYS = [KEY_A]
    return [
        make_person(alice, shelter_a, **DISTINCT),
        make_person(alice, shelter_a, given_names="Ioana", date_of_birth=None),
        make_person(alice, shelter_a, family_name="Marin", notes="line one\nline two"),
    ]


def plaintexts() -> dict[int, tuple[Any, ...]]:
    return {
        person.pk: tuple(getattr(person, field) for field in ENCRYPTED)
        for person in Person.objects.order_by("pk")
    }


@pytest.mark.django_db
def test_discovers_every_encrypted_column() -> None:
    labels = {column.label for column in encrypted_columns()}
    assert {f"cases_person.{field}" for field in ENCRYPTED} <= labels


@pytest.mark.django_db
def test_rotation_moves_every_value_to_the_new_key(settings: Any, under_key_a: Any) -> None:
    before = plaintexts()
    assert key_ids() == {"keya"}
    settings.OPENNRM_DATA_KEYS = [KEY_B, KEY_A]
    assert "26 values still use old keys" in run("--check")

    output = run()

    assert "26 values re-encrypted under key keyb" in output
    assert "cases_person.given_names: 3 re-encrypted" in output
    assert key_ids() == {"keyb"}
    # The old key can go: every person still decrypts to the same values.
    settings.OPENNRM_DATA_KEYS = [KEY_B]
    same = plaintexts() == before
    assert same
    assert "0 values still use old keys" in run("--check")
    # The version of the persons is untouched: nothing about them changed.
    assert set(Person.objects.values_list("version", flat=True)) == {1}


@pytest.mark.django_db
def test_rotation_is_audited_with_counts_and_key_ids_only(settings: Any, under_key_a: Any) -> None:
    settings.OPENNRM_DATA_KEYS = [KEY_B, KEY_A]
    run()
    event = AuditEvent.objects.get(action="key_rotation")
    assert event.detail["primary_key_id"] == "keyb"
    assert event.detail["previous_key_ids"] == ["keya"]
    assert event.detail["total"] == 26
    assert event.detail["reencrypted"]["cases_person.notes"] == 3
    assert event.channel == "cli"
    text = json.dumps(event.detail)
    keys_written = sum(
        1
        for _kid, key in (KEY_A, KEY_B)
        for form in (base64.urlsafe_b64encode(key).decode().rstrip("="), key.hex())
        if form in text
    )
    assert keys_written == 0


@pytest.mark.django_db
def test_a_second_run_changes_nothing(settings: Any, under_key_a: Any) -> None:
    settings.OPENNRM_DATA_KEYS = [KEY_B, KEY_A]
    run()
    after_first = stored_snapshot()
    output = run("--batch-size", "1")
    assert "0 values re-encrypted" in output
    unchanged = stored_snapshot() == after_first
    assert unchanged
    assert AuditEvent.objects.filter(action="key_rotation").count() == 2


@pytest.mark.django_db
def test_small_batches_and_values_already_under_the_primary_key(
    settings: Any, under_key_a: Any, alice: Any, shelter_a: Any
) -> None:
    settings.OPENNRM_DATA_KEYS = [KEY_B, KEY_A]
    already = make_person(alice, shelter_a, given_names="Nou")  # written under B
    untouched = {field: raw_values(Person, field)[already.pk] for field in ENCRYPTED}
    output = run("--batch-size", "2")
    assert "26 values re-encrypted" in output
    assert key_ids() == {"keyb"}
    same = {field: raw_values(Person, field)[already.pk] for field in ENCRYPTED} == untouched
    assert same


@pytest.mark.django_db
def test_values_under_an_unknown_key_are_reported(settings: Any, under_key_a: Any) -> None:
    settings.OPENNRM_DATA_KEYS = [KEY_B]  # key A dropped too early
    with pytest.raises(CommandError) as failed:
        run()
    assert "26 values could not be decrypted" in str(failed.value)
    assert key_ids() == {"keya"}
    assert AuditEvent.objects.get(action="key_rotation").detail["unreadable"] == 26


@pytest.mark.django_db
def test_generate_adds_a_key_in_front_of_the_local_keys(
    settings: Any, tmp_path: Path, under_key_a: Any
) -> None:
    settings.VAR_DIR = tmp_path
    settings.OPENNRM_DATA_KEYS_FROM_ENV = False
    output = run("--generate")
    secrets = json.loads((tmp_path / "secrets.json").read_text())
    entries = secrets["data_keys"].split(",")
    assert len(entries) == 2
    new_id = entries[0].split(":")[0]
    assert entries[1].split(":")[0] == "keya"
    assert settings.OPENNRM_DATA_KEYS[0][0] == new_id
    assert f"re-encrypted under key {new_id}" in output
    assert key_ids() == {new_id}
    assert (tmp_path / "secrets.json").stat().st_mode & 0o077 == 0
    event = AuditEvent.objects.get(action="key_rotation")
    assert event.detail["generated_key_id"] == new_id


@pytest.mark.django_db
def test_generate_is_refused_when_keys_come_from_the_environment(
    settings: Any, tmp_path: Path, under_key_a: Any
) -> None:
    settings.VAR_DIR = tmp_path
    settings.OPENNRM_DATA_KEYS_FROM_ENV = True
    with pytest.raises(CommandError):
        run("--generate")
    assert not (tmp_path / "secrets.json").exists()
    assert key_ids() == {"keya"}
    with pytest.raises(CommandError):
        run("--generate", "--check")


def test_help_tells_how_to_remove_old_keys() -> None:
    from opennrm.core.management.commands.rotate_keys import Command

    assert "remove the old keys" in Command.help


def test_keygen_prints_a_usable_key() -> None:
    from opennrm.config.env import parse_data_keys, parse_index_key

    out = StringIO()
    call_command("keygen", stdout=out, stderr=StringIO())
    entry = out.getvalue().strip()
    ((key_id, key),) = parse_data_keys("OPENNRM_DATA_KEYS", entry)
    assert len(key) == 32
    assert key_id.isalnum()
    out = StringIO()
    call_command("keygen", "--index", stdout=out, stderr=StringIO())
    assert len(parse_index_key("OPENNRM_INDEX_KEY", out.getvalue().strip())) == 32


@pytest.mark.django_db
def test_a_run_stopped_half_way_has_audited_every_batch_it_committed(
    settings: Any, under_key_a: Any, monkeypatch: Any
) -> None:
    settings.OPENNRM_DATA_KEYS = [KEY_B, KEY_A]
    real_encrypt = crypto.encrypt
    calls = {"n": 0}

    def failing_encrypt(*args: Any, **kwargs: Any) -> str:
        calls["n"] += 1
        if calls["n"] == 8:
            raise RuntimeError("power cut")
        return real_encrypt(*args, **kwargs)

    monkeypatch.setattr(crypto, "encrypt", failing_encrypt)
    with pytest.raises(RuntimeError):
        run("--batch-size", "2")
    monkeypatch.setattr(crypto, "encrypt", real_encrypt)
    assert not AuditEvent.objects.filter(action="key_rotation").exists()
    batches = AuditEvent.objects.filter(action="key_rotation_batch")
    audited = sum(event.detail["reencrypted"] for event in batches)
    under_b = sum(
        1
        for field in ENCRYPTED
        for value in raw_values(Person, field).values()
        if value is not None and crypto.key_id_of(value) == "keyb"
    )
    assert audited == under_b == 6  # three batches of two committed, the fourth rolled back
    assert all(event.detail["primary_key_id"] == "keyb" for event in batches)
