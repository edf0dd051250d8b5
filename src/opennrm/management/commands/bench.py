"""``opennrm bench``: throughput and latency of the security-critical paths, on a scratch database.

It creates a throw-away test database (as the test runner does), fills it with synthetic persons
and audit events, measures, and destroys it. Nothing touches the configured database. Targets and
recorded results: benchmarks/README.md.
"""

from __future__ import annotations

import io
import random
import re
import secrets
import statistics
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.test.utils import setup_test_environment, teardown_test_environment

GIVEN = ["Ana", "Maria", "José", "Ioana", "Elena", "Fatima", "Olga", "Chen", "Amina", "Sofia"]
FAMILY = ["Popescu", "Ionescu", "de Vries", "Janssens", "Öztürk", "Nowak", "Diallo", "Peeters"]


def _timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


class Command(BaseCommand):
    help = "Measure audit, encryption, search and key-rotation speed on a scratch database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=2000, help="persons to create")
        parser.add_argument("--events", type=int, default=5000, help="audit events to append")
        parser.add_argument("--searches", type=int, default=200, help="name searches to time")
        parser.add_argument("--signals", type=int, default=2000, help="signals to record/screen")
        parser.add_argument(
            "--referrals", type=int, default=1000, help="referrals to send and escalate"
        )
        parser.add_argument(
            "--cases", type=int, default=1000, help="case files to open, step and remind"
        )
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **opts: Any) -> None:
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            self._run(opts)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()

    def _run(self, opts: dict[str, Any]) -> None:
        from opennrm.cases import selectors, services
        from opennrm.core import audit
        from opennrm.directory.models import Membership, Organisation, User

        rng = random.Random(opts["seed"])  # noqa: S311  (synthetic, reproducible data)
        org = Organisation.objects.create(slug="bench", name="Bench", kind="other", country="NL")
        actor = User.objects.create(username="bench")
        Membership.objects.create(user=actor, organisation=org, role="coordinator")
        vendor = connection.vendor
        self.stdout.write(f"database: {vendor}; persons={opts['persons']} events={opts['events']}")

        n = opts["events"]
        took, _ = _timed(lambda: [audit.record(action="read", actor=actor) for _ in range(n)])
        self._line("audit.record", n / took, "events/s")
        took, result = _timed(audit.verify_chain)
        self._line("audit.verify_chain", result.checked / took, "events/s")

        n = opts["persons"]

        def create_all() -> None:
            for _ in range(n):
                services.person_create(
                    actor=actor,
                    organisation_id=org.pk,
                    data={
                        "given_names": rng.choice(GIVEN),
                        "family_name": rng.choice(FAMILY),
                        "date_of_birth": f"{rng.randint(1960, 2010)}-0{rng.randint(1, 9)}-12",
                        "notes": "synthetic",
                    },
                )

        took, _ = _timed(create_all)
        self._line("person_create (encrypt + index + audit)", n / took, "persons/s")

        latencies = []
        for _ in range(opts["searches"]):
            query = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}".lower()
            took, _ = _timed(selectors.person_search, actor=actor, name=query)
            latencies.append(took * 1000)
        latencies.sort()
        p95 = latencies[int(len(latencies) * 0.95) - 1]
        self._line("person_search median", statistics.median(latencies), "ms")
        self._line("person_search p95", p95, "ms")

        signal_ids = self._signals(opts["signals"], actor, org, rng)
        self._referrals(signal_ids[: opts["referrals"]], actor)
        self._cases(opts["cases"], rng)

        # A new primary key in memory only: the configured key files are not touched.
        settings.OPENNRM_DATA_KEYS = [
            ("bench", secrets.token_bytes(32)),
            *settings.OPENNRM_DATA_KEYS,
        ]
        report = io.StringIO()
        took, _ = _timed(call_command, "rotate_keys", stdout=report)
        values = sum(
            int(n) for n in re.findall(r"^(\d+) values re-encrypted", report.getvalue(), re.M)
        )
        self._line(f"rotate-keys ({values} values re-encrypted)", values / took, "values/s")

    def _signals(self, n: int, actor: Any, org: Any, rng: random.Random) -> list[int]:
        """Intake: recording, screening (the scoring itself and the whole service), the queue."""
        from opennrm.intake import catalogues, scoring, selectors, services

        minors = catalogues.catalogues().get("nl-criminal-exploitation-minors")
        assert minors is not None  # noqa: S101 (shipped with the code)
        codes = [item.code for item in minors.indicators]

        def record_all() -> list[int]:
            return [
                services.signal_record(
                    actor=actor,
                    organisation_id=org.pk,
                    data={
                        "description": "synthetic observation " * 8,
                        "population": "minor",
                        "estimated_age": rng.randint(10, 17),
                        "forms": ["criminal_activities"],
                        "acute": rng.random() < 0.05,
                    },
                ).pk
                for _ in range(n)
            ]

        took, ids = _timed(record_all)
        self._line("signal_record (encrypt + audit)", n / took, "signals/s")
        took, _ = _timed(
            lambda: [scoring.screen(minors, rng.sample(codes, 5), "minor") for _ in range(n)]
        )
        self._line("scoring.screen (pure, 5 indicators)", n / took, "screenings/s")
        sample = ids[: max(1, n // 4)]
        took, _ = _timed(
            lambda: [
                services.screening_run(
                    actor=actor, signal_id=pk, catalogue_id=minors.id, observed=rng.sample(codes, 3)
                )
                for pk in sample
            ]
        )
        self._line("screening_run (service, stored)", len(sample) / took, "screenings/s")
        latencies = []
        for _ in range(50):
            took, queue = _timed(selectors.triage_queue, actor=actor)
            latencies.append(took * 1000)
        self._line(f"triage_queue ({len(queue)} shown) median", statistics.median(latencies), "ms")
        return ids

    def _referrals(self, signal_ids: list[int], actor: Any) -> None:
        """Referrals: create and send, escalate the overdue ones, the coordinator's overview."""
        from opennrm.core import clock
        from opennrm.directory.models import Membership, Organisation, User
        from opennrm.referrals import selectors, services
        from opennrm.referrals.models import Referral

        n = len(signal_ids)
        recipient = Organisation.objects.create(
            slug="bench-recipient", name="Recipient", kind="child_protection", country="NL"
        )
        centre = Organisation.objects.create(
            slug="bench-centre", name="Centre", kind="coordination_centre", country="NL"
        )
        coordinator = User.objects.create(username="bench-coordinator", email="c@example.invalid")
        Membership.objects.create(user=coordinator, organisation=centre, role="coordinator")
        consent = {"basis": "consent", "given_at": clock.now(), "language": "nl"}

        def send_all() -> None:
            for pk in signal_ids:
                services.referral_create(
                    actor=actor,
                    signal_id=pk,
                    recipient_organisation_id=recipient.pk,
                    data={"shared": ["description"], "consent": consent},
                    send=True,
                )

        took, _ = _timed(send_all)
        self._line("referral_create + send (notify, audit)", n / took, "referrals/s")
        # Every referral overdue: the job escalates and notifies each one once.
        Referral.objects.update(accept_by=clock.now())
        took, run = _timed(services.escalate_overdue, limit=n)
        self._line(f"escalate_overdue ({len(run.escalated)} escalated)", n / took, "referrals/s")
        took, again = _timed(services.escalate_overdue, limit=n)
        self._line(f"escalate_overdue again ({len(again.escalated)} escalated)", took * 1000, "ms")
        latencies = []
        for _ in range(20):
            took, _overview = _timed(selectors.dashboard, actor=coordinator)
            latencies.append(took * 1000)
        self._line(f"referral overview ({n} waiting) median", statistics.median(latencies), "ms")

    def _cases(self, n: int, rng: random.Random) -> None:
        """Case files: open with a procedure, record a step, remind, the deadline boards and the
        case page (rendered through the real view, signed in with a verified second factor)."""
        from datetime import timedelta

        from django.test import Client
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from opennrm.cases import case_selectors, casefiles, deadlines, protection, services
        from opennrm.core import clock
        from opennrm.directory.models import Membership, Organisation, User

        if n <= 0:
            return
        shelter = Organisation.objects.create(
            slug="bench-shelter", name="Shelter", kind="shelter_ngo", country="BE"
        )
        worker = User.objects.create(username="bench-worker", email="w@example.invalid")
        Membership.objects.create(user=worker, organisation=shelter, role="case_worker")
        today = clock.now().date()

        def open_all() -> list[int]:
            ids = []
            for _ in range(n):
                person = services.person_create(
                    actor=worker,
                    organisation_id=shelter.pk,
                    data={
                        "given_names": rng.choice(GIVEN),
                        "family_name": rng.choice(FAMILY),
                        "date_of_birth": f"{rng.randint(2009, 2012)}-0{rng.randint(1, 9)}-12",
                    },
                )
                case = casefiles.case_open(
                    actor=worker, organisation_id=shelter.pk, person_id=person.pk
                )
                protection.procedure_start(
                    actor=worker,
                    case_id=case.pk,
                    procedure="BE/residence",
                    state="reflection",
                    effective_on=today - timedelta(days=rng.randint(0, 40)),
                )
                ids.append(case.pk)
            return ids

        took, case_ids = _timed(open_all)
        self._line("case_open + person + procedure_start", n / took, "cases/s")

        def step_all() -> None:
            for pk in case_ids:
                row = protection.ProtectionProcedure.objects.get(case_id=pk)
                protection.procedure_step(
                    actor=worker,
                    case_id=pk,
                    procedure_id=row.pk,
                    expected_version=row.version,
                    transition="statement",
                )

        took, _ = _timed(step_all)
        self._line("procedure_step (statement → permit)", n / took, "steps/s")
        # Every deadline's reminder is due: the job reminds each owner once.
        deadlines.Deadline.objects.update(remind_on=today)
        total = deadlines.Deadline.objects.filter(status="open").count()
        took, sent = _timed(deadlines.send_reminders, limit=total)
        self._line(f"send_reminders ({sent} sent)", sent / took, "reminders/s")
        took, again = _timed(deadlines.send_reminders, limit=total)
        self._line(f"send_reminders again ({again} sent)", took * 1000, "ms")
        for name, board in (
            ("my_deadlines", case_selectors.my_deadlines),
            ("organisation_deadlines", case_selectors.organisation_deadlines),
        ):
            latencies = []
            for _ in range(20):
                took, _board = _timed(board, actor=worker)
                latencies.append(took * 1000)
            self._line(f"{name} ({n} cases) median", statistics.median(latencies), "ms")
        client = Client()
        client.force_login(worker)
        device = TOTPDevice.objects.create(user=worker, name="bench", confirmed=True)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        latencies = []
        for pk in case_ids[:50]:
            took, response = _timed(client.get, f"/cases/{pk}/")
            if response.status_code != 200:
                raise RuntimeError(f"case page answered {response.status_code}")
            latencies.append(took * 1000)
        self._line("case page (GET, rendered) median", statistics.median(latencies), "ms")

    def _line(self, what: str, value: float, unit: str) -> None:
        self.stdout.write(f"{what:45s} {value:10.1f} {unit}")
