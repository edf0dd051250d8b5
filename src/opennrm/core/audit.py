"""Writing and verifying the audit trail (see ``opennrm.core.models``)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC
from typing import Any, Protocol

from django.db import transaction

from opennrm.core import clock, context
from opennrm.core.models import GENESIS_HASH, AuditAction, AuditChainHead, AuditEvent

_CODE = re.compile(r"^[a-z0-9_.:-]{0,64}$")


class AuditActor(Protocol):
    pk: Any

    def get_username(self) -> str: ...


def _canonical(event: AuditEvent) -> str:
    occurred = event.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = {
        "seq": event.seq,
        "at": occurred,
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "org": event.organisation_id,
        "token": event.api_token_id,
        "action": event.action,
        "type": event.object_type,
        "id": event.object_id,
        "purpose": event.purpose,
        "basis": event.legal_basis,
        "req": event.request_id,
        "ip": event.client_ip,
        "ch": event.channel,
        "detail": event.detail,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(f"{prev_hash}\n{_canonical(event)}".encode()).hexdigest()


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_float(item) for item in value)
    return False


def record(
    *,
    action: AuditAction | str,
    actor: AuditActor | None = None,
    actor_label: str = "",
    organisation_id: int | None = None,
    object_type: str = "",
    object_id: object = "",
    purpose: str = "",
    legal_basis: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Call inside the transaction of the change it records.

    ``purpose`` and ``legal_basis`` are codes, never free text; ``detail`` must hold no personal
    data of case subjects (field names and counts, not values).
    """
    for name, code in (("purpose", purpose), ("legal_basis", legal_basis)):
        if not _CODE.match(code):
            raise ValueError(f"audit {name} must be a short code, got {len(code)} characters")
    # Hash what the database will give back: round-trip through JSON, and refuse floats (jsonb
    # may change their form, which would look like tampering).
    detail = json.loads(json.dumps(detail or {}, sort_keys=True, allow_nan=False))
    if "." in json.dumps(detail) and _has_float(detail):
        raise ValueError("audit detail must not contain floating-point numbers")
    ctx = context.current()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            seq=head.seq + 1,
            occurred_at=clock.now_to_the_hour() if ctx.coarse_time else clock.now(),
            actor_id=actor.pk if actor is not None else None,
            actor_label=(actor.get_username() if actor is not None else actor_label)[:150],
            organisation_id=organisation_id,
            api_token_id=ctx.api_token_id,
            action=str(action),
            object_type=object_type,
            object_id=str(object_id)[:64],
            purpose=purpose,
            legal_basis=legal_basis,
            request_id=ctx.request_id,
            client_ip=ctx.client_ip,
            channel=ctx.channel,
            detail=detail,
            prev_hash=head.hash,
        )
        event.hash = compute_hash(head.hash, event)
        event.save(force_insert=True)
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


def record_object(
    *,
    action: AuditAction | str,
    actor: AuditActor | None,
    obj: Any,
    actor_label: str = "",
    purpose: str = "",
    legal_basis: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """``record`` for one model instance: its type, id and owning organisation come from it."""
    return record(
        action=action,
        actor=actor,
        actor_label=actor_label,
        organisation_id=getattr(obj, "organisation_id", None),
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        purpose=purpose,
        legal_basis=legal_basis,
        detail=detail,
    )


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_at: int | None = None
    reason: str = ""


def verify_chain(batch: int = 2000) -> VerifyResult:
    """Walk the chain from the start; report the first position where it breaks."""
    # Read the head first: events appended while we walk are past it and are not judged.
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    events = AuditEvent.objects.filter(seq__lte=head_seq).order_by("seq").iterator(chunk_size=batch)
    for event in events:
        if event.seq != expected_seq:
            return VerifyResult(
                False,
                checked,
                expected_seq,
                f"event #{expected_seq} is missing (deleted); the chain resumes at #{event.seq}",
            )
        if event.prev_hash != expected_prev:
            return VerifyResult(
                False,
                checked,
                event.seq,
                f"event #{event.seq} does not link to the hash of event #{event.seq - 1}",
            )
        if compute_hash(event.prev_hash, event) != event.hash:
            return VerifyResult(
                False, checked, event.seq, f"event #{event.seq} was altered after it was written"
            )
        expected_prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    if head_seq != expected_seq - 1 or head_hash != expected_prev:
        return VerifyResult(
            False,
            checked,
            expected_seq,
            f"the chain head records event #{head_seq}, but the last event found is "
            f"#{expected_seq - 1}: events at the end were deleted or the head was altered",
        )
    return VerifyResult(True, checked)
