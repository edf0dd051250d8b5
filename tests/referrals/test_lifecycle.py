"""The referral lifecycle through its services: the state machine, who may take which step, who is
responsible, consent and its override, concurrent edits, transitions and audit, declines and the
next suggested recipient, the acceptance deadline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from opennrm.core import clock
from opennrm.core.errors import (
    ConcurrentEditError,
    InvalidInput,
    NotFoundOrForbidden,
    PermissionDeniedError,
)
from opennrm.core.models import AuditEvent
from opennrm.directory.models import Membership, Notification, Organisation, User
from opennrm.intake import selectors as intake_selectors
from opennrm.intake.models import Signal
from opennrm.referrals import lifecycle, selectors, services
from opennrm.referrals.models import Referral, ReferralTransition
from tests.referrals.helpers import (
    CARE_RULE,
    DESCRIPTION,
    NOTE,
    VT_RULE,
    at,
    consent,
    fresh,
    override,
    record_signal,
    refer,
)

DECLINE_NOTE = "We spoke to Zoë's mother Ingrid yesterday and she refuses help"


@pytest.fixture
def signal(world: None, teacher: User, school: Organisation) -> Signal:
    return record_signal(teacher, school)


def act(action: str, actor: User, referral: Referral, version: int | None = None) -> Referral:
    """Take ``action`` as ``actor`` on the referral as it is now (or at ``version``)."""
    common: dict[str, Any] = {
        "actor": actor,
        "referral_id": referral.pk,
        "expected_version": fresh(referral).version if version is None else version,
    }
    if action == "send":
        return services.referral_send(**common)
    if action == "accept":
        return services.referral_accept(**common)
    if action == "decline":
        return services.referral_decline(**common, reason="no_capacity", note=DECLINE_NOTE)
    if action == "complete":
        return services.referral_complete(**common)
    if action == "revoke":
        return services.referral_revoke(**common, reason="sent_in_error")
    if action == "take":
        return services.referral_take(**common)
    if action == "review":
        return services.referral_review(**common, outcome="upheld")
    raise AssertionError(action)


def in_state(
    state: str, teacher: User, vera: User, signal: Signal, recipient: Organisation
) -> Referral:
    referral = refer(teacher, signal, recipient, rule=VT_RULE, send=state != "draft")
    if state in ("accepted", "completed"):
        act("accept", vera, referral)
    if state == "completed":
        act("complete", vera, referral)
    if state == "declined":
        act("decline", vera, referral)
    if state == "revoked":
        act("revoke", teacher, referral)
    referral = fresh(referral)
    assert referral.state == state
    return referral


def snapshot(referral: Referral) -> tuple[Any, ...]:
    row = fresh(referral)
    return (
        row.state,
        row.version,
        row.responsible_organisation_id,
        row.responsible_user_id,
        row.accept_by,
        row.accepted_at,
        row.closed_at,
        row.review_status,
        row.decline_reason,
        row.transitions.count(),
        Notification.objects.count(),
    )


def kinds(user: User) -> list[str]:
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def steps(referral: Referral) -> list[tuple[str, str, str, int | None, int | None]]:
    return [
        (row.action, row.from_state, row.to_state, row.actor_id, row.organisation_id)
        for row in ReferralTransition.objects.filter(referral=referral).order_by("pk")
    ]


def audited(referral: Referral) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type="referral", object_id=str(referral.pk), action__in=["create", "update"]
        ).order_by("seq")
    )


# --- the state machine --------------------------------------------------------------------------


def test_draft_send_accept_complete_each_stored_as_a_transition_and_audited(
    signal: Signal, teacher: User, vera: User, school: Organisation, veilig_thuis: Organisation
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE)
    assert (referral.state, referral.version) == ("draft", 1)
    assert referral.sent_at is None and referral.accept_by is None
    assert (referral.rule_id, referral.function, referral.urgency) == (
        VT_RULE,
        "veilig-thuis",
        "normal",
    )
    assert referral.rule_source == "004:L85-L91" and referral.reference.startswith("R-")

    sent = act("send", teacher, referral)
    assert (sent.state, sent.version) == ("sent", 2)
    assert sent.sent_at is not None and sent.accept_by is not None and sent.accept_by > sent.sent_at

    accepted = act("accept", vera, referral)
    assert (accepted.state, accepted.version) == ("accepted", 3)
    assert accepted.accepted_at is not None and accepted.accept_by is None

    completed = act("complete", vera, referral)
    assert (completed.state, completed.version) == ("completed", 4)
    assert completed.closed_at is not None

    assert steps(referral) == [
        ("create", "", "draft", teacher.pk, school.pk),
        ("send", "draft", "sent", teacher.pk, school.pk),
        ("accept", "sent", "accepted", vera.pk, veilig_thuis.pk),
        ("complete", "accepted", "completed", vera.pk, veilig_thuis.pk),
    ]
    events = audited(referral)
    assert [
        (e.action, e.detail["transition"], e.detail["from"], e.detail["to"]) for e in events
    ] == [
        ("create", "create", "", "draft"),
        ("update", "send", "draft", "sent"),
        ("update", "accept", "sent", "accepted"),
        ("update", "complete", "accepted", "completed"),
    ]
    assert [e.actor_id for e in events] == [teacher.pk, teacher.pk, vera.pk, vera.pk]
    assert all(e.organisation_id == school.pk for e in events)
    assert events[0].detail["shared"] == ["description", "place"]
    assert events[0].detail["basis"] == "consent"


def test_send_at_once_creates_and_sends_in_one_call(
    signal: Signal, teacher: User, veilig_thuis: Organisation
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True)
    assert fresh(referral).state == "sent"
    assert [step[0] for step in steps(referral)] == ["create", "send"]


def test_decline_stores_the_reason_and_returns_the_referral_to_the_sender(
    signal: Signal,
    teacher: User,
    vera: User,
    veilig_thuis: Organisation,
    municipality: Organisation,
    school: Organisation,
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True)
    declined = act("decline", vera, referral)
    row = fresh(declined)
    assert row.state == "declined"
    assert (row.decline_reason, row.decline_note) == ("no_capacity", DECLINE_NOTE)
    assert row.closed_at is not None and row.accept_by is None
    assert (row.responsible_organisation, row.responsible_user) == (school, teacher)
    # The care coordinator is the routing's other recipient, not yet tried.
    assert row.suggested_next == municipality
    last = ReferralTransition.objects.filter(referral=referral).last()
    assert last is not None and (last.action, last.reason) == ("decline", "no_capacity")
    event = audited(referral)[-1]
    assert event.detail["reason"] == "no_capacity"
    assert event.detail["suggested_next"] == municipality.pk
    assert "referral_declined" in kinds(teacher)


def test_a_decline_needs_a_known_reason_and_changes_nothing_without_one(
    signal: Signal, teacher: User, vera: User, veilig_thuis: Organisation
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True)
    before = snapshot(referral)
    reasons: list[Any] = ["", "bored", None]
    for reason in reasons:
        with pytest.raises(InvalidInput) as refused:
            services.referral_decline(
                actor=vera, referral_id=referral.pk, expected_version=2, reason=reason
            )
        assert "reason" in refused.value.errors
    assert snapshot(referral) == before


def test_after_every_proposed_recipient_the_coordination_centre_is_suggested(
    signal: Signal,
    teacher: User,
    vera: User,
    mira: User,
    veilig_thuis: Organisation,
    municipality: Organisation,
    centre: Organisation,
) -> None:
    first = refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True)
    assert act("decline", vera, first).suggested_next == municipality
    second = refer(teacher, signal, municipality, rule=CARE_RULE, send=True)
    assert act("decline", mira, second).suggested_next == centre


def test_a_referral_to_every_proposed_recipient_at_once_suggests_the_centre(
    signal: Signal,
    teacher: User,
    vera: User,
    veilig_thuis: Organisation,
    municipality: Organisation,
    centre: Organisation,
) -> None:
    to_vt = refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True)
    refer(teacher, signal, municipality, rule=CARE_RULE, send=True)
    assert act("decline", vera, to_vt).suggested_next == centre


def test_a_referral_sent_by_the_centre_never_suggests_the_centre_itself(
    signal: Signal,
    cora: User,
    vera: User,
    veilig_thuis: Organisation,
    municipality: Organisation,
    centre: Organisation,
) -> None:
    """The sender cannot refer to itself: suggesting it would offer a recipient it cannot pick."""
    to_vt = refer(cora, signal, veilig_thuis, rule=VT_RULE, send=True)
    refer(cora, signal, municipality, rule=CARE_RULE, send=True)
    assert to_vt.sender_organisation == centre
    declined = act("decline", vera, to_vt)
    assert declined.suggested_next != declined.sender_organisation
    assert declined.suggested_next is None


@pytest.mark.parametrize(
    ("state", "actor"),
    [("draft", "teacher"), ("sent", "teacher"), ("accepted", "cora"), ("sent", "cora")],
)
def test_revoke_from_every_open_state(
    request: pytest.FixtureRequest,
    signal: Signal,
    teacher: User,
    vera: User,
    veilig_thuis: Organisation,
    school: Organisation,
    state: str,
    actor: str,
) -> None:
    referral = in_state(state, teacher, vera, signal, veilig_thuis)
    revoked = act("revoke", request.getfixturevalue(actor), referral)
    row = fresh(revoked)
    assert row.state == "revoked" and row.closed_at is not None and row.accept_by is None
    assert (row.responsible_organisation, row.responsible_user) == (school, teacher)
    last = ReferralTransition.objects.filter(referral=referral).last()
    assert last is not None
    assert (last.action, last.from_state, last.to_state, last.reason) == (
        "revoke",
        state,
        "revoked",
        "sent_in_error",
    )


def test_revoking_a_sent_referral_tells_the_recipient_and_a_draft_tells_nobody(
    signal: Signal,
    teacher: User,
    vera: User,
    vince: User,
    veilig_thuis: Organisation,
    municipality: Organisation,
) -> None:
    sent = refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True)
    act("revoke", teacher, sent)
    assert kinds(vera) == kinds(vince) == ["referral_received", "referral_revoked"]
    assert "referral_revoked" not in kinds(teacher)  # she did it herself
    before = Notification.objects.count()
    draft = refer(teacher, signal, municipality, rule=CARE_RULE)
    act("revoke", teacher, draft)
    assert Notification.objects.count() == before


def test_a_coordinator_revoking_tells_the_sender_and_the_recipient(
    signal: Signal, teacher: User, vera: User, cora: User, veilig_thuis: Organisation
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True)
    act("revoke", cora, referral)
    assert kinds(teacher) == ["referral_revoked"]
    assert "referral_revoked" in kinds(vera)


def test_a_coordinator_takes_over_responsibility_without_changing_the_state(
    signal: Signal,
    teacher: User,
    cora: User,
    veilig_thuis: Organisation,
    centre: Organisation,
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True)
    taken = act("take", cora, referral)
    row = fresh(taken)
    assert row.state == "sent" and row.version == 3
    assert (row.responsible_organisation, row.responsible_user) == (centre, cora)
    assert steps(referral)[-1] == ("take", "sent", "sent", cora.pk, centre.pk)


ILLEGAL = [
    # (state, actor, action)
    ("draft", "cora", "accept"),
    ("draft", "cora", "take"),
    ("sent", "vera", "complete"),
    ("sent", "teacher", "send"),
    ("accepted", "vera", "accept"),
    ("accepted", "vera", "decline"),
    ("accepted", "teacher", "send"),
    ("declined", "vera", "accept"),
    ("declined", "teacher", "revoke"),
    ("declined", "teacher", "send"),
    ("completed", "vera", "complete"),
    ("completed", "vera", "decline"),
    ("completed", "teacher", "revoke"),
    ("completed", "cora", "take"),
    ("revoked", "vera", "accept"),
    ("revoked", "teacher", "revoke"),
    ("revoked", "teacher", "send"),
]


@pytest.mark.parametrize(("state", "actor", "action"), ILLEGAL)
def test_an_illegal_transition_is_refused_and_changes_nothing(
    request: pytest.FixtureRequest,
    signal: Signal,
    teacher: User,
    vera: User,
    veilig_thuis: Organisation,
    state: str,
    actor: str,
    action: str,
) -> None:
    referral = in_state(state, teacher, vera, signal, veilig_thuis)
    before = snapshot(referral)
    with pytest.raises(lifecycle.IllegalTransition) as refused:
        act(action, request.getfixturevalue(actor), referral)
    assert (refused.value.action, refused.value.state) == (action, state)
    assert snapshot(referral) == before


def test_the_table_lists_what_may_follow_each_state() -> None:
    assert set(lifecycle.actions_from("draft")) == {"send", "revoke", "review"}
    assert set(lifecycle.actions_from("sent")) == {
        "accept",
        "decline",
        "revoke",
        "escalate",
        "take",
        "review",
    }
    assert set(lifecycle.actions_from("accepted")) == {"complete", "revoke", "take", "review"}
    for closed in ("declined", "completed", "revoked"):
        assert set(lifecycle.actions_from(closed)) == {"review"}
    with pytest.raises(lifecycle.IllegalTransition):
        lifecycle.transition("accept", "draft")
    with pytest.raises(lifecycle.IllegalTransition):
        lifecycle.transition("teleport", "sent")


# --- who may do what ----------------------------------------------------------------------------


def test_the_sender_cannot_answer_her_own_referral(
    signal: Signal, teacher: User, theo: User, vera: User, veilig_thuis: Organisation
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True)
    before = snapshot(referral)
    for actor in (teacher, theo):
        for action in ("accept", "decline"):
            with pytest.raises(PermissionDeniedError):
                act(action, actor, referral)
    assert snapshot(referral) == before
    act("accept", vera, referral)
    with pytest.raises(PermissionDeniedError):
        act("complete", teacher, referral)


def test_the_recipient_cannot_revoke_take_or_review(
    signal: Signal, teacher: User, vera: User, veilig_thuis: Organisation
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, basis=override(), send=True)
    before = snapshot(referral)
    for action in ("revoke", "take", "review"):
        with pytest.raises(PermissionDeniedError):
            act(action, vera, referral)
    assert snapshot(referral) == before


def test_the_recipient_does_not_see_a_draft_so_cannot_act_on_it(
    signal: Signal, teacher: User, vera: User, veilig_thuis: Organisation
) -> None:
    draft = refer(teacher, signal, veilig_thuis, rule=VT_RULE)
    before = snapshot(draft)
    for action in ("accept", "send", "decline", "revoke"):
        with pytest.raises(NotFoundOrForbidden):
            act(action, vera, draft)
    assert snapshot(draft) == before


@pytest.mark.parametrize("outsider", ["otto", "dave", "mira", "carol", "bram"])
@pytest.mark.parametrize("action", ["accept", "decline", "revoke", "take", "review", "send"])
def test_other_organisations_get_not_found_whatever_they_try(
    request: pytest.FixtureRequest,
    signal: Signal,
    teacher: User,
    veilig_thuis: Organisation,
    outsider: str,
    action: str,
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, basis=override(), send=True)
    before = snapshot(referral)
    with pytest.raises(NotFoundOrForbidden):
        act(action, request.getfixturevalue(outsider), referral)
    assert snapshot(referral) == before


def test_colleagues_act_for_their_organisation(
    signal: Signal,
    teacher: User,
    theo: User,
    vince: User,
    veilig_thuis: Organisation,
    municipality: Organisation,
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True)
    accepted = act("accept", vince, referral)
    assert accepted.responsible_user == vince
    other = refer(teacher, signal, municipality, rule=CARE_RULE, send=True)
    assert act("revoke", theo, other).state == "revoked"


def test_a_coordinator_may_revoke_and_take_but_not_answer(
    signal: Signal, teacher: User, cora: User, veilig_thuis: Organisation
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True)
    for action in ("accept", "decline"):
        with pytest.raises(PermissionDeniedError):
            act(action, cora, referral)
    assert act("take", cora, referral).responsible_user == cora
    assert act("revoke", cora, referral).state == "revoked"


def test_the_buttons_offered_match_the_actors_part(
    signal: Signal,
    teacher: User,
    vera: User,
    cora: User,
    otto: User,
    veilig_thuis: Organisation,
    municipality: Organisation,
) -> None:
    referral = fresh(refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True))
    assert selectors.allowed_actions(teacher, referral) == ["revoke"]
    assert selectors.allowed_actions(vera, referral) == ["accept", "decline"]
    assert selectors.allowed_actions(cora, referral) == ["revoke", "take"]
    assert selectors.allowed_actions(otto, referral) == []
    flagged = fresh(refer(teacher, signal, municipality, rule=CARE_RULE, basis=override()))
    assert "review" in selectors.allowed_actions(cora, flagged)
    assert "review" not in selectors.allowed_actions(teacher, flagged)


@pytest.mark.parametrize(
    ("actor", "action", "error"),
    [
        ("teacher", "accept", PermissionDeniedError),
        ("vera", "revoke", PermissionDeniedError),
        ("otto", "accept", NotFoundOrForbidden),
    ],
)
def test_a_refused_step_is_audited_as_denied(
    request: pytest.FixtureRequest,
    signal: Signal,
    teacher: User,
    vera: User,
    veilig_thuis: Organisation,
    actor: str,
    action: str,
    error: type[Exception],
) -> None:
    """DESIGN rule 2: a refused attempt on an existing object is audited (``denied``)."""
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True)
    user = request.getfixturevalue(actor)
    with pytest.raises(error):
        act(action, user, referral)
    assert AuditEvent.objects.filter(
        action="denied", object_type="referral", object_id=str(referral.pk), actor_id=user.pk
    ).exists()


def test_only_the_signals_organisation_or_a_coordinator_may_refer_it(
    signal: Signal,
    otto: User,
    dave: User,
    vera: User,
    cora: User,
    veilig_thuis: Organisation,
    centre: Organisation,
) -> None:
    for outsider in (otto, dave, vera):
        with pytest.raises(NotFoundOrForbidden):
            refer(outsider, signal, veilig_thuis, rule=VT_RULE)
    assert not Referral.objects.exists()
    referral = refer(cora, signal, veilig_thuis, rule=VT_RULE)
    assert referral.sender_organisation == centre
    assert (referral.responsible_organisation, referral.responsible_user) == (centre, cora)


# --- responsibility -----------------------------------------------------------------------------


def _responsible(referral: Referral) -> tuple[Organisation, User]:
    row = fresh(referral)
    org, user = row.responsible_organisation, row.responsible_user
    assert org is not None and user is not None
    assert Membership.objects.filter(organisation=org, user=user, is_active=True).exists(), (
        f"{user} is not a member of {org}"
    )
    return org, user


def test_one_organisation_and_one_named_person_are_responsible_at_every_step(
    signal: Signal,
    teacher: User,
    vera: User,
    mira: User,
    cora: User,
    school: Organisation,
    veilig_thuis: Organisation,
    municipality: Organisation,
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE)
    assert _responsible(referral) == (school, teacher)
    act("send", teacher, referral)
    assert _responsible(referral) == (school, teacher)
    act("accept", vera, referral)
    assert _responsible(referral) == (veilig_thuis, vera)
    act("complete", vera, referral)
    assert _responsible(referral) == (veilig_thuis, vera)

    other = refer(teacher, signal, municipality, rule=CARE_RULE, send=True)
    assert _responsible(other) == (school, teacher)
    act("decline", mira, other)
    assert _responsible(other) == (school, teacher)


def test_revoking_an_accepted_referral_gives_responsibility_back_to_the_sender(
    signal: Signal,
    teacher: User,
    vera: User,
    cora: User,
    school: Organisation,
    veilig_thuis: Organisation,
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True)
    act("accept", vera, referral)
    act("revoke", cora, referral)
    assert _responsible(referral) == (school, teacher)


# --- consent and its override ---------------------------------------------------------------------


def _refused(
    teacher: User, signal: Signal, recipient: Organisation, basis: dict[str, Any]
) -> dict[str, list[str]]:
    with pytest.raises(InvalidInput) as refused:
        refer(teacher, signal, recipient, rule=VT_RULE, basis=basis)
    assert not Referral.objects.exists()
    return refused.value.errors


def test_a_referral_needs_consent_or_a_legal_ground(
    signal: Signal, teacher: User, veilig_thuis: Organisation
) -> None:
    assert "basis" in _refused(teacher, signal, veilig_thuis, {})
    assert "basis" in _refused(teacher, signal, veilig_thuis, {"basis": "asked-nobody"})


def test_consent_records_when_and_in_which_language(
    signal: Signal, teacher: User, veilig_thuis: Organisation
) -> None:
    errors = _refused(teacher, signal, veilig_thuis, {"basis": "consent"})
    assert {"given_at", "language"} <= set(errors)
    errors = _refused(
        teacher, signal, veilig_thuis, consent(language="klingon", given_at="yesterday")
    )
    assert {"given_at", "language"} <= set(errors)


def test_consent_cannot_be_given_in_the_future(
    signal: Signal, teacher: User, veilig_thuis: Organisation
) -> None:
    tomorrow = clock.now() + timedelta(days=1)
    assert "given_at" in _refused(teacher, signal, veilig_thuis, consent(given_at=tomorrow))
    later = (clock.now() + timedelta(hours=2)).isoformat()
    assert "given_at" in _refused(teacher, signal, veilig_thuis, consent(given_at=later))


def test_consent_is_stored_with_who_explained_it(
    signal: Signal,
    teacher: User,
    theo: User,
    vera: User,
    veilig_thuis: Organisation,
    municipality: Organisation,
) -> None:
    given = clock.now() - timedelta(hours=3)
    referral = fresh(
        refer(teacher, signal, veilig_thuis, rule=VT_RULE, basis=consent(given_at=given))
    )
    assert (referral.consent_basis, referral.consent_language) == ("consent", "nl")
    assert referral.consent_given_at == given
    assert referral.consent_explained_by == teacher and referral.review_status == ""
    for outsider in (vera.pk, "someone"):  # not a colleague of the school
        with pytest.raises(InvalidInput) as refused:
            refer(
                teacher, signal, municipality, rule=CARE_RULE, basis=consent(explained_by=outsider)
            )
        assert "explained_by" in refused.value.errors
    assert Referral.objects.count() == 1
    by_theo = refer(
        teacher, signal, municipality, rule=CARE_RULE, basis=consent(explained_by=theo.pk)
    )
    assert by_theo.consent_explained_by == theo


def test_an_override_needs_a_ground_and_an_explanation(
    signal: Signal, teacher: User, veilig_thuis: Organisation
) -> None:
    errors = _refused(teacher, signal, veilig_thuis, {"basis": "override"})
    assert {"ground", "explanation"} <= set(errors)
    errors = _refused(
        teacher, signal, veilig_thuis, override(ground="gut_feeling", explanation="x")
    )
    assert {"ground", "explanation"} <= set(errors)


def test_an_override_is_flagged_for_review_and_coordinators_are_told_when_it_is_sent(
    signal: Signal,
    teacher: User,
    vera: User,
    cora: User,
    colin: User,
    veilig_thuis: Organisation,
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, basis=override())
    row = fresh(referral)
    assert (row.consent_basis, row.override_ground, row.review_status) == (
        "override",
        "minor_at_risk",
        "pending",
    )
    assert row.override_explanation.startswith("The girl is 14")
    assert row.consent_given_at is None and row.consent_explained_by is None
    assert kinds(cora) == kinds(colin) == []  # a draft tells nobody
    act("send", teacher, referral)
    assert kinds(cora) == kinds(colin) == ["referral_review"]
    assert kinds(vera) == ["referral_received"]


def test_a_referral_with_consent_is_not_sent_for_review(
    signal: Signal, teacher: User, cora: User, veilig_thuis: Organisation
) -> None:
    refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True)
    assert kinds(cora) == []


def test_a_coordinator_upholds_the_ground_once(
    signal: Signal, teacher: User, cora: User, colin: User, veilig_thuis: Organisation
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, basis=override(), send=True)
    reviewed = services.referral_review(
        actor=cora, referral_id=referral.pk, expected_version=2, outcome="upheld"
    )
    row = fresh(reviewed)
    assert (row.review_status, row.reviewed_by, row.state) == ("upheld", cora, "sent")
    assert row.reviewed_at is not None
    last = ReferralTransition.objects.filter(referral=referral).last()
    assert last is not None
    assert (last.action, last.from_state, last.to_state, last.reason) == (
        "review",
        "sent",
        "sent",
        "upheld",
    )
    assert "referral_review_rejected" not in kinds(teacher)
    before = snapshot(referral)
    with pytest.raises(InvalidInput) as again:
        services.referral_review(
            actor=colin, referral_id=referral.pk, expected_version=row.version, outcome="rejected"
        )
    assert "outcome" in again.value.errors
    assert snapshot(referral) == before


def test_a_rejected_ground_is_reported_to_the_sender(
    signal: Signal, teacher: User, colin: User, veilig_thuis: Organisation
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, basis=override(), send=True)
    services.referral_review(
        actor=colin, referral_id=referral.pk, expected_version=2, outcome="rejected"
    )
    assert fresh(referral).review_status == "rejected"
    assert kinds(teacher) == ["referral_review_rejected"]


def test_only_coordinators_review_and_only_referrals_waiting_for_it(
    signal: Signal,
    teacher: User,
    vera: User,
    cora: User,
    veilig_thuis: Organisation,
    municipality: Organisation,
) -> None:
    flagged = refer(teacher, signal, veilig_thuis, rule=VT_RULE, basis=override(), send=True)
    before = snapshot(flagged)
    for actor in (teacher, vera):
        with pytest.raises(PermissionDeniedError):
            act("review", actor, flagged)
    with pytest.raises(InvalidInput) as bad:
        services.referral_review(
            actor=cora, referral_id=flagged.pk, expected_version=2, outcome="maybe"
        )
    assert "outcome" in bad.value.errors
    assert snapshot(flagged) == before
    with_consent = refer(teacher, signal, municipality, rule=CARE_RULE, send=True)
    with pytest.raises(InvalidInput):
        act("review", cora, with_consent)
    assert fresh(with_consent).review_status == ""


# --- concurrent edits ---------------------------------------------------------------------------


def test_a_stale_version_is_refused_and_changes_nothing(
    signal: Signal,
    teacher: User,
    vera: User,
    vince: User,
    veilig_thuis: Organisation,
    municipality: Organisation,
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True)
    seen = fresh(referral).version
    act("accept", vera, referral, version=seen)
    before = snapshot(referral)
    for actor, action in ((vince, "decline"), (teacher, "revoke"), (vince, "accept")):
        with pytest.raises(ConcurrentEditError):
            act(action, actor, referral, version=seen)
    with pytest.raises(ConcurrentEditError):
        act("send", teacher, refer(teacher, signal, municipality, rule=CARE_RULE), version=99)
    assert snapshot(referral) == before
    assert fresh(referral).responsible_user == vera


# --- what is stored and audited -------------------------------------------------------------------


def test_audit_details_never_hold_what_was_written(
    signal: Signal,
    teacher: User,
    vera: User,
    mira: User,
    cora: User,
    veilig_thuis: Organisation,
    municipality: Organisation,
) -> None:
    first = refer(teacher, signal, veilig_thuis, rule=VT_RULE, basis=override(), send=True)
    act("review", cora, first)
    act("accept", vera, first)
    act("complete", vera, first)
    second = refer(teacher, signal, municipality, rule=CARE_RULE, send=True)
    act("decline", mira, second)
    events = list(AuditEvent.objects.filter(object_type__in=["referral", "signal"]))
    assert len(audited(first)) == 5 and len(audited(second)) == 3
    texts = [str(event.detail) for event in events]
    for secret in (NOTE, DECLINE_NOTE, override()["explanation"], DESCRIPTION, "Zoë", "Marieke"):
        assert not any(secret in text for text in texts), secret
    assert fresh(first).note == NOTE  # stored, for the recipient


# --- the signal and the recipient ---------------------------------------------------------------


def test_a_second_open_referral_to_the_same_organisation_is_refused(
    signal: Signal, teacher: User, vera: User, veilig_thuis: Organisation
) -> None:
    first = refer(teacher, signal, veilig_thuis, rule=VT_RULE)
    for state_change in (None, "send", "accept"):
        if state_change == "send":
            act("send", teacher, first)
        elif state_change == "accept":
            act("accept", vera, first)
        with pytest.raises(InvalidInput) as refused:
            refer(teacher, signal, veilig_thuis, rule=VT_RULE)
        assert "recipient" in refused.value.errors
        assert Referral.objects.count() == 1
    act("complete", vera, first)
    again = refer(teacher, signal, veilig_thuis, rule=VT_RULE)
    assert again.pk != first.pk and Referral.objects.count() == 2


def test_after_a_decline_the_same_organisation_may_be_asked_again(
    signal: Signal, teacher: User, vera: User, veilig_thuis: Organisation
) -> None:
    first = refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True)
    act("decline", vera, first)
    assert refer(teacher, signal, veilig_thuis, rule=VT_RULE).state == "draft"


def test_the_signal_leaves_the_triage_queue_when_a_referral_is_sent(
    signal: Signal, teacher: User, cora: User, veilig_thuis: Organisation
) -> None:
    assert signal in intake_selectors.triage_queue(actor=cora)
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE)
    assert Signal.objects.get(pk=signal.pk).triage_status == "new"  # a draft is not a referral yet
    act("send", teacher, referral)
    assert Signal.objects.get(pk=signal.pk).triage_status == "referred"
    assert signal not in intake_selectors.triage_queue(actor=cora)


def test_a_rule_must_propose_the_organisation_it_is_cited_for(
    signal: Signal, teacher: User, veilig_thuis: Organisation, municipality: Organisation
) -> None:
    for rule in (CARE_RULE, "made-up-rule", "acute-threat"):
        with pytest.raises(InvalidInput) as refused:
            refer(teacher, signal, veilig_thuis, rule=rule)
        assert "rule" in refused.value.errors
    assert not Referral.objects.exists()
    chosen = refer(teacher, signal, municipality, rule=CARE_RULE)
    assert (chosen.rule_id, chosen.function) == (CARE_RULE, "care-coordinator")
    own_choice = refer(teacher, signal, veilig_thuis)  # no rule: the sender chose the recipient
    assert (own_choice.rule_id, own_choice.function, own_choice.rule_source) == ("", "", "")


def test_the_recipient_must_be_another_active_organisation_of_the_country(
    signal: Signal,
    teacher: User,
    school: Organisation,
    shelter_b: Organisation,
    veilig_thuis: Organisation,
) -> None:
    inactive = Organisation.objects.create(
        slug="closed", name="Closed", kind="shelter_ngo", country="NL", is_active=False
    )
    for recipient_id in (school.pk, shelter_b.pk, inactive.pk, 987654, "abc", None):
        with pytest.raises(InvalidInput) as refused:
            services.referral_create(
                actor=teacher,
                signal_id=signal.pk,
                recipient_organisation_id=recipient_id,
                data={"consent": consent()},
            )
        assert "recipient" in refused.value.errors, recipient_id
    assert not Referral.objects.exists()


def test_sending_notifies_each_member_of_the_recipient_who_may_answer(
    signal: Signal,
    teacher: User,
    vera: User,
    vince: User,
    mira: User,
    veilig_thuis: Organisation,
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True)
    assert kinds(vera) == kinds(vince) == ["referral_received"]
    assert kinds(mira) == [] and kinds(teacher) == []
    row = Notification.objects.get(user=vera)
    assert row.reference == referral.reference and row.link == f"/referrals/{referral.pk}/"
    assert row.organisation_name == teacher.memberships.get().organisation.name
    act("accept", vera, referral)
    act("complete", vera, referral)
    assert kinds(teacher) == ["referral_accepted", "referral_completed"]


# --- the acceptance deadline ----------------------------------------------------------------------


def test_an_acute_referral_must_be_accepted_within_an_hour(
    world: None, teacher: User, school: Organisation, veilig_thuis: Organisation
) -> None:
    with time_machine.travel(at("2026-12-24 15:00"), tick=False):
        acute = record_signal(teacher, school, acute=True)
        referral = fresh(refer(teacher, acute, veilig_thuis, send=True))
    assert referral.urgency == "acute"
    assert referral.sent_at == at("2026-12-24 15:00")
    assert referral.accept_by == at("2026-12-24 16:00")


@pytest.mark.parametrize(
    ("sent", "due"),
    [
        # Thursday before Christmas: Friday 25 and Saturday 26 are holidays, then a Sunday.
        ("2026-12-24 15:00", "2026-12-30 00:00"),
        ("2026-11-20 09:00", "2026-11-25 00:00"),  # a Friday: Monday and Tuesday count
        ("2026-11-21 11:00", "2026-11-25 00:00"),  # a Saturday: the same
        ("2026-11-23 00:30", "2026-11-26 00:00"),  # a Monday (Sunday 23:30 UTC): Tue and Wed
    ],
)
def test_a_normal_referral_has_until_the_end_of_the_second_working_day(
    signal: Signal, teacher: User, veilig_thuis: Organisation, sent: str, due: str
) -> None:
    with time_machine.travel(at(sent), tick=False):
        referral = fresh(refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True))
    assert referral.urgency == "normal"
    assert referral.sent_at == at(sent)
    assert referral.accept_by == at(due)


def test_unknown_data_categories_and_situations_are_refused(
    signal: Signal, teacher: User, veilig_thuis: Organisation
) -> None:
    with pytest.raises(InvalidInput) as refused:
        refer(teacher, signal, veilig_thuis, rule=VT_RULE, shared=["description", "bank_account"])
    assert "shared" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        refer(
            teacher,
            signal,
            veilig_thuis,
            rule=VT_RULE,
            situation={"nationality": "martian", "unaccompanied": "perhaps"},
        )
    assert {"nationality", "unaccompanied"} <= set(refused.value.errors)
    assert not Referral.objects.exists()
    stored = refer(
        teacher,
        signal,
        veilig_thuis,
        rule=VT_RULE,
        shared=["place", "description", "place"],
        situation={"nationality": "eu", "needs_shelter": "yes"},
    )
    assert stored.shared == ["description", "place"]
    assert stored.situation == {"nationality": "eu", "unaccompanied": None, "needs_shelter": True}


def test_a_step_that_fails_midway_changes_nothing_and_notifies_nobody(
    signal: Signal,
    teacher: User,
    vera: User,
    veilig_thuis: Organisation,
    monkeypatch: pytest.MonkeyPatch,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """DESIGN rule 1: inbox rows are written in the step's transaction, e-mails only after it
    commits. Here the step fails after the recipient's notifications were written."""
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, basis=override())
    before = snapshot(referral)

    written: list[bool] = []

    def broken(**kwargs: Any) -> Any:
        written.append(Notification.objects.filter(user=vera).exists())
        raise RuntimeError("the directory is unavailable")

    # Looked up only after the recipient was notified (to tell the coordinators of the review).
    monkeypatch.setattr(services.directory_selectors, "coordination_centre", broken)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        act("send", teacher, referral)
    assert written == [True]  # the recipient's inbox row existed inside the transaction
    assert snapshot(referral) == before
    assert kinds(vera) == [] and mailoutbox == []
    assert Signal.objects.get(pk=signal.pk).triage_status == "new"
