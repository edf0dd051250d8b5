"""The escalation job: a referral nobody accepted by its deadline goes to the coordination centre,
once, with one notification per person, e-mailed after the commit and without personal data; two
runs at once never escalate a referral twice."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from opennrm.core.models import AuditEvent
from opennrm.directory.models import Notification, Organisation, User
from opennrm.intake.models import Signal
from opennrm.referrals import services
from opennrm.referrals.models import Referral, ReferralTransition
from tests.referrals.helpers import (
    DESCRIPTION,
    NOTE,
    PERSON_DESCRIPTION,
    PLACE_DETAIL,
    VT_RULE,
    at,
    fresh,
    record_signal,
    refer,
)

SENT = at("2026-11-18 10:00")  # a Wednesday, no holiday near


@pytest.fixture
def acute(world: None, teacher: User, school: Organisation, veilig_thuis: Organisation) -> Referral:
    """An acute referral to Veilig Thuis, sent at ``SENT``: to be accepted within the hour."""
    with time_machine.travel(SENT, tick=False):
        signal = record_signal(teacher, school, acute=True)
        referral = fresh(refer(teacher, signal, veilig_thuis, send=True))
    assert (referral.urgency, referral.accept_by) == ("acute", SENT + timedelta(hours=1))
    return referral


def _escalate(moment: datetime, **kwargs: Any) -> services.EscalationRun:
    with time_machine.travel(moment, tick=False):
        return services.escalate_overdue(**kwargs)


def _escalations(referral: Referral) -> list[ReferralTransition]:
    return list(ReferralTransition.objects.filter(referral=referral, action="escalate"))


def _escalated_to(user: User) -> int:
    return Notification.objects.filter(user=user, kind="referral_escalated").count()


def test_an_acute_referral_not_accepted_within_the_hour_goes_to_the_centre(
    acute: Referral, teacher: User, vera: User, cora: User, colin: User, centre: Organisation
) -> None:
    late = SENT + timedelta(hours=1, minutes=5)
    run = _escalate(late)
    assert (run.due, run.escalated) == (1, [acute.pk])
    row = fresh(acute)
    assert row.escalated_at == late and row.state == "sent"
    assert (row.responsible_organisation, row.responsible_user) == (centre, cora)
    assert row.version == acute.version + 1
    (step,) = _escalations(acute)
    assert (step.from_state, step.to_state, step.actor, step.organisation) == (
        "sent",
        "sent",
        None,
        centre,
    )
    event = AuditEvent.objects.filter(object_type="referral", object_id=str(acute.pk)).first()
    assert event is not None and event.detail["transition"] == "escalate"
    assert (event.actor_id, event.actor_label) == (None, "escalation-job")
    assert event.detail["overdue_minutes"] == 5
    assert [_escalated_to(user) for user in (teacher, cora, colin)] == [1, 1, 1]
    assert Notification.objects.filter(kind="referral_escalated").count() == 3
    row_for_cora = Notification.objects.get(user=cora, kind="referral_escalated")
    assert row_for_cora.reference == acute.reference
    assert row_for_cora.organisation_name == acute.recipient_organisation.name
    assert row_for_cora.link == f"/referrals/{acute.pk}/"


def test_running_the_job_again_escalates_nothing_and_notifies_nobody(
    acute: Referral, colin: User
) -> None:
    assert _escalate(SENT + timedelta(hours=2)).escalated == [acute.pk]
    notifications = Notification.objects.count()
    version = fresh(acute).version
    for later in (timedelta(hours=2), timedelta(hours=3), timedelta(days=3)):
        run = _escalate(SENT + later)
        assert (run.due, run.escalated) == (0, [])
    assert Notification.objects.count() == notifications
    assert len(_escalations(acute)) == 1 and fresh(acute).version == version


def test_a_referral_not_yet_due_is_not_escalated(acute: Referral, colin: User) -> None:
    run = _escalate(SENT + timedelta(minutes=59))
    assert (run.due, run.escalated) == (0, [])
    row = fresh(acute)
    assert row.escalated_at is None and row.responsible_user == acute.sender
    assert not Notification.objects.filter(kind="referral_escalated").exists()


@pytest.mark.parametrize("answered_after", [timedelta(minutes=30), timedelta(hours=2)])
def test_an_accepted_referral_is_never_escalated(
    acute: Referral, vera: User, colin: User, answered_after: timedelta
) -> None:
    with time_machine.travel(SENT + answered_after, tick=False):
        services.referral_accept(actor=vera, referral_id=acute.pk, expected_version=acute.version)
    for later in (timedelta(hours=3), timedelta(days=10)):
        assert _escalate(SENT + later).escalated == []
    row = fresh(acute)
    assert row.escalated_at is None and row.responsible_user == vera
    assert not _escalations(acute)


@pytest.mark.parametrize("action", ["decline", "revoke"])
def test_a_closed_referral_is_never_escalated(
    acute: Referral, teacher: User, vera: User, colin: User, action: str
) -> None:
    with time_machine.travel(SENT + timedelta(minutes=10), tick=False):
        if action == "decline":
            services.referral_decline(
                actor=vera,
                referral_id=acute.pk,
                expected_version=acute.version,
                reason="no_capacity",
            )
        else:
            services.referral_revoke(
                actor=teacher,
                referral_id=acute.pk,
                expected_version=acute.version,
                reason="sent_in_error",
            )
    assert _escalate(SENT + timedelta(hours=5)).escalated == []
    assert fresh(acute).escalated_at is None


def test_a_normal_referral_is_escalated_after_the_second_working_day(
    world: None,
    teacher: User,
    school: Organisation,
    veilig_thuis: Organisation,
    colin: User,
) -> None:
    with time_machine.travel(at("2026-12-24 15:00"), tick=False):
        signal = record_signal(teacher, school)
        referral = refer(teacher, signal, veilig_thuis, rule=VT_RULE, send=True)
    assert _escalate(at("2026-12-28 12:00")).escalated == []  # over Christmas and a Sunday
    assert _escalate(at("2026-12-29 23:59")).escalated == []
    assert _escalate(at("2026-12-30 00:01")).escalated == [referral.pk]


def test_the_oldest_deadlines_go_first_and_the_rest_in_the_next_run(
    world: None, teacher: User, school: Organisation, veilig_thuis: Organisation, colin: User
) -> None:
    referrals = []
    for minutes in (20, 0, 10):
        with time_machine.travel(SENT + timedelta(minutes=minutes), tick=False):
            signal = record_signal(teacher, school, acute=True)
            referrals.append(refer(teacher, signal, veilig_thuis, send=True))
    first = _escalate(SENT + timedelta(hours=3), limit=2)
    assert first.escalated == [referrals[1].pk, referrals[2].pk]
    assert _escalate(SENT + timedelta(hours=3), limit=2).escalated == [referrals[0].pk]


def test_after_escalation_the_recipient_may_still_accept_or_a_coordinator_take_over(
    acute: Referral, vera: User, cora: User, colin: User, veilig_thuis: Organisation
) -> None:
    _escalate(SENT + timedelta(hours=2))
    taken = services.referral_take(
        actor=colin, referral_id=acute.pk, expected_version=fresh(acute).version
    )
    assert taken.responsible_user == colin
    accepted = services.referral_accept(
        actor=vera, referral_id=acute.pk, expected_version=fresh(acute).version
    )
    assert (accepted.state, accepted.responsible_organisation, accepted.responsible_user) == (
        "accepted",
        veilig_thuis,
        vera,
    )


# --- e-mail ---------------------------------------------------------------------------------------


def test_the_emails_go_out_after_the_commit_only(
    acute: Referral,
    colin: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with time_machine.travel(SENT + timedelta(hours=2), tick=False):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.escalate_overdue()
        assert mailoutbox == []  # written to the inbox, not yet e-mailed
        assert callbacks
        for callback in callbacks:
            callback()
    assert len(mailoutbox) == 3


def test_the_emails_carry_the_link_and_no_personal_data(
    acute: Referral,
    teacher: User,
    cora: User,
    colin: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _escalate(SENT + timedelta(hours=2))
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted(
        user.email for user in (teacher, cora, colin)
    )
    link = f"{settings.OPENNRM_BASE_URL}referrals/{acute.pk}/"
    for mail in mailoutbox:
        assert len(mail.to) == 1
        assert link in mail.body and acute.reference in mail.subject
        text = f"{mail.subject}\n{mail.body}"
        for secret in (DESCRIPTION, PERSON_DESCRIPTION, PLACE_DETAIL, NOTE, "Zoë", "grey van"):
            assert secret not in text, secret


# --- two runs at once ---------------------------------------------------------------------------


def test_a_referral_claimed_by_another_run_is_not_escalated_again(
    acute: Referral, colin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other run won: the due list still names the referral, but the claim finds it taken."""
    late = SENT + timedelta(hours=2)
    assert _escalate(late).escalated == [acute.pk]
    notifications = Notification.objects.count()
    real_filter = Referral.objects.filter

    def stale_selection(*args: Any, **kwargs: Any) -> Any:
        if "accept_by__lte" in kwargs and "pk" not in kwargs:  # the selection of due ids
            kwargs.pop("escalated_at__isnull", None)
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Referral.objects, "filter", stale_selection)
    run = _escalate(late)
    assert (run.due, run.escalated) == (1, [])
    assert len(_escalations(acute)) == 1
    assert Notification.objects.count() == notifications


