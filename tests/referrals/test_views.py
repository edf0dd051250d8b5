"""The referral pages over HTTP: refer a signal, answer a referral, the lists, the overview, and
the signal page's "Refer" action. The services' rules are tested in test_lifecycle.py; here the
pages show them, refuse bad input with a clear error, and leak nothing to those who may not see.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from opennrm.core.models import AuditEvent
from opennrm.intake import services as intake_services
from opennrm.referrals.models import Referral, ReferralTransition
from tests import factories
from tests.conftest import verified_client

DESCRIPTION = "Zoë (15) is picked up after school by an older man in a grey van"  # personal


@pytest.fixture
def world(db: Any, centre: Any) -> dict[str, Any]:
    school = factories.organisation("school", kind="education", country="NL", region="NL-UT")
    veilig = factories.organisation(
        "veilig-thuis", kind="child_protection", country="NL", functions=["veilig-thuis"]
    )
    municipality = factories.organisation(
        "utrecht", kind="municipality", country="NL", region="NL-UT", functions=["care-coordinator"]
    )
    other = factories.organisation("other-shelter", kind="shelter_ngo", country="NL")
    return {
        "school": school,
        "veilig": veilig,
        "municipality": municipality,
        "teacher": factories.user("tess", school, "frontline", first_name="Tess"),
        "vera": factories.user("vera", veilig, "case_worker", first_name="Vera"),
        "outsider": factories.user("otto", other, "case_worker"),
        "cora": factories.user("cora", centre, "coordinator"),
    }


def _signal(world: dict[str, Any]) -> Any:
    return intake_services.signal_record(
        actor=world["teacher"],
        organisation_id=world["school"].pk,
        data={
            "description": DESCRIPTION,
            "population": "minor",
            "estimated_age": 15,
            "region": "NL-UT",
            "forms": ["sexual"],
        },
    )


def _consent() -> dict[str, str]:
    return {
        "basis": "consent",
        "given_at": "2026-11-20T10:30",
        "language": "nl",
    }


def _refer(client: Client, signal: Any, recipients: list[str], **extra: Any) -> Any:
    data = {"recipients": recipients, "shared": ["description"], "submit": "send", **_consent()}
    data.update(extra)
    return client.post(f"/referrals/new/{signal.pk}/", data)


def test_the_refer_page_proposes_veilig_thuis_with_the_reason(world: dict[str, Any]) -> None:
    signal = _signal(world)
    client = verified_client(world["teacher"])
    page = client.get(f"/signals/{signal.pk}/")
    assert f"/referrals/new/{signal.pk}/" in page.content.decode()
    response = client.get(f"/referrals/new/{signal.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Veilig Thuis" in body and "004:L" in body  # the reason cites its source line
    assert f"social-domain-minor-veilig-thuis:{world['veilig'].pk}" in body


def test_referring_sends_and_the_recipient_accepts(world: dict[str, Any]) -> None:
    signal = _signal(world)
    teacher = verified_client(world["teacher"])
    response = _refer(teacher, signal, [f"social-domain-minor-veilig-thuis:{world['veilig'].pk}"])
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/referrals/{referral.pk}/"
    assert referral.state == "sent" and referral.rule_id == "social-domain-minor-veilig-thuis"

    vera = verified_client(world["vera"])
    before = vera.get(f"/referrals/{referral.pk}/").content.decode()
    assert DESCRIPTION not in before  # only the categories until it accepts
    assert 'id="shared-hidden"' in before
    response = vera.post(f"/referrals/{referral.pk}/accept/", {"version": referral.version})
    assert response.status_code == 302
    after = vera.get(f"/referrals/{referral.pk}/").content.decode()
    assert DESCRIPTION in after

    sent_list = teacher.get("/referrals/").content.decode()
    assert referral.reference in sent_list and "Accepted" in sent_list
    inbox = teacher.get("/directory/inbox/").content.decode()
    assert "was accepted by Veilig Thuis" in inbox
    assert DESCRIPTION not in inbox


def test_no_consent_and_no_recipient_give_clear_errors_and_change_nothing(
    world: dict[str, Any],
) -> None:
    signal = _signal(world)
    teacher = verified_client(world["teacher"])
    response = teacher.post(f"/referrals/new/{signal.pk}/", {"submit": "send"})
    assert response.status_code == 400
    assert "Choose at least one organisation" in response.content.decode()
    response = teacher.post(
        f"/referrals/new/{signal.pk}/",
        {"recipients": [f"social-domain-minor-veilig-thuis:{world['veilig'].pk}"]},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Record the person&#x27;s consent, or the legal ground" in body
    assert Referral.objects.count() == 0


def test_an_override_is_flagged_for_review_on_the_overview(world: dict[str, Any]) -> None:
    signal = _signal(world)
    teacher = verified_client(world["teacher"])
    _refer(
        teacher,
        signal,
        [f"social-domain-minor-veilig-thuis:{world['veilig'].pk}"],
        basis="override",
        given_at="",
        language="",
        ground="minor_at_risk",
        explanation="The girl is 15 and in danger tonight; parents not reachable.",
    )
    referral = Referral.objects.get()
    assert referral.review_status == "pending"
    overview = verified_client(world["cora"]).get("/referrals/overview/")
    assert overview.status_code == 200
    assert referral.reference in overview.content.decode()


def test_a_stale_version_is_a_conflict_and_changes_nothing(world: dict[str, Any]) -> None:
    signal = _signal(world)
    _refer(
        verified_client(world["teacher"]),
        signal,
        [f"social-domain-minor-veilig-thuis:{world['veilig'].pk}"],
    )
    referral = Referral.objects.get()
    vera = verified_client(world["vera"])
    response = vera.post(f"/referrals/{referral.pk}/accept/", {"version": referral.version - 1})
    assert response.status_code == 409
    referral.refresh_from_db()
    assert referral.state == "sent"


def test_declining_needs_a_reason_and_returns_to_the_sender(world: dict[str, Any]) -> None:
    signal = _signal(world)
    teacher = verified_client(world["teacher"])
    _refer(teacher, signal, [f"social-domain-minor-veilig-thuis:{world['veilig'].pk}"])
    referral = Referral.objects.get()
    vera = verified_client(world["vera"])
    response = vera.post(f"/referrals/{referral.pk}/decline/", {"version": referral.version})
    assert response.status_code == 400 and "Choose a reason" in response.content.decode()
    response = vera.post(
        f"/referrals/{referral.pk}/decline/",
        {"version": referral.version, "reason": "no_capacity"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.state, referral.responsible_user) == ("declined", world["teacher"])
    page = teacher.get(f"/referrals/{referral.pk}/").content.decode()
    assert "No capacity at the moment" in page and "Suggested next" in page


def test_outsiders_and_the_recipient_of_a_draft_get_404(world: dict[str, Any]) -> None:
    signal = _signal(world)
    teacher = verified_client(world["teacher"])
    teacher.post(
        f"/referrals/new/{signal.pk}/",
        {
            "recipients": [f"social-domain-minor-veilig-thuis:{world['veilig'].pk}"],
            "submit": "draft",
            **_consent(),
        },
    )
    referral = Referral.objects.get()
    assert referral.state == "draft"
    for user in ("vera", "outsider"):
        client = verified_client(world[user])
        assert client.get(f"/referrals/{referral.pk}/").status_code == 404
        assert client.post(f"/referrals/{referral.pk}/accept/", {"version": 1}).status_code == 404
        assert client.get(f"/referrals/new/{signal.pk}/").status_code == 404
    assert verified_client(world["outsider"]).get("/referrals/999999/").status_code == 404
    assert AuditEvent.objects.filter(object_type="referral", action="denied").count() >= 4
    assert ReferralTransition.objects.filter(referral=referral).count() == 1  # created only


def test_the_overview_is_for_coordinators_only(world: dict[str, Any]) -> None:
    assert verified_client(world["teacher"]).get("/referrals/overview/").status_code == 403
    assert verified_client(world["cora"]).get("/referrals/overview/").status_code == 200


def test_an_unknown_action_is_404(world: dict[str, Any]) -> None:
    signal = _signal(world)
    _refer(
        verified_client(world["teacher"]),
        signal,
        [f"social-domain-minor-veilig-thuis:{world['veilig'].pk}"],
    )
    referral = Referral.objects.get()
    response = verified_client(world["vera"]).post(f"/referrals/{referral.pk}/explode/", {})
    assert response.status_code == 404


def test_a_prosecutor_refers_a_signal_of_the_office_to_the_avim(db: Any, centre: Any) -> None:
    """Prosecutors see but do not change signals; they refer (source 004:L110-L112)."""
    from opennrm.referrals import services

    office = factories.organisation("om", kind="prosecution", country="NL")
    avim = factories.organisation("avim", kind="police", country="NL", functions=["police-avim"])
    clerk = factories.user("ivo", office, "investigator")
    prosecutor = factories.user("pieter", office, "prosecutor")
    signal = intake_services.signal_record(
        actor=clerk, organisation_id=office.pk, data={"description": "x", "population": "adult"}
    )
    page = verified_client(prosecutor).get(f"/referrals/new/{signal.pk}/")
    assert page.status_code == 200 and f"police-pps-avim:{avim.pk}" in page.content.decode()
    referral = services.referral_create(
        actor=prosecutor,
        signal_id=signal.pk,
        recipient_organisation_id=avim.pk,
        data={"rule": "police-pps-avim", "consent": {"basis": "consent", **_consent()}},
        send=True,
    )
    assert (referral.state, referral.sender_organisation) == ("sent", office)


def test_an_acute_signal_is_referred_as_acute_even_through_a_normal_rule(
    world: dict[str, Any],
) -> None:
    """An acute threat is never given working days: one hour to accept."""
    from opennrm.referrals import services

    signal = intake_services.signal_record(
        actor=world["teacher"],
        organisation_id=world["school"].pk,
        data={"description": "x", "population": "minor", "region": "NL-UT", "acute": True},
    )
    referral = services.referral_create(
        actor=world["teacher"],
        signal_id=signal.pk,
        recipient_organisation_id=world["veilig"].pk,
        data={"rule": "social-domain-minor-veilig-thuis", "consent": _consent()},
        send=True,
    )
    assert referral.urgency == "acute"
    assert referral.sent_at is not None and referral.accept_by is not None
    assert (referral.accept_by - referral.sent_at).total_seconds() == 3600
