"""Reads of signals, permission-checked: the one door to a signal (DESIGN rule 2).

Who may see a signal:

* members of the recording organisation with a role that grants ``VIEW_SIGNAL`` (change:
  ``CHANGE_SIGNAL``);
* coordinators (``TRIAGE_SIGNAL``) of an organisation in the signal's country: the coordination
  centre triages every signal of its jurisdiction, public reports included.

Nobody else, whatever their role: analysts and other organisations get ``NotFoundOrForbidden``,
the same answer as for a signal that does not exist. A refused attempt on an existing signal is
audited (``denied``), and so is every read of a signal's protected fields (``read``).
"""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import QuerySet

from opennrm.core import audit
from opennrm.core.errors import NotFoundOrForbidden
from opennrm.core.models import AuditAction
from opennrm.directory import roles
from opennrm.directory.backends import countries_with_perm, is_signed_in, organisations_with_perm
from opennrm.directory.models import Organisation
from opennrm.intake.models import Screening, Signal, SignalLink, TriageStatus

SignalAction = Literal["view", "change", "triage"]
OBJECT_TYPE = "signal"
LIST_LIMIT = 100


def may(actor: Any, signal: Signal, action: SignalAction) -> bool:
    """Whether ``actor`` may ``action`` the signal (no audit: for showing or hiding buttons)."""
    if not is_signed_in(actor):
        return False
    triage = actor.has_perm(roles.TRIAGE_SIGNAL, signal)
    if action == "triage":
        return bool(triage)
    perm = roles.VIEW_SIGNAL if action == "view" else roles.CHANGE_SIGNAL
    return bool(triage or actor.has_perm(perm, signal))


def access_signal(
    *, actor: Any, signal_id: object, action: SignalAction, record_read: bool | None = None
) -> Signal:
    """The signal ``signal_id`` if ``actor`` may ``action`` it; a ``view`` is audited as a read."""
    try:
        pk = int(str(signal_id))
    except ValueError:
        raise NotFoundOrForbidden from None
    if not is_signed_in(actor) or pk <= 0:
        raise NotFoundOrForbidden
    signal = Signal.objects.select_related("organisation", "observer").filter(pk=pk).first()
    if signal is None:
        # Audited like a refusal, so that a missing and a forbidden signal cost the same time.
        audit.record(
            action=AuditAction.DENIED,
            actor=actor,
            object_type=OBJECT_TYPE,
            object_id=pk,
            detail={"action": action},
        )
        raise NotFoundOrForbidden
    if not may(actor, signal, action):
        audit.record_object(
            action=AuditAction.DENIED, actor=actor, obj=signal, detail={"action": action}
        )
        raise NotFoundOrForbidden
    if record_read if record_read is not None else action == "view":
        audit.record_object(action=AuditAction.READ, actor=actor, obj=signal)
    return signal


def _visible(actor: Any) -> QuerySet[Signal]:
    organisations = organisations_with_perm(actor, roles.VIEW_SIGNAL)
    return Signal.objects.filter(organisation_id__in=organisations)


def signals_of_my_organisations(*, actor: Any, limit: int = LIST_LIMIT) -> list[Signal]:
    """The newest signals recorded by the actor's organisations (no protected fields are shown
    in lists; the list is audited with the ids it showed)."""
    if not is_signed_in(actor):
        return []
    signals = list(
        _visible(actor).select_related("organisation").order_by("-recorded_at", "-pk")[:limit]
    )
    _audit_list(actor, "list", signals)
    return signals


def triage_countries(actor: Any) -> set[str]:
    return countries_with_perm(actor, roles.TRIAGE_SIGNAL) if is_signed_in(actor) else set()


def triage_queue(*, actor: Any, limit: int = LIST_LIMIT) -> list[Signal]:
    """New signals and public reports of the actor's jurisdictions: acute first, then oldest."""
    countries = triage_countries(actor)
    if not countries:
        return []
    signals = list(
        Signal.objects.filter(jurisdiction__in=countries, triage_status=TriageStatus.NEW)
        .select_related("organisation")
        .order_by("-acute", "recorded_at", "pk")[:limit]
    )
    _audit_list(actor, "triage_queue", signals)
    return signals


def linked_signals(*, actor: Any, signal: Signal) -> list[tuple[str, Signal, bool]]:
    """(kind, other signal, whether the actor may open it) of every link of an opened signal.
    Only the reference of a signal the actor may not open is shown: it is not personal data."""
    links = SignalLink.objects.filter(from_signal=signal) | SignalLink.objects.filter(
        to_signal=signal
    )
    pairs = [
        (kind, to_id if from_id == signal.pk else from_id)
        for kind, from_id, to_id in links.order_by("pk").values_list(
            "kind", "from_signal_id", "to_signal_id"
        )
    ]
    # Only what the page shows and the permission check needs: no protected field is loaded
    # (and so none decrypted) for a signal the actor may not open.
    others = Signal.objects.only("pk", "reference", "organisation_id", "jurisdiction").in_bulk(
        [other_id for _kind, other_id in pairs]
    )
    return [
        (kind, others[other_id], may(actor, others[other_id], "view")) for kind, other_id in pairs
    ]


def screenings_of(signal: Signal) -> list[Screening]:
    """The screenings of a signal already opened through ``access_signal``."""
    return list(Screening.objects.filter(signal=signal).select_related("catalogue", "performed_by"))


def organisations_for_new_signals(*, actor: Any) -> list[Organisation]:
    if not is_signed_in(actor):
        return []
    ids = organisations_with_perm(actor, roles.ADD_SIGNAL)
    return list(Organisation.objects.filter(pk__in=ids, is_active=True).order_by("name"))


def _audit_list(actor: Any, view: str, signals: list[Signal]) -> None:
    audit.record(
        action=AuditAction.SEARCH,
        actor=actor,
        object_type=OBJECT_TYPE,
        detail={"view": view, "results": len(signals), "ids": [signal.pk for signal in signals]},
    )
