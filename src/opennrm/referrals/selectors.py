"""Reads of referrals, permission-checked: the one door to a referral (DESIGN rule 2).

Who may see a referral:

* members of the sending organisation with a role granting ``VIEW_REFERRAL``;
* members of the receiving organisation with that role, once it has been sent (a draft, even
  one revoked before it was sent, is the sender's alone);
* members of the organisation responsible for it (the coordination centre after an escalation);
* coordinators of the referral's country (``MANAGE_REFERRAL``, held at its coordination centre).

A missing referral and a forbidden one give the same answer (``NotFoundOrForbidden``); both are
audited (``denied``), and so is every opening of a referral (``read``) and every list shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from statistics import median
from typing import Any, Literal

from django.db.models import Count, Q, QuerySet

from opennrm.core import audit, clock
from opennrm.core.errors import NotFoundOrForbidden
from opennrm.core.models import AuditAction
from opennrm.directory import roles
from opennrm.directory.backends import countries_with_perm, is_signed_in, organisations_with_perm
from opennrm.directory.models import Organisation
from opennrm.referrals import lifecycle
from opennrm.referrals.models import Referral, ReferralState, ReviewStatus
from opennrm.referrals.sharing import RECIPIENT_SEES_SHARED

ReferralAction = Literal["view", "send", "respond", "manage"]
OBJECT_TYPE = "referral"
LIST_LIMIT = 200


def _orgs(actor: Any, perm: str) -> set[int]:
    return organisations_with_perm(actor, perm) if is_signed_in(actor) else set()


def is_coordinator(actor: Any, referral: Referral) -> bool:
    return is_signed_in(actor) and bool(actor.has_perm(roles.MANAGE_REFERRAL, referral))


def roles_of(actor: Any, referral: Referral) -> set[str]:
    """The parts (``lifecycle.SENDER`` …) the actor may play on this referral."""
    found: set[str] = set()
    if not is_signed_in(actor):
        return found
    if referral.sender_organisation_id in _orgs(actor, roles.SEND_REFERRAL):
        found.add(lifecycle.SENDER)
    if referral.sent_at is not None and referral.recipient_organisation_id in _orgs(
        actor, roles.RESPOND_REFERRAL
    ):
        found.add(lifecycle.RECIPIENT)
    if is_coordinator(actor, referral):
        found.add(lifecycle.COORDINATOR)
    return found


def may_view(actor: Any, referral: Referral) -> bool:
    if not is_signed_in(actor):
        return False
    mine = _orgs(actor, roles.VIEW_REFERRAL)
    involved = {referral.sender_organisation_id, referral.responsible_organisation_id}
    if referral.sent_at is not None:  # a draft (even one revoked unsent) is the sender's alone
        involved.add(referral.recipient_organisation_id)
    return bool(mine & involved) or is_coordinator(actor, referral)


def allowed_actions(actor: Any, referral: Referral) -> list[str]:
    """The lifecycle actions this actor may take now (for showing buttons; services re-check)."""
    parts = roles_of(actor, referral)
    return [
        action
        for action in lifecycle.actions_from(referral.state)
        if lifecycle.TRANSITIONS[action].by & parts
        and not (action == "review" and referral.review_status != ReviewStatus.PENDING)
    ]


def sees_shared(actor: Any, referral: Referral) -> bool:
    """Whether the actor sees the shared categories: the sender's side and coordinators always
    (it is their signal, or their country's); the recipient only once it accepted."""
    if not is_signed_in(actor):
        return False
    if referral.sender_organisation_id in _orgs(actor, roles.VIEW_REFERRAL) or is_coordinator(
        actor, referral
    ):
        return True
    return referral.state in RECIPIENT_SEES_SHARED and referral.recipient_organisation_id in _orgs(
        actor, roles.VIEW_REFERRAL
    )


def access_referral(*, actor: Any, referral_id: object, record_read: bool = True) -> Referral:
    """The referral ``referral_id`` if ``actor`` may see it; opening it is audited."""
    try:
        pk = int(str(referral_id))
    except ValueError:
        raise NotFoundOrForbidden from None
    if not is_signed_in(actor) or pk <= 0:
        raise NotFoundOrForbidden
    referral = (
        Referral.objects.select_related(
            "signal",
            "sender_organisation",
            "recipient_organisation",
            "responsible_organisation",
            "sender",
            "responsible_user",
            "suggested_next",
        )
        .filter(pk=pk)
        .first()
    )
    if referral is None or not may_view(actor, referral):
        audit.record(
            action=AuditAction.DENIED,
            actor=actor,
            organisation_id=referral.sender_organisation_id if referral else None,
            object_type=OBJECT_TYPE,
            object_id=pk,
            detail={"action": "view"},
        )
        raise NotFoundOrForbidden
    if record_read:
        audit.record(
            action=AuditAction.READ,
            actor=actor,
            organisation_id=referral.sender_organisation_id,
            object_type=OBJECT_TYPE,
            object_id=referral.pk,
        )
    return referral


def _list(actor: Any, view: str, referrals: list[Referral]) -> list[Referral]:
    audit.record(
        action=AuditAction.SEARCH,
        actor=actor,
        object_type=OBJECT_TYPE,
        detail={"view": view, "results": len(referrals), "ids": [item.pk for item in referrals]},
    )
    return referrals


def _related(queryset: QuerySet[Referral]) -> QuerySet[Referral]:
    return queryset.select_related(
        "signal", "sender_organisation", "recipient_organisation", "responsible_organisation"
    )


def sent_by_my_organisations(*, actor: Any, limit: int = LIST_LIMIT) -> list[Referral]:
    """Referrals the actor's organisations made, newest first."""
    mine = _orgs(actor, roles.VIEW_REFERRAL)
    if not mine:
        return []
    rows = list(
        _related(Referral.objects.filter(sender_organisation_id__in=mine)).order_by(
            "-created_at", "-pk"
        )[:limit]
    )
    return _list(actor, "sent", rows)


def received_by_my_organisations(*, actor: Any, limit: int = LIST_LIMIT) -> list[Referral]:
    """Referrals sent to the actor's organisations (or now their responsibility): waiting ones
    first, the nearest deadline first."""
    mine = _orgs(actor, roles.VIEW_REFERRAL)
    if not mine:
        return []
    rows = list(
        _related(
            Referral.objects.filter(sent_at__isnull=False).filter(
                Q(recipient_organisation_id__in=mine)
                | Q(responsible_organisation_id__in=mine) & ~Q(sender_organisation_id__in=mine)
            )
        ).order_by("accepted_at", "accept_by", "-created_at", "-pk")[:limit]
    )
    rows.sort(key=lambda item: item.state != ReferralState.SENT)
    return _list(actor, "received", rows)


def referrals_of_signal(*, actor: Any, signal_id: int) -> list[Referral]:
    """The referrals of a signal the actor already opened (shown on the signal's page)."""
    rows = [
        item
        for item in _related(Referral.objects.filter(signal_id=signal_id)).order_by("created_at")
        if may_view(actor, item)
    ]
    return rows


def transitions_of(referral: Referral) -> list[Any]:
    return list(referral.transitions.select_related("actor", "organisation"))


# --- the coordinator's dashboard ------------------------------------------------------------------


@dataclass(frozen=True)
class RecipientTimes:
    organisation: Organisation
    accepted: int
    median_hours: float
    slowest_hours: float


@dataclass(frozen=True)
class Dashboard:
    countries: list[str]
    by_state: dict[str, int]
    waiting: list[Referral]  # sent, not yet accepted: overdue first, then by deadline
    overdue: int
    to_review: list[Referral]
    times: list[RecipientTimes]
    period_days: int


def dashboard(*, actor: Any, period_days: int = 90, limit: int = LIST_LIMIT) -> Dashboard | None:
    """Referrals of the coordinator's countries by status and age; None for non-coordinators."""
    countries = (
        sorted(countries_with_perm(actor, roles.MANAGE_REFERRAL)) if is_signed_in(actor) else []
    )
    if not countries:
        return None
    now = clock.now()
    mine = Referral.objects.filter(jurisdiction__in=countries)
    by_state = {
        row["state"]: row["n"] for row in mine.values("state").annotate(n=Count("pk")).order_by()
    }
    waiting_qs = _related(mine.filter(state=ReferralState.SENT))
    waiting = list(waiting_qs.order_by("accept_by", "pk")[:limit])
    overdue = waiting_qs.filter(accept_by__lte=now).count()
    to_review = list(
        _related(mine.filter(review_status=ReviewStatus.PENDING)).order_by("created_at")[:limit]
    )
    since = now - timedelta(days=period_days)
    accepted = mine.filter(accepted_at__gte=since, sent_at__isnull=False).values_list(
        "recipient_organisation_id", "sent_at", "accepted_at"
    )
    hours: dict[int, list[float]] = {}
    for organisation_id, sent_at, accepted_at in accepted:
        if sent_at is None or accepted_at is None:
            continue
        hours.setdefault(organisation_id, []).append((accepted_at - sent_at).total_seconds() / 3600)
    organisations = Organisation.objects.in_bulk(list(hours))
    times = sorted(
        (
            RecipientTimes(
                organisations[org_id], len(values), round(median(values), 1), round(max(values), 1)
            )
            for org_id, values in hours.items()
        ),
        key=lambda item: (-item.median_hours, item.organisation.name),
    )
    _list(actor, "dashboard", [*waiting, *to_review])
    return Dashboard(countries, by_state, waiting, overdue, to_review, times, period_days)


class SignalReferrals:
    """The ``intake.ports.ReferralPort``: the signal's page lists its referrals and offers
    "Refer" to those who may."""

    def may_refer(self, *, actor: Any, signal: Any) -> bool:
        return is_signed_in(actor) and (
            signal.organisation_id in _orgs(actor, roles.SEND_REFERRAL)
            or bool(actor.has_perm(roles.MANAGE_REFERRAL, signal))
        )

    def of_signal(self, *, actor: Any, signal: Any) -> list[Any]:
        return referrals_of_signal(actor=actor, signal_id=signal.pk)