def test_a_run_overtaken_between_selection_and_claim_claims_nothing(
    acute: Referral, teacher: User, cora: User, colin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another run escalates the referral after this run selected it and before it claims it."""
    real_filter = Referral.objects.filter
    other_runs: list[services.EscalationRun] = []
    raced: list[bool] = []

    def overtaken(*args: Any, **kwargs: Any) -> Any:
        if "pk" in kwargs and "escalated_at__isnull" in kwargs and not raced:  # the claim
            raced.append(True)  # the other run claims normally
            other_runs.append(services.escalate_overdue(label="other-run"))
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Referral.objects, "filter", overtaken)
    run = _escalate(SENT + timedelta(hours=2))
    assert [other.escalated for other in other_runs] == [[acute.pk]]
    assert (run.due, run.escalated) == (1, [])
    assert len(_escalations(acute)) == 1
    assert [_escalated_to(user) for user in (teacher, cora, colin)] == [1, 1, 1]
    event = AuditEvent.objects.filter(object_type="referral", object_id=str(acute.pk)).first()
    assert event is not None and event.actor_label == "other-run"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_two_jobs_at_once_escalate_each_referral_exactly_once(
    world: None,
    teacher: User,
    school: Organisation,
    veilig_thuis: Organisation,
    cora: User,
    colin: User,
) -> None:
    referrals: list[Referral] = []
    with time_machine.travel(SENT, tick=False):
        for _index in range(20):
            signal: Signal = record_signal(teacher, school, acute=True)
            referrals.append(refer(teacher, signal, veilig_thuis, send=True))
    runs: list[services.EscalationRun] = []
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def job(label: str) -> None:
        from django.db import connection as thread_connection

        try:
            start.wait(timeout=10)
            runs.append(services.escalate_overdue(label=label))
        except BaseException as exc:  # reported by the assertions below
            failures.append(exc)
        finally:
            thread_connection.close()

    with time_machine.travel(SENT + timedelta(hours=2), tick=False):
        threads = [threading.Thread(target=job, args=(f"job-{n}",)) for n in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert failures == [] and len(runs) == 2
    claimed = [pk for run in runs for pk in run.escalated]
    assert sorted(claimed) == sorted(referral.pk for referral in referrals)  # each exactly once
    for referral in referrals:
        assert len(_escalations(referral)) == 1
        for user in (teacher, cora, colin):
            assert (
                Notification.objects.filter(
                    user=user, kind="referral_escalated", reference=referral.reference
                ).count()
                == 1
            )
    assert Notification.objects.filter(kind="referral_escalated").count() == 60


def test_escalation_keeps_the_coordinator_who_already_took_the_referral_over(
    acute: Referral, cora: User, colin: User, centre: Organisation
) -> None:
    """Colin took responsibility before the deadline: the job must not hand it to another
    coordinator behind his back (the duty coordinator stands in only while nobody took it)."""
    with time_machine.travel(SENT + timedelta(minutes=30), tick=False):
        services.referral_take(actor=colin, referral_id=acute.pk, expected_version=acute.version)
    assert _escalate(SENT + timedelta(hours=2)).escalated == [acute.pk]
    row = fresh(acute)
    assert (row.responsible_organisation, row.responsible_user) == (centre, colin)


def test_the_command_escalates_and_prints_counts_only(acute: Referral) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with time_machine.travel(SENT + timedelta(hours=2), tick=False):
        call_command("referrals_escalate", stdout=out)
    assert out.getvalue().strip() == "1 referral(s) escalated (1 due)"
    assert acute.reference not in out.getvalue()
    with pytest.raises(SystemExit):
        call_command("referrals_escalate", "--every", "5", stdout=out, stderr=StringIO())
