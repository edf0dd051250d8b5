"""The one door to a signal: each persona of the permission matrix, each branch audited."""

from __future__ import annotations

from typing import Any

import pytest

from opennrm.core.errors import NotFoundOrForbidden
from opennrm.core.models import AuditEvent
from opennrm.intake import selectors
from tests.cases.helpers import page_has
from tests.conftest import verified_client
from tests.intake.helpers import DESCRIPTION, make_signal


@pytest.fixture
def signal(fiona: Any, police_nl: Any) -> Any:
    return make_signal(fiona, police_nl, place_detail="Behind the Jaarbeurs hall")


def _events(action: str, signal: Any) -> int:
    return AuditEvent.objects.filter(
        action=action, object_type="signal", object_id=str(signal.pk)
    ).count()


@pytest.mark.parametrize("persona", ["fiona", "gert", "cora"])
def test_recorder_colleague_and_national_coordinator_read_and_are_audited(
    persona: str, signal: Any, request: Any
) -> None:
    actor = request.getfixturevalue(persona)
    seen = selectors.access_signal(actor=actor, signal_id=signal.pk, action="view")
    assert seen.description == DESCRIPTION
    assert (
        AuditEvent.objects.filter(action="read", object_type="signal", actor_id=actor.pk).count()
        == 1
    )


@pytest.mark.parametrize("persona", ["alice", "carol", "dave", "bram", "erin", "auditor"])
def test_everyone_else_gets_the_answer_of_a_missing_signal(
    persona: str, signal: Any, request: Any
) -> None:
    actor = request.getfixturevalue(persona)
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_signal(actor=actor, signal_id=signal.pk, action="view")
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_signal(actor=actor, signal_id=signal.pk + 1000, action="view")
    assert _events("denied", signal) == 1
    assert _events("read", signal) == 0


def test_anonymous_and_malformed_ids(signal: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    for actor, signal_id in ((AnonymousUser(), signal.pk), (None, signal.pk)):
        with pytest.raises(NotFoundOrForbidden):
            selectors.access_signal(actor=actor, signal_id=signal_id, action="view")
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_signal(actor=signal.observer, signal_id="1 OR 1=1", action="view")


def test_prosecutor_may_view_but_not_change(signal: Any, police_nl: Any) -> None:
    from tests import factories

    prosecutor = factories.user("pia", police_nl, "prosecutor")
    selectors.access_signal(actor=prosecutor, signal_id=signal.pk, action="view")
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_signal(actor=prosecutor, signal_id=signal.pk, action="change")


def test_only_coordinators_of_the_country_triage(
    signal: Any, fiona: Any, cora: Any, bram: Any
) -> None:
    assert selectors.may(cora, signal, "triage")
    assert not selectors.may(fiona, signal, "triage")
    assert not selectors.may(bram, signal, "triage")
    assert [item.pk for item in selectors.triage_queue(actor=cora)] == [signal.pk]
    assert selectors.triage_queue(actor=bram) == []
    assert selectors.triage_queue(actor=fiona) == []


def test_queue_puts_acute_first_then_oldest(fiona: Any, police_nl: Any, cora: Any) -> None:
    calm_old = make_signal(fiona, police_nl)
    calm_new = make_signal(fiona, police_nl)
    acute = make_signal(fiona, police_nl, acute=True)
    assert [item.pk for item in selectors.triage_queue(actor=cora)] == [
        acute.pk,
        calm_old.pk,
        calm_new.pk,
    ]


def test_pages_of_other_organisations_are_404_and_lists_hide_protected_text(
    signal: Any, carol: Any, dave: Any, gert: Any
) -> None:
    for actor in (carol, dave):
        client = verified_client(actor)
        for url in (
            f"/signals/{signal.pk}/",
            f"/signals/{signal.pk}/edit/",
            f"/signals/{signal.pk}/screen/",
        ):
            assert client.get(url).status_code in (403, 404), url
    listing = verified_client(gert).get("/signals/")
    assert listing.status_code == 200
    assert page_has(listing, signal.reference)
    assert not page_has(listing, DESCRIPTION) and not page_has(listing, "Jaarbeurs")
    detail = verified_client(gert).get(f"/signals/{signal.pk}/")
    assert page_has(detail, DESCRIPTION) and page_has(detail, "Jaarbeurs")


def test_analysts_have_no_signal_pages(dave: Any) -> None:
    client = verified_client(dave)
    assert client.get("/signals/").status_code == 403
    assert client.get("/signals/triage/").status_code == 403
    assert client.get("/signals/new/").status_code == 403


def test_a_missing_signal_is_audited_like_a_refused_one(fiona: Any, signal: Any) -> None:
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_signal(actor=fiona, signal_id=signal.pk + 99, action="view")
    event = AuditEvent.objects.get(action="denied", object_id=str(signal.pk + 99))
    assert (event.object_type, event.organisation_id, event.actor_id) == ("signal", None, fiona.pk)


def test_a_coordinator_outside_a_coordination_centre_triages_nothing(
    signal: Any, shelter_a: Any
) -> None:
    from tests import factories

    elsewhere = factories.user("cas", shelter_a, "coordinator")  # a shelter, not the centre
    assert not selectors.may(elsewhere, signal, "triage")
    assert selectors.triage_queue(actor=elsewhere) == []
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_signal(actor=elsewhere, signal_id=signal.pk, action="view")
