"""Reads of the audit trail, permission-checked (DESIGN rule 2).

Core imports no app, so the permission is named by its string; the directory's roles grant it
to auditors only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from opennrm.core import audit
from opennrm.core.errors import PermissionDeniedError
from opennrm.core.models import AuditAction, AuditEvent

VIEW_AUDIT = "core.view_all_auditevent"
OBJECT_TYPE = "auditevent"


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor: str = ""
    object_type: str = ""
    object_id: str = ""
    organisation_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def require_audit_access(*, actor: Any, what: str) -> None:
    """Raise ``PermissionDeniedError`` (and audit the attempt) unless ``actor`` is an auditor."""
    if getattr(actor, "is_authenticated", False) and actor.has_perm(VIEW_AUDIT):
        return
    if getattr(actor, "is_authenticated", False):
        audit.record(
            action=AuditAction.DENIED,
            actor=actor,
            object_type=OBJECT_TYPE,
            detail={"action": what},
        )
    raise PermissionDeniedError


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_events(*, actor: Any, filters: AuditFilters | None) -> QuerySet[AuditEvent]:
    """Events newest first, filtered; ``filters=None`` (invalid filters) gives none."""
    require_audit_access(actor=actor, what="view")
    if filters is None:
        return AuditEvent.objects.none()
    events = AuditEvent.objects.order_by("-seq")
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.actor:
        by_actor = Q(actor_label=filters.actor)
        if filters.actor.isdigit():
            by_actor |= Q(actor_id=int(filters.actor))
        events = events.filter(by_actor)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.object_id:
        events = events.filter(object_id=filters.object_id)
    if filters.organisation_id is not None:
        events = events.filter(organisation_id=filters.organisation_id)
    if filters.date_from:
        events = events.filter(occurred_at__gte=_start_of(filters.date_from))
    if filters.date_to:
        events = events.filter(
            occurred_at__lt=_start_of(filters.date_to + datetime.timedelta(days=1))
        )
    return events


def record_audit_view(*, actor: Any, results: int) -> None:
    """Who reads the audit trail is itself recorded (it names staff and their addresses)."""
    audit.record(
        action=AuditAction.SEARCH, actor=actor, object_type=OBJECT_TYPE, detail={"results": results}
    )
