"""What of the signal a referral shows to whom (minimum necessary data): the recipient sees the
categories before it accepts, the shared categories only once it has accepted and no longer once
the referral is revoked; the sender's side and the coordinators always see them; every showing is
audited as a read of the signal naming the referral; the signal itself stays behind its own door.
"""

from __future__ import annotations

from typing import Any

import pytest

from opennrm.core.errors import NotFoundOrForbidden
from opennrm.core.models import AuditEvent
from opennrm.directory.models import Organisation, User
from opennrm.intake import selectors as intake_selectors
from opennrm.intake.models import Signal
from opennrm.referrals import selectors, services, sharing
from opennrm.referrals.models import Referral
from tests.conftest import verified_client
from tests.referrals.helpers import (
    DESCRIPTION,
    PERSON_DESCRIPTION,
    PLACE_DETAIL,
    VT_RULE,
    fresh,
    record_signal,
    refer,
)

SHARED_FIELDS = ("description", "person_description", "place", "first_contact", "screenings")


@pytest.fixture
def signal(world: None, teacher: User, school: Organisation) -> Signal:
    return record_signal(teacher, school)


@pytest.fixture
def referral(signal: Signal, teacher: User, veilig_thuis: Organisation) -> Referral:
    """Sent to Veilig Thuis, sharing what was observed and the place (not the person)."""
    return fresh(
        refer(
            teacher, signal, veilig_thuis, rule=VT_RULE, shared=["description", "place"], send=True
        )
    )


def _accept(actor: User, referral: Referral) -> Referral:
    services.referral_accept(
        actor=actor, referral_id=referral.pk, expected_version=fresh(referral).version
    )
    return fresh(referral)


def _revoke(actor: User, referral: Referral) -> Referral:
    services.referral_revoke(
        actor=actor,
        referral_id=referral.pk,
        expected_version=fresh(referral).version,
        reason="no_longer_needed",
    )
    return fresh(referral)


def _reads(signal: Signal) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action="read", object_type="signal", object_id=str(signal.pk))
    )


def _shown(actor: User, referral: Referral) -> sharing.SharedData:
    """The data as the referral page shows it to ``actor``."""
    row = selectors.access_referral(actor=actor, referral_id=referral.pk)
    return sharing.shared_data(
        actor=actor, referral=row, show_shared=selectors.sees_shared(actor, row)
    )


def test_before_acceptance_the_recipient_sees_the_categories_only(
    referral: Referral, signal: Signal, vera: User
) -> None:
    assert not selectors.sees_shared(vera, referral)
    data = sharing.shared_data(actor=vera, referral=referral, show_shared=False)
    assert data.shared is False
    for name in SHARED_FIELDS:
        assert getattr(data, name) is None, name
    assert (data.estimated_age, data.region, data.acute) == (14, "NL-UT", False)
    assert data.population.startswith("Minor") and data.forms and data.barrier
    assert _reads(signal) == []  # nothing protected was shown


def test_after_acceptance_the_recipient_sees_exactly_the_shared_categories(
    referral: Referral, signal: Signal, vera: User
) -> None:
    accepted = _accept(vera, referral)
    assert selectors.sees_shared(vera, accepted)
    data = _shown(vera, accepted)
    assert data.shared is True
    assert data.description == DESCRIPTION
    assert data.place == f"Utrecht, {PLACE_DETAIL}"
    assert data.person_description is None  # not shared
    assert data.first_contact is None and data.screenings is None


def test_every_category_can_be_shared(
    signal: Signal, teacher: User, vera: User, veilig_thuis: Organisation
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, shared=list(SHARED_FIELDS))
    services.referral_send(actor=teacher, referral_id=referral.pk, expected_version=1)
    data = _shown(vera, _accept(vera, referral))
    assert data.person_description == PERSON_DESCRIPTION
    assert data.first_contact == [] and data.screenings == []


def test_sharing_nothing_shows_nothing_even_after_acceptance(
    signal: Signal, teacher: User, vera: User, veilig_thuis: Organisation
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, shared=[], send=True)
    data = _shown(vera, _accept(vera, referral))
    for name in SHARED_FIELDS:
        assert getattr(data, name) is None, name
    assert _reads(signal) == []


def test_the_recipient_loses_the_shared_data_when_the_referral_is_revoked(
    referral: Referral, teacher: User, vera: User
) -> None:
    accepted = _accept(vera, referral)
    assert selectors.sees_shared(vera, accepted)
    revoked = _revoke(teacher, accepted)
    assert not selectors.sees_shared(vera, revoked)
    assert _shown(vera, revoked).description is None


