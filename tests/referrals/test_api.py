"""The referrals API: partners' systems refer signals and answer referrals with bearer tokens,
through the same services and door as the pages. Versions detect concurrent answers (409), the
state machine refuses what the state does not allow (409 with the state), bad input is a 422 that
names the body field and stores nothing, and the recipient sees the shared data only once it has
accepted."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from opennrm.core import clock
from opennrm.core.models import AuditEvent
from opennrm.directory.models import Organisation, User
from opennrm.intake import services as intake_services
from opennrm.intake.models import Signal
from opennrm.referrals import services
from opennrm.referrals.models import Referral, ReferralTransition
from tests import factories
from tests.cases.helpers import api_token, events, page_has

REFERRALS = "/api/v1/referrals/"
# Personal data: free text that may leave the signal only as a shared category.
DESCRIPTION = "Zoë (14) is collected after school every day by a man in a grey van"
NOTE = "Please ring her aunt before visiting"
EXPLANATION = "She is 14 and her parents may be involved, so they cannot be asked."


# --- the world: a teacher in Utrecht refers a minor to Veilig Thuis -------------------------------


@pytest.fixture
def school(db: Any) -> Organisation:
    return factories.organisation("api-school", kind="education", country="NL", region="NL-UT")


@pytest.fixture
def veilig_thuis(db: Any) -> Organisation:
    return factories.organisation(
        "api-veilig-thuis",
        kind="child_protection",
        country="NL",
        region="NL-UT",
        functions=["veilig-thuis"],
    )


@pytest.fixture
def teacher(school: Organisation) -> User:
    """Front-line professional at the school: records the signal and refers it."""
    return factories.user("api-tess", school, "frontline")


@pytest.fixture
def vera(veilig_thuis: Organisation) -> User:
    """Case worker at Veilig Thuis: answers the referrals it receives."""
    return factories.user("api-vera", veilig_thuis, "case_worker")


@pytest.fixture
def coordinator(centre: Organisation) -> User:
    """Coordinator at the NL coordination centre: oversees every NL referral."""
    return factories.user("api-cora", centre, "coordinator")


@pytest.fixture
def signal(teacher: User, school: Organisation) -> Signal:
    return intake_services.signal_record(
        actor=teacher,
        organisation_id=school.pk,
        data={
            "description": DESCRIPTION,
            "population": "minor",
            "estimated_age": 14,
            "forms": ["sexual"],
            "barrier": "entry",
            "region": "NL-UT",
            "municipality": "Utrecht",
            "acute": False,
        },
    )


def client_for(user: User, organisation: Organisation) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token(user, organisation)}")


def _post(client: Client, path: str, body: Any) -> Any:
    return client.post(path, body, content_type="application/json")


def _rule_to(signal: Signal, organisation: Organisation) -> str:
    proposal = next(
        item for item in services.proposals(signal) if item.organisation.pk == organisation.pk
    )
    assert proposal.rule is not None
    return proposal.rule.id


def _consent(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "basis": "consent",
        "given_at": (clock.now() - datetime.timedelta(hours=1)).isoformat(),
        "language": "nl",
    }
    data.update(overrides)
    return data


def _body(signal: Signal, recipient: Organisation, **overrides: Any) -> dict[str, Any]:
    # The API acts through a service account: it names the colleague who explained the consent.
    explainer = signal.observer.pk if signal.observer else None
    body: dict[str, Any] = {
        "signal_id": signal.pk,
        "recipient_organisation_id": recipient.pk,
        "rule": _rule_to(signal, recipient),
        "situation": {"nationality": "national", "unaccompanied": False},
        "shared": ["description"],
        "consent": _consent(explained_by=explainer),
        "note": NOTE,
        "send": True,
    }
    body.update(overrides)
    return body


def _refer(client: Client, signal: Signal, recipient: Organisation, **overrides: Any) -> Any:
    response = _post(client, REFERRALS, _body(signal, recipient, **overrides))
    assert response.status_code == 201, response.json()
    return response.json()


def _act(client: Client, referral: dict[str, Any], action: str, **body: Any) -> Any:
    return _post(
        client, f"{REFERRALS}{referral['id']}/{action}", {"version": referral["version"], **body}
    )


# --- creating and sending -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_teacher_gets_veilig_thuis_proposed_and_refers_and_sends_at_once(
    teacher: User, school: Organisation, veilig_thuis: Organisation, signal: Signal
) -> None:
    rule = _rule_to(signal, veilig_thuis)
    assert rule == "social-domain-minor-veilig-thuis"
    created = _refer(client_for(teacher, school), signal, veilig_thuis)
    assert created["reference"].startswith("R-")
    assert created["signal_reference"] == signal.reference
    assert created["signal_id"] == signal.pk
    assert created["state"] == "sent"
    assert created["urgency"] == "normal"
    assert created["rule_id"] == rule
    assert created["function"] == "veilig-thuis"
    assert created["sender_organisation"] == {"id": school.pk, "name": school.name}
    assert created["recipient_organisation"] == {"id": veilig_thuis.pk, "name": veilig_thuis.name}
    assert created["responsible_organisation_id"] == school.pk
    assert created["sent_at"] is not None
    assert created["accept_by"] > created["sent_at"]
    assert created["escalated"] is False
    assert created["version"] == 2
    assert created["situation"] == {
        "nationality": "national",
        "unaccompanied": False,
        "needs_shelter": None,
    }
    assert created["shared"] == ["description"]
    assert created["consent"]["basis"] == "consent"
    assert created["consent"]["language"] == "nl"
    assert [(t["action"], t["from"], t["to"]) for t in created["transitions"]] == [
        ("create", "", "draft"),
        ("send", "draft", "sent"),
    ]
    assert {t["organisation_id"] for t in created["transitions"]} == {school.pk}
    assert created["actions"] == ["revoke"]
    assert created["sees_shared"] is True
    assert created["shared_data"]["description"] == DESCRIPTION  # the sender's own signal
    assert created["categories"]["population"] == "minor"
    assert created["categories"]["forms"] == ["sexual"]
    referral = Referral.objects.get()
    assert referral.pk == created["id"]
    assert referral.state == "sent"
    assert Signal.objects.get(pk=signal.pk).triage_status == "referred"
    writes = AuditEvent.objects.filter(object_type="referral", object_id=str(referral.pk))
    assert [event.detail.get("transition") for event in writes.filter(action="create")] == [
        "create"
    ]
    assert [event.detail.get("transition") for event in writes.filter(action="update")] == ["send"]
    assert {event.channel for event in writes} == {"api"}
    assert all(event.api_token_id is not None for event in writes)


@pytest.mark.django_db
def test_a_draft_is_sent_later_with_its_version(
    teacher: User, school: Organisation, veilig_thuis: Organisation, signal: Signal
) -> None:
    client = client_for(teacher, school)
    draft = _refer(client, signal, veilig_thuis, send=False)
    assert draft["state"] == "draft"
    assert draft["version"] == 1
    assert draft["sent_at"] is None
    assert draft["actions"] == ["send", "revoke"]
    sent = _act(client, draft, "send")
    assert sent.status_code == 200
    assert sent.json()["state"] == "sent"
    assert sent.json()["version"] == 2
    assert Referral.objects.get().state == "sent"


# --- lists ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_lists_as_sender_and_as_recipient(
    teacher: User,
    school: Organisation,
    vera: User,
    veilig_thuis: Organisation,
    signal: Signal,
) -> None:
    created = _refer(client_for(teacher, school), signal, veilig_thuis)
    sender = client_for(teacher, school)
    recipient = client_for(vera, veilig_thuis)

    mine = sender.get(REFERRALS)
    assert mine.status_code == 200
    assert [row["id"] for row in mine.json()] == [created["id"]]
    row = mine.json()[0]
    assert row["reference"] == created["reference"]
    assert row["signal_reference"] == signal.reference
    assert row["state"] == "sent"
    assert row["sender_organisation"]["id"] == school.pk
    assert row["recipient_organisation"]["id"] == veilig_thuis.pk
    assert row["version"] == created["version"]
    assert not {"shared_data", "note", "categories", "transitions"} & set(row)
    assert [r["id"] for r in sender.get(REFERRALS, {"direction": "sent"}).json()] == [created["id"]]
    assert sender.get(REFERRALS, {"direction": "received"}).json() == []

    received = recipient.get(REFERRALS, {"direction": "received"})
    assert received.status_code == 200
    assert [row["id"] for row in received.json()] == [created["id"]]
    assert [row["id"] for row in recipient.get(REFERRALS).json()] == [created["id"]]
    assert recipient.get(REFERRALS, {"direction": "sent"}).json() == []
    assert not page_has(received, DESCRIPTION)
    assert not page_has(received, NOTE)
    assert recipient.get(REFERRALS, {"direction": "sideways"}).status_code == 422
    assert events("search", object_type="referral") >= 6


@pytest.mark.django_db
def test_an_organisation_without_referrals_sees_an_empty_list(
    teacher: User,
    school: Organisation,
    veilig_thuis: Organisation,
    signal: Signal,
    carol: User,
    shelter_b: Organisation,
) -> None:
    _refer(client_for(teacher, school), signal, veilig_thuis)
    response = client_for(carol, shelter_b).get(REFERRALS)
    assert response.status_code == 200
    assert response.json() == []


# --- who sees what --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_recipient_cannot_see_a_draft(
    teacher: User,
    school: Organisation,
    vera: User,
    veilig_thuis: Organisation,
    signal: Signal,
) -> None:
    draft = _refer(client_for(teacher, school), signal, veilig_thuis, send=False)
    recipient = client_for(vera, veilig_thuis)
    response = recipient.get(f"{REFERRALS}{draft['id']}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}
    assert recipient.get(REFERRALS).json() == []
    refused = _act(recipient, draft, "accept")
    assert refused.status_code == 404
    assert Referral.objects.get().state == "draft"
    assert events("denied", object_type="referral", object_id=str(draft["id"])) == 2
    vera_account = User.objects.get(username="svc-api-vera")  # the token's service account
    assert events("read", object_type="referral", actor_id=vera_account.pk) == 0


@pytest.mark.django_db
def test_another_organisation_and_a_missing_referral_are_the_same_404(
    teacher: User,
    school: Organisation,
    veilig_thuis: Organisation,
    signal: Signal,
    carol: User,
    shelter_b: Organisation,
) -> None:
    created = _refer(client_for(teacher, school), signal, veilig_thuis)
    stranger = client_for(carol, shelter_b)
    response = stranger.get(f"{REFERRALS}{created['id']}")
    assert response.status_code == 404
    assert not page_has(response, created["reference"])
    assert _act(stranger, created, "revoke", reason="sent_in_error").status_code == 404
    missing = client_for(teacher, school).get(f"{REFERRALS}999999")
    assert missing.status_code == 404
    assert missing.json() == response.json() == {"detail": "Not found"}
    assert Referral.objects.get().state == "sent"


@pytest.mark.django_db
def test_the_recipient_sees_the_description_only_after_accepting(
    teacher: User,
    school: Organisation,
    vera: User,
    veilig_thuis: Organisation,
    signal: Signal,
) -> None:
    created = _refer(client_for(teacher, school), signal, veilig_thuis)
    recipient = client_for(vera, veilig_thuis)
    shown_to_sender = events("read", object_type="signal", object_id=str(signal.pk))

    before = recipient.get(f"{REFERRALS}{created['id']}")
    assert before.status_code == 200
    assert not page_has(before, DESCRIPTION)
    assert not page_has(before, NOTE)
    body = before.json()
    assert body["sees_shared"] is False
    assert body["shared_data"] is None
    assert body["shared"] == ["description"]  # which categories, not their content
    assert body["categories"]["population"] == "minor"
    assert body["categories"]["estimated_age"] == 14
    assert body["categories"]["region"] == "NL-UT"
    assert body["actions"] == ["accept", "decline"]
    assert events("read", object_type="signal", object_id=str(signal.pk)) == shown_to_sender

    accepted = _act(recipient, body, "accept")
    assert accepted.status_code == 200
    after = recipient.get(f"{REFERRALS}{created['id']}").json()
    assert after["sees_shared"] is True
    assert after["shared_data"]["description"] == DESCRIPTION
    assert after["shared_data"]["note"] == NOTE
    assert after["shared_data"]["place"] is None  # not shared
    assert after["shared_data"]["person_description"] is None
    shown = AuditEvent.objects.filter(
        action="read", object_type="signal", object_id=str(signal.pk)
    ).order_by("seq")
    assert shown.count() == shown_to_sender + 2  # the answer to the accept, the read after it
    assert shown.last().detail == {"via_referral": created["id"], "categories": ["description"]}
    assert events("read", object_type="referral", object_id=str(created["id"])) >= 3


# --- answering: accept, decline, complete ---------------------------------------------------------


@pytest.mark.django_db
def test_accept_then_complete_with_versions(
    teacher: User,
    school: Organisation,
    vera: User,
    veilig_thuis: Organisation,
    signal: Signal,
) -> None:
    created = _refer(client_for(teacher, school), signal, veilig_thuis)
    recipient = client_for(vera, veilig_thuis)
    accepted = _act(recipient, created, "accept")
    assert accepted.status_code == 200
    body = accepted.json()
    assert body["state"] == "accepted"
    assert body["version"] == created["version"] + 1
    assert body["accepted_at"] is not None
    assert body["accept_by"] is None
    assert body["responsible_organisation_id"] == veilig_thuis.pk
    assert body["actions"] == ["complete"]
    completed = _act(recipient, body, "complete")
    assert completed.status_code == 200
    done = completed.json()
    assert done["state"] == "completed"
    assert done["closed_at"] is not None
    assert done["version"] == body["version"] + 1
    assert done["actions"] == []
    assert [(t["action"], t["organisation_id"]) for t in done["transitions"]] == [
        ("create", school.pk),
        ("send", school.pk),
        ("accept", veilig_thuis.pk),
        ("complete", veilig_thuis.pk),
    ]
    assert ReferralTransition.objects.filter(referral_id=created["id"]).count() == 4
    updates = AuditEvent.objects.filter(
        action="update", object_type="referral", object_id=str(created["id"])
    )
    assert [event.detail["transition"] for event in updates.order_by("seq")] == [
        "send",
        "accept",
        "complete",
    ]


@pytest.mark.django_db
def test_decline_with_a_reason_returns_the_referral_to_the_sender(
    centre: Organisation,
    teacher: User,
    school: Organisation,
    vera: User,
    veilig_thuis: Organisation,
    signal: Signal,
) -> None:
    created = _refer(client_for(teacher, school), signal, veilig_thuis)
    recipient = client_for(vera, veilig_thuis)
    declined = _act(recipient, created, "decline", reason="no_capacity", note="Full this week")
    assert declined.status_code == 200
    body = declined.json()
    assert body["state"] == "declined"
    assert body["decline_reason"] == "no_capacity"
    assert body["responsible_organisation_id"] == school.pk
    assert body["shared_data"] is None
    assert body["transitions"][-1]["reason"] == "no_capacity"
    sender_view = client_for(teacher, school).get(f"{REFERRALS}{created['id']}").json()
    assert sender_view["decline_note"] == "Full this week"
    # No organisation is the care coordinator in Utrecht: the centre stands in, and comes next.
    assert sender_view["suggested_next"] == {"id": centre.pk, "name": centre.name}


@pytest.mark.django_db
def test_an_invalid_decline_reason_is_422_and_changes_nothing(
    teacher: User,
    school: Organisation,
    vera: User,
    veilig_thuis: Organisation,
    signal: Signal,
) -> None:
    created = _refer(client_for(teacher, school), signal, veilig_thuis)
    response = _act(client_for(vera, veilig_thuis), created, "decline", reason="bored")
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"reason"}
    missing = _post(
        client_for(vera, veilig_thuis),
        f"{REFERRALS}{created['id']}/decline",
        {"version": created["version"]},
    )
    assert missing.status_code == 422
    referral = Referral.objects.get()
    assert (referral.state, referral.version) == ("sent", created["version"])


@pytest.mark.django_db
def test_a_stale_version_is_409_and_changes_nothing(
    teacher: User,
    school: Organisation,
    vera: User,
    veilig_thuis: Organisation,
    signal: Signal,
) -> None:
    created = _refer(client_for(teacher, school), signal, veilig_thuis, send=False)
    sender = client_for(teacher, school)
    stale = _post(sender, f"{REFERRALS}{created['id']}/send", {"version": created["version"] + 5})
    assert stale.status_code == 409
    assert "changed by someone else" in stale.json()["detail"]
    assert Referral.objects.get().state == "draft"
    sent = _act(sender, created, "send").json()
    # Vera answers from the version before the send: her view was out of date.
    late = _act(client_for(vera, veilig_thuis), created, "accept")
    assert late.status_code == 409
    referral = Referral.objects.get()
    assert (referral.state, referral.version) == ("sent", sent["version"])
    assert ReferralTransition.objects.filter(action="accept").count() == 0


@pytest.mark.django_db
def test_an_illegal_transition_is_409_with_the_current_state(
    teacher: User,
    school: Organisation,
    vera: User,
    veilig_thuis: Organisation,
    signal: Signal,
) -> None:
    created = _refer(client_for(teacher, school), signal, veilig_thuis)
    recipient = client_for(vera, veilig_thuis)
    early = _act(recipient, created, "complete")
    assert early.status_code == 409
    assert early.json() == {
        "detail": "A referral that is sent cannot be completed.",
        "action": "complete",
        "state": "sent",
    }
    accepted = _act(recipient, created, "accept").json()
    again = _act(recipient, accepted, "accept")
    assert again.status_code == 409
    assert again.json()["state"] == "accepted"
    resend = _act(client_for(teacher, school), accepted, "send")
    assert resend.status_code == 409
    assert resend.json()["state"] == "accepted"
    referral = Referral.objects.get()
    assert (referral.state, referral.version) == ("accepted", accepted["version"])


@pytest.mark.django_db
def test_the_sender_may_not_answer_its_own_referral(
    teacher: User, school: Organisation, veilig_thuis: Organisation, signal: Signal
) -> None:
    created = _refer(client_for(teacher, school), signal, veilig_thuis)
    response = _act(client_for(teacher, school), created, "accept")
    assert response.status_code == 403
    assert Referral.objects.get().state == "sent"


@pytest.mark.django_db
def test_a_refused_answer_is_audited(
    teacher: User, school: Organisation, veilig_thuis: Organisation, signal: Signal
) -> None:
    created = _refer(client_for(teacher, school), signal, veilig_thuis)
    assert _act(client_for(teacher, school), created, "accept").status_code == 403
    assert events("denied", object_type="referral", object_id=str(created["id"])) == 1


@pytest.mark.django_db
def test_revoked_by_the_sender_the_recipient_no_longer_sees_the_data(
    teacher: User,
    school: Organisation,
    vera: User,
    veilig_thuis: Organisation,
    signal: Signal,
) -> None:
    created = _refer(client_for(teacher, school), signal, veilig_thuis)
    recipient = client_for(vera, veilig_thuis)
    accepted = _act(recipient, created, "accept").json()
    revoked = _act(client_for(teacher, school), accepted, "revoke", reason="other_route")
    assert revoked.status_code == 200
    assert revoked.json()["state"] == "revoked"
    seen = recipient.get(f"{REFERRALS}{created['id']}")
    assert seen.status_code == 200
    assert seen.json()["shared_data"] is None
    assert not page_has(seen, DESCRIPTION)


@pytest.mark.django_db
def test_without_consent_a_coordinator_reviews_and_takes_over(
    teacher: User,
    school: Organisation,
    veilig_thuis: Organisation,
    signal: Signal,
    coordinator: User,
    centre: Organisation,
) -> None:
    override = {"basis": "override", "ground": "minor_at_risk", "explanation": EXPLANATION}
    created = _refer(client_for(teacher, school), signal, veilig_thuis, consent=override)
    assert created["consent"]["review_status"] == "pending"
    assert created["consent"]["explanation"] == EXPLANATION  # the sender's side
    coordination = client_for(coordinator, centre)
    seen = coordination.get(f"{REFERRALS}{created['id']}").json()
    assert seen["actions"] == ["revoke", "take", "review"]
    reviewed = _act(coordination, seen, "review", outcome="upheld")
    assert reviewed.status_code == 200
    assert reviewed.json()["consent"]["review_status"] == "upheld"
    assert "review" not in reviewed.json()["actions"]
    taken = _act(coordination, reviewed.json(), "take")
    assert taken.status_code == 200
    assert taken.json()["responsible_organisation_id"] == centre.pk
    assert taken.json()["state"] == "sent"


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_unknown_keys_are_422_and_store_nothing(
    teacher: User, school: Organisation, veilig_thuis: Organisation, signal: Signal
) -> None:
    client = client_for(teacher, school)
    top = _post(client, REFERRALS, {**_body(signal, veilig_thuis), "recipient": veilig_thuis.pk})
    assert top.status_code == 422
    nested = _post(
        client, REFERRALS, _body(signal, veilig_thuis, consent=_consent(explaned_by=teacher.pk))
    )
    assert nested.status_code == 422
    situation = _post(
        client, REFERRALS, _body(signal, veilig_thuis, situation={"nationalty": "eu"})
    )
    assert situation.status_code == 422
    assert not Referral.objects.exists()
    created = _refer(client, signal, veilig_thuis, send=False)
    extra = _post(
        client, f"{REFERRALS}{created['id']}/send", {"version": created["version"], "now": True}
    )
    assert extra.status_code == 422
    assert Referral.objects.get().state == "draft"


@pytest.mark.django_db
def test_a_partner_system_must_name_who_explained_the_consent(
    teacher: User, school: Organisation, veilig_thuis: Organisation, signal: Signal
) -> None:
    """A service account explains nothing to anyone: the colleague who did is named."""
    client = client_for(teacher, school)
    response = _post(client, REFERRALS, _body(signal, veilig_thuis, consent=_consent()))
    assert response.status_code == 422
    assert "consent.explained_by" in response.json()["errors"]
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_missing_consent_is_an_error_naming_the_field(
    teacher: User, school: Organisation, veilig_thuis: Organisation, signal: Signal
) -> None:
    client = client_for(teacher, school)
    body = _body(signal, veilig_thuis)
    del body["consent"]
    missing = _post(client, REFERRALS, body)
    assert missing.status_code == 422
    assert any(error["loc"][-1] == "consent" for error in missing.json()["detail"])

    incomplete = _post(client, REFERRALS, _body(signal, veilig_thuis, consent={"basis": "consent"}))
    assert incomplete.status_code == 422
    assert incomplete.json()["detail"] == "Invalid input"
    assert set(incomplete.json()["errors"]) == {"consent.given_at", "consent.language"}

    no_basis = _post(client, REFERRALS, _body(signal, veilig_thuis, consent={"basis": ""}))
    assert no_basis.status_code == 422
    assert set(no_basis.json()["errors"]) == {"consent.basis"}

    no_ground = _post(
        client,
        REFERRALS,
        _body(signal, veilig_thuis, consent={"basis": "override", "explanation": "x"}),
    )
    assert no_ground.status_code == 422
    assert set(no_ground.json()["errors"]) == {"consent.ground", "consent.explanation"}

    future = (clock.now() + datetime.timedelta(days=1)).isoformat()
    ahead = _post(client, REFERRALS, _body(signal, veilig_thuis, consent=_consent(given_at=future)))
    assert ahead.status_code == 422
    assert set(ahead.json()["errors"]) == {"consent.given_at"}
    assert not Referral.objects.exists()
    assert events("create", object_type="referral") == 0


@pytest.mark.django_db
def test_a_recipient_or_rule_that_does_not_fit_is_422(
    teacher: User,
    school: Organisation,
    veilig_thuis: Organisation,
    signal: Signal,
    shelter_b: Organisation,
) -> None:
    client = client_for(teacher, school)
    abroad = _post(
        client, REFERRALS, _body(signal, veilig_thuis, recipient_organisation_id=shelter_b.pk)
    )
    assert abroad.status_code == 422
    assert "recipient_organisation_id" in abroad.json()["errors"]
    wrong_rule = _post(client, REFERRALS, _body(signal, veilig_thuis, rule="acute-threat"))
    assert wrong_rule.status_code == 422
    assert set(wrong_rule.json()["errors"]) == {"rule"}
    bad = _post(
        client,
        REFERRALS,
        _body(
            signal,
            veilig_thuis,
            shared=["everything"],
            situation={"nationality": "martian"},
        ),
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"shared", "situation.nationality"}
    assert not Referral.objects.exists()
    chosen = _refer(client, signal, veilig_thuis, rule="", send=False)  # chosen by the sender
    assert chosen["rule_id"] == ""
    twice = _post(client, REFERRALS, _body(signal, veilig_thuis))
    assert twice.status_code == 422
    assert set(twice.json()["errors"]) == {"recipient_organisation_id"}
    assert Referral.objects.count() == 1


@pytest.mark.django_db
def test_referring_a_signal_one_may_not_see_is_404(
    teacher: User,
    school: Organisation,
    veilig_thuis: Organisation,
    signal: Signal,
    carol: User,
    shelter_b: Organisation,
) -> None:
    response = _post(client_for(carol, shelter_b), REFERRALS, _body(signal, veilig_thuis))
    assert response.status_code == 404
    assert not Referral.objects.exists()


# --- authentication and schema --------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_gets_401(
    teacher: User, school: Organisation, veilig_thuis: Organisation, signal: Signal
) -> None:
    created = _refer(client_for(teacher, school), signal, veilig_thuis, send=False)
    anonymous = Client()
    assert anonymous.get(REFERRALS).status_code == 401
    assert anonymous.get(f"{REFERRALS}{created['id']}").status_code == 401
    assert _post(anonymous, REFERRALS, _body(signal, veilig_thuis)).status_code == 401
    assert _act(anonymous, created, "send").status_code == 401
    assert Referral.objects.get().state == "draft"


@pytest.mark.django_db
def test_openapi_schema_documents_the_referral_paths() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    expected = {
        "/api/v1/referrals/": {"get", "post"},
        "/api/v1/referrals/{referral_id}": {"get"},
        **{
            f"/api/v1/referrals/{{referral_id}}/{action}": {"post"}
            for action in ("send", "accept", "decline", "complete", "revoke", "take", "review")
        },
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
        for method in methods:
            operation = paths[path][method]
            assert operation.get("summary"), (path, method)
            assert operation.get("description"), (path, method)
            assert operation.get("security"), (path, method)
    accept = paths["/api/v1/referrals/{referral_id}/accept"]["post"]["responses"]
    assert {"200", "404", "409"} <= set(accept)
    components = schema["components"]["schemas"]
    assert {"ReferralIn", "ReferralOut", "ReferralSummaryOut", "ConsentIn", "Conflict"} <= set(
        components
    )
    assert {"from", "to"} <= set(components["TransitionOut"]["properties"])
    assert components["ReferralIn"].get("additionalProperties") is False
