"""The referral state machine as a table (DESIGN rule 4): which action leads from which states to
which, and who may take it. Services look up every transition here; nothing else decides.

::

    draft ──send──► sent ──accept──► accepted ──complete──► completed
                     │  └──decline──► declined
                     └─(escalate, take: stay sent)
    draft | sent | accepted ──revoke──► revoked

``escalate`` (the job), ``take`` (a coordinator takes over responsibility) and ``review`` (a
coordinator reviews an override of consent) keep the state but are stored as transitions too.
"""

from __future__ import annotations

from dataclasses import dataclass

from opennrm.referrals.models import ReferralState as S

SENDER = "sender"  # a member of the sending organisation with the right to refer
RECIPIENT = "recipient"  # a member of the receiving organisation with the right to respond
COORDINATOR = "coordinator"  # a coordinator of the referral's country (coordination centre)
SYSTEM = "system"  # the escalation job


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the state does not change
    by: frozenset[str]


def _t(action: str, sources: set[str], target: str | None, *by: str) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(by))


TRANSITIONS: dict[str, Transition] = {
    item.action: item
    for item in (
        _t("send", {S.DRAFT}, S.SENT, SENDER),
        _t("accept", {S.SENT}, S.ACCEPTED, RECIPIENT),
        _t("decline", {S.SENT}, S.DECLINED, RECIPIENT),
        _t("complete", {S.ACCEPTED}, S.COMPLETED, RECIPIENT),
        _t("revoke", {S.DRAFT, S.SENT, S.ACCEPTED}, S.REVOKED, SENDER, COORDINATOR),
        _t("escalate", {S.SENT}, None, SYSTEM),
        _t("take", {S.SENT, S.ACCEPTED}, None, COORDINATOR),
        _t(
            "review",
            {S.DRAFT, S.SENT, S.ACCEPTED, S.DECLINED, S.COMPLETED, S.REVOKED},
            None,
            COORDINATOR,
        ),
    )
}


class IllegalTransition(Exception):
    """The action is not allowed from the referral's current state."""

    def __init__(self, action: str, state: str) -> None:
        super().__init__(f"cannot {action} a referral that is {state}")
        self.action = action
        self.state = state


def transition(action: str, state: str) -> Transition:
    """The transition ``action`` from ``state``, or ``IllegalTransition``."""
    found = TRANSITIONS.get(action)
    if found is None or state not in found.sources:
        raise IllegalTransition(action, state)
    return found


def actions_from(state: str) -> list[str]:
    return [action for action, item in TRANSITIONS.items() if state in item.sources]
