"""The audit trail's hash chain: intact when untouched; any alteration or deletion is found."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from opennrm.cli import translate
from opennrm.core import audit
from opennrm.core.models import AuditChainHead, AuditEvent


@pytest.fixture
def chain(alice: Any) -> list[AuditEvent]:
    """Five events appended to the chain (fresh in each test: the test transaction rolls back)."""
    events = [
        audit.record(action="login", actor=alice),
        audit.record(action="read", actor=alice, object_type="person", object_id=1),
        audit.record(
            action="update",
            actor=alice,
            object_type="person",
            object_id=1,
            detail={"fields": ["notes"]},
        ),
        audit.record(action="export", actor=alice, object_type="person", object_id=1),
        audit.record(action="logout", actor=alice),
    ]
    return events


def _append_only_trigger_refuses(sql: str, params: list[Any]) -> bool:
    """On PostgreSQL, the trigger refuses the statement (checked in a savepoint)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        return True
    return False


def tamper(sql: str, params: list[Any]) -> None:
    """Run ``sql`` against the audit table as a database owner would, trigger switched off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only"
            )
        cursor.execute(sql, params)
        assert cursor.rowcount == 1


def verify_command() -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("audit_verify", stdout=out)
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


@pytest.mark.django_db
def test_a_fresh_chain_is_intact(chain: list[AuditEvent]) -> None:
    first = chain[0].seq
    result = audit.verify_chain()
    assert result.ok
    assert result.checked == first + 4
    assert [event.seq for event in chain] == list(range(first, first + 5))
    assert chain[1].prev_hash == chain[0].hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (chain[-1].seq, chain[-1].hash)
    code, output = verify_command()
    assert code == 0
    assert output.strip() == f"audit chain intact: {first + 4} events"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgresql_refuses_to_update_or_delete_audit_events(chain: list[AuditEvent]) -> None:
    seq = chain[2].seq
    update = "UPDATE core_auditevent SET object_id = %s WHERE seq = %s"
    assert _append_only_trigger_refuses(update, ["2", seq])
    assert _append_only_trigger_refuses("DELETE FROM core_auditevent WHERE seq = %s", [seq])
    assert AuditEvent.objects.get(seq=seq).object_id == "1"
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_an_altered_event_is_reported_at_its_position(chain: list[AuditEvent]) -> None:
    seq = chain[2].seq
    tamper("UPDATE core_auditevent SET object_id = %s WHERE seq = %s", ["2", seq])
    result = audit.verify_chain()
    assert not result.ok
    assert result.broken_at == seq
    assert "altered" in result.reason
    code, message = verify_command()
    assert code == 1
    assert f"broken at event #{seq}" in message


@pytest.mark.django_db
def test_an_altered_hash_is_reported_at_the_next_link(chain: list[AuditEvent]) -> None:
    seq = chain[1].seq
    tamper("UPDATE core_auditevent SET hash = %s WHERE seq = %s", ["f" * 64, seq])
    result = audit.verify_chain()
    assert not result.ok
    assert result.broken_at == seq


@pytest.mark.django_db
def test_a_deleted_middle_event_is_reported(chain: list[AuditEvent]) -> None:
    seq = chain[2].seq
    tamper("DELETE FROM core_auditevent WHERE seq = %s", [seq])
    result = audit.verify_chain()
    assert not result.ok
    assert result.broken_at == seq
    assert "missing" in result.reason
    assert verify_command()[0] == 1


@pytest.mark.django_db
def test_a_deleted_last_event_is_reported_by_the_head(chain: list[AuditEvent]) -> None:
    last = chain[-1].seq
    tamper("DELETE FROM core_auditevent WHERE seq = %s", [last])
    result = audit.verify_chain()
    assert not result.ok
    assert result.broken_at == last
    assert "head" in result.reason
    code, message = verify_command()
    assert code == 1
    assert f"#{last}" in message


def test_the_cli_name_maps_to_the_command() -> None:
    assert translate(["audit", "verify"]) == ["audit_verify"]
    assert translate(["rotate-keys", "--check"]) == ["rotate_keys", "--check"]


@pytest.mark.django_db
def test_detail_is_hashed_as_stored_and_floats_are_refused() -> None:
    from opennrm.core import audit as audit_mod

    audit_mod.record(action="read", actor_label="x", detail={"b": [1, 2], "a": {"z": True}})
    assert audit_mod.verify_chain().ok
    with pytest.raises(ValueError, match="floating-point"):
        audit_mod.record(action="read", actor_label="x", detail={"ratio": 0.5})
    assert audit_mod.verify_chain().ok


@pytest.mark.django_db
def test_events_appended_during_verification_are_not_a_false_alarm(monkeypatch: Any) -> None:
    from opennrm.core import audit as audit_mod
    from opennrm.core.models import AuditEvent as Event

    for _ in range(3):
        audit_mod.record(action="read", actor_label="x")
    real_filter = Event.objects.filter

    def filter_then_append(*args: Any, **kwargs: Any) -> Any:
        result = real_filter(*args, **kwargs)
        audit_mod.record(action="read", actor_label="concurrent")  # lands after the head read
        return result

    monkeypatch.setattr(Event.objects, "filter", filter_then_append)
    outcome = audit_mod.verify_chain()
    assert outcome.ok
    assert outcome.checked == 3