def test_a_completed_referral_still_shows_and_a_declined_one_never_did(
    referral: Referral,
    signal: Signal,
    teacher: User,
    vera: User,
    mira: User,
    municipality: Organisation,
) -> None:
    accepted = _accept(vera, referral)
    services.referral_complete(actor=vera, referral_id=accepted.pk, expected_version=3)
    assert selectors.sees_shared(vera, fresh(referral))
    other = refer(teacher, signal, municipality, shared=["description"], send=True)
    services.referral_decline(
        actor=mira, referral_id=other.pk, expected_version=2, reason="not_competent"
    )
    declined = fresh(other)
    assert not selectors.sees_shared(mira, declined)
    assert _shown(mira, declined).description is None


@pytest.mark.parametrize("state", ["draft", "sent", "accepted", "revoked"])
def test_the_senders_side_and_the_coordinators_always_see_the_shared_data(
    request: pytest.FixtureRequest,
    signal: Signal,
    teacher: User,
    theo: User,
    vera: User,
    cora: User,
    colin: User,
    veilig_thuis: Organisation,
    state: str,
) -> None:
    referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=state != "draft")
    if state == "accepted":
        referral = _accept(vera, referral)
    if state == "revoked":
        referral = _revoke(teacher, referral)
    referral = fresh(referral)
    for actor in (teacher, theo, cora, colin):
        assert selectors.sees_shared(actor, referral), actor
        assert _shown(actor, referral).description == DESCRIPTION


@pytest.mark.parametrize("outsider", ["otto", "dave", "mira", "carol", "bram"])
def test_other_organisations_see_neither_the_referral_nor_its_data(
    request: pytest.FixtureRequest, referral: Referral, vera: User, outsider: str
) -> None:
    accepted = _accept(vera, referral)
    user = request.getfixturevalue(outsider)
    assert not selectors.sees_shared(user, accepted)
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_referral(actor=user, referral_id=accepted.pk)
    assert AuditEvent.objects.filter(
        action="denied", object_type="referral", object_id=str(accepted.pk), actor_id=user.pk
    ).exists()


def test_showing_shared_data_is_audited_as_a_read_of_the_signal_naming_the_referral(
    referral: Referral, signal: Signal, vera: User
) -> None:
    accepted = _accept(vera, referral)
    assert _reads(signal) == []
    _shown(vera, accepted)
    (event,) = _reads(signal)
    assert event.actor_id == vera.pk
    assert event.detail == {"via_referral": accepted.pk, "categories": ["description", "place"]}
    assert DESCRIPTION not in str(event.detail)


def test_the_recipient_does_not_see_a_draft_at_all(
    signal: Signal, teacher: User, vera: User, veilig_thuis: Organisation
) -> None:
    draft = refer(teacher, signal, veilig_thuis, rule=VT_RULE)
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_referral(actor=vera, referral_id=draft.pk)
    assert not selectors.sees_shared(vera, fresh(draft))
    assert selectors.received_by_my_organisations(actor=vera) == []
    assert selectors.referrals_of_signal(actor=vera, signal_id=signal.pk) == []
    services.referral_send(actor=teacher, referral_id=draft.pk, expected_version=1)
    assert [item.pk for item in selectors.received_by_my_organisations(actor=vera)] == [draft.pk]
    assert selectors.access_referral(actor=vera, referral_id=draft.pk).pk == draft.pk


@pytest.mark.parametrize("action", ["view", "change", "triage"])
def test_the_recipient_cannot_open_the_signal_itself(
    referral: Referral, signal: Signal, vera: User, action: Any
) -> None:
    _accept(vera, referral)
    with pytest.raises(NotFoundOrForbidden):
        intake_selectors.access_signal(actor=vera, signal_id=signal.pk, action=action)
    assert not intake_selectors.may(vera, signal, "view")


def test_the_referral_page_shows_the_recipient_the_shared_data_only_once_accepted(
    referral: Referral, vera: User
) -> None:
    client = verified_client(vera)
    before = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert 'id="shared-hidden"' in before
    for secret in ("grey van", "red scarf", "Oudegracht", "Marieke"):
        assert secret not in before, secret
    _accept(vera, referral)
    after = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert 'id="shared-data"' in after
    # The page escapes text; the shared categories are shown, the person is not.
    assert "grey van" in after and "Oudegracht" in after and "Marieke" in after
    assert "red scarf" not in after
    assert f"/signals/{referral.signal_id}/" not in after  # no door to the signal itself


def test_a_draft_revoked_before_it_was_sent_stays_invisible_to_the_recipient(
    signal: Signal, teacher: User, vera: User, veilig_thuis: Organisation
) -> None:
    """The recipient never received it: it must not learn that it existed (nor its categories)."""
    draft = refer(teacher, signal, veilig_thuis, rule=VT_RULE)
    revoked = _revoke(teacher, draft)
    assert revoked.sent_at is None
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_referral(actor=vera, referral_id=revoked.pk)
    assert selectors.received_by_my_organisations(actor=vera) == []
    assert selectors.allowed_actions(vera, revoked) == []
