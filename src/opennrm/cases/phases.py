"""The case-file phases as a table (DESIGN rule 4): which action leads from which phases to which,
and who may take it. Services look up every transition here; nothing else decides.

::

    opening ──advance──► assistance ──request_closure──► closing ──approve_closure──► closed
       └────────────request_closure─────────────────────►   │                          │
                          ▲ ◄──────────reject_closure────────┘                          │
                          └─────────────────────────reopen──────────────────────────────┘

``transfer`` (another lead organisation or case owner), ``guardian``, ``police_contact``,
``identification``, ``no_guardian_reason`` and ``review_no_guardian`` keep the phase but are
stored as transitions too. Source: the specialised centres manage each file "through the various
phases: opening, progress and end of assistance" (003:L406-L414).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from opennrm.cases.models import Phase as P

LEAD = "lead"  # a member of the lead organisation who may work on the case
COORDINATOR = "coordinator"  # a coordinator of the case's country

OPEN_PHASES = frozenset({P.OPENING, P.ASSISTANCE, P.CLOSING})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the phase does not change
    by: frozenset[str]
    label: object


def _t(
    action: str, sources: set[str] | frozenset[str], target: str | None, label: object, *by: str
) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(by), label)


TRANSITIONS: dict[str, Transition] = {
    item.action: item
    for item in (
        _t("open", set(), P.OPENING, _("Opened"), LEAD),
        _t("advance", {P.OPENING}, P.ASSISTANCE, _("Start assistance"), LEAD, COORDINATOR),
        _t(
            "request_closure",
            {P.OPENING, P.ASSISTANCE},
            P.CLOSING,
            _("Request closure"),
            LEAD,
            COORDINATOR,
        ),
        _t("approve_closure", {P.CLOSING}, P.CLOSED, _("Approve closure"), COORDINATOR),
        _t("reject_closure", {P.CLOSING}, P.ASSISTANCE, _("Reject closure"), COORDINATOR),
        _t("reopen", {P.CLOSED}, P.ASSISTANCE, _("Reopen"), LEAD, COORDINATOR),
        _t("transfer", OPEN_PHASES, None, _("Transferred"), LEAD, COORDINATOR),
        _t("team", OPEN_PHASES, None, _("Guardian and police contact"), LEAD, COORDINATOR),
        _t("identification", OPEN_PHASES, None, _("Identification status"), LEAD, COORDINATOR),
        _t(
            "no_guardian_reason",
            {P.OPENING},
            None,
            _("Reason for no guardian recorded"),
            LEAD,
            COORDINATOR,
        ),
        _t(
            "review_no_guardian",
            {P.OPENING},
            None,
            _("Reason for no guardian reviewed"),
            COORDINATOR,
        ),
    )
}

# The actions offered as buttons on the case page (the others have their own forms).
PHASE_ACTIONS = ("advance", "request_closure", "approve_closure", "reject_closure", "reopen")


class IllegalTransition(Exception):
    """The action is not allowed from the case's current phase."""


def check(action: str, phase: str, parts: set[str]) -> Transition:
    """The transition ``action`` from ``phase`` for an actor playing ``parts``, or raise."""
    step = TRANSITIONS.get(action)
    if step is None or phase not in step.sources:
        raise IllegalTransition(action)
    if not step.by & parts:
        from opennrm.core.errors import PermissionDeniedError

        raise PermissionDeniedError
    return step


# Steps stored in the case's history that are not phase transitions.
OTHER_LABELS = {
    "missing": _("Reported missing"),
    "found": _("Back or found"),
    "situation": _("Situation recorded"),
    "service": _("Service plan changed"),
    "placement": _("Placement recorded"),
    "placement_end": _("Placement ended"),
    "interview": _("Interview recorded"),
    "justice": _("Criminal case: step recorded"),
    "compensation": _("Compensation recorded"),
    "informed": _("Information given to the person"),
    "export": _("Dossier handed over abroad"),
}


def label(action: str) -> str:
    step = TRANSITIONS.get(action)
    if step is not None:
        return str(step.label)
    return str(OTHER_LABELS.get(action, action))
