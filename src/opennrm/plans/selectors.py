"""Reads of action plans, permission-checked (DESIGN rule 2).

Every role reads the plans (``VIEW_PLANS``): they are public policy. Progress is reported by the
users of the organisation a measure is linked to (``UPDATE_PLAN``) and by the coordinators of the
plan's country (``MANAGE_PLAN``), who also import plans and link measures to organisations.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet

from opennrm.core import audit, clock
from opennrm.core.errors import NotFoundOrForbidden
from opennrm.core.models import AuditAction
from opennrm.directory import roles
from opennrm.directory.backends import countries_with_perm, is_signed_in, organisations_with_perm
from opennrm.plans.models import CLOSED_STATUSES, Measure, MeasureStatus, Plan

DUE_SOON_DAYS = 30
NO_BODY = "\u2013"  # the row of the measures that name no lead body


def may_view(actor: Any) -> bool:
    return (
        is_signed_in(actor)
        and bool(getattr(actor, "is_active", False))
        and bool(actor.has_perm(roles.VIEW_PLANS))
    )


def may_manage(actor: Any, country: str) -> bool:
    return may_view(actor) and country in countries_with_perm(actor, roles.MANAGE_PLAN)


def may_update(actor: Any, measure: Measure) -> bool:
    if not may_view(actor):
        return False
    if may_manage(actor, measure.plan.country):
        return True
    return measure.lead_organisation_id is not None and (
        measure.lead_organisation_id in organisations_with_perm(actor, roles.UPDATE_PLAN)
    )


def access_plan(*, actor: Any, code: str) -> Plan:
    plan = Plan.objects.filter(code=code).first() if may_view(actor) else None
    if plan is None:
        raise NotFoundOrForbidden
    return plan


def record_read(actor: Any, obj: Measure | Plan, view: str) -> None:
    """Pages that show progress narratives and comments (encrypted free text) are audited."""
    audit.record(
        action=AuditAction.READ,
        actor=actor,
        object_type="measure" if isinstance(obj, Measure) else "plan",
        object_id=obj.pk,
        detail={"view": view},
    )


def access_measure(*, actor: Any, measure_id: object) -> Measure:
    try:
        pk = int(str(measure_id))
    except ValueError:
        raise NotFoundOrForbidden from None
    if not may_view(actor):
        raise NotFoundOrForbidden
    measure = Measure.objects.select_related("plan", "lead_organisation").filter(pk=pk).first()
    if measure is None:
        raise NotFoundOrForbidden
    return measure


def plans(*, actor: Any) -> list[Plan]:
    return list(Plan.objects.all()) if may_view(actor) else []


@dataclass
class Dashboard:
    plan: Plan
    today: date
    measures: list[Measure]
    by_status: list[tuple[str, str, int]] = field(default_factory=list)  # code, label, count
    by_theme: list[tuple[str, str, Counter[str]]] = field(default_factory=list)
    by_body: list[tuple[str, Counter[str]]] = field(default_factory=list)
    overdue: list[Measure] = field(default_factory=list)
    due_soon: list[Measure] = field(default_factory=list)


def dashboard(
    *, actor: Any, plan: Plan, status: str = "", theme: str = "", body: str = ""
) -> Dashboard:
    """The plan's measures (filtered by status, theme and lead body), with counts by status,
    theme and lead body, and the overdue and due-soon lists (open measures only)."""
    today = clock.now().date()
    queryset: QuerySet[Measure] = plan.measures.select_related("lead_organisation")
    all_rows = list(queryset)
    rows = [
        m
        for m in all_rows
        if (not status or m.status == status)
        and (not theme or m.theme == theme)
        and (not body or m.lead_body == ("" if body == NO_BODY else body))
    ]
    board = Dashboard(plan=plan, today=today, measures=rows)
    counts = Counter(m.status for m in rows)
    board.by_status = [(code, str(label), counts[code]) for code, label in MeasureStatus.choices]
    themes: dict[str, Counter[str]] = {}
    bodies: dict[str, Counter[str]] = {}
    for m in rows:
        themes.setdefault(m.theme, Counter())[m.status] += 1
        bodies.setdefault(m.lead_body or NO_BODY, Counter())[m.status] += 1
    board.by_theme = [(code, plan.theme_name(code), counter) for code, counter in themes.items()]
    board.by_body = sorted(bodies.items(), key=lambda item: -sum(item[1].values()))
    soon = today + timedelta(days=DUE_SOON_DAYS)
    for m in rows:
        if m.due_on is None or m.status in CLOSED_STATUSES:
            continue
        if m.due_on < today:
            board.overdue.append(m)
        elif m.due_on <= soon:
            board.due_soon.append(m)
    board.overdue.sort(key=lambda m: (m.due_on, m.position))
    board.due_soon.sort(key=lambda m: (m.due_on, m.position))
    audit.record(
        action=AuditAction.SEARCH,
        actor=actor,
        object_type="plan",
        object_id=plan.pk,
        detail={"view": "dashboard", "results": len(rows)},
    )
    return board
