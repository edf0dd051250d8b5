"""Template filters of the case-file pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from opennrm.cases import phases, procedures
from opennrm.cases.models import Deadline, DeadlineKind

register = template.Library()


@register.filter
def deadline_label(deadline: Deadline) -> str:
    """What a deadline is about: the procedure's state, the task's text, or its kind."""
    if deadline.kind == DeadlineKind.TASK:
        return str(deadline.title)
    if deadline.kind == DeadlineKind.PROCEDURE:
        return (
            procedure_deadline_name(deadline) or deadline.label or str(deadline.get_kind_display())
        )
    if deadline.kind == DeadlineKind.SERVICE_FOLLOW_UP and deadline.label:
        return f"{deadline.get_kind_display()}: {deadline.label}"
    return str(deadline.get_kind_display())


def procedure_deadline_name(deadline: Deadline) -> str:
    """The rule's name of the state a procedure deadline belongs to, in the reader's language
    (the stored label is the name at the time it was made)."""
    row = deadline.procedure
    if row is None or deadline.status != "open":
        return ""
    rule = procedures.get(row.procedure)
    if rule is None or not any(state.code == row.state for state in rule.states):
        return ""
    state = rule.state(row.state)
    return state.milestone_name if row.due_kind == "milestone" else state.name


@register.filter
def step_label(action: str) -> str:
    return phases.label(action)


@register.filter
def elapsed(start: datetime | None, end: datetime | None) -> str:
    """How long from ``start`` to ``end``, in days, hours or minutes (e.g. how long notifying the
    police took after a disappearance)."""
    if start is None or end is None:
        return "\u2013"
    delta: timedelta = max(end - start, timedelta(0))
    if delta >= timedelta(days=1):
        days = delta.days
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    if delta >= timedelta(hours=1):
        hours = int(delta.total_seconds() // 3600)
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return _("less than a minute")
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


@register.filter
def get(mapping: Any, key: str) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def procedure_state_name(rule: Any, code: str) -> str:
    try:
        return str(rule.state(code).name)
    except (KeyError, AttributeError):
        return code


@register.filter
def cents(value: int | None) -> str:
    """An amount in euro cents as euro with two decimals (1234567 → 12345.67)."""
    if value is None:
        return ""
    return f"{value // 100}.{value % 100:02d}"
