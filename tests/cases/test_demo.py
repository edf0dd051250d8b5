"""The demo case file: loaded once with the demo data, led by the demo case worker, visible to
the guardian and the police contact, with a running procedure, deadlines and a task."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command

from opennrm.cases import case_selectors
from opennrm.cases.models import CaseFile, Deadline
from opennrm.directory.models import User


def test_demo_load_opens_one_case_file_once(db: Any, settings: Any) -> None:
    settings.OPENNRM_DEMO = True
    out = StringIO()
    call_command("demo_load", stdout=out)
    assert "1 new case files" in out.getvalue()
    call_command("demo_load", stdout=StringIO())
    case = CaseFile.objects.get()
    assert (case.phase, case.unaccompanied_minor, case.lead_organisation.slug) == (
        "assistance",
        True,
        "nl-coa",
    )
    assert case.procedures.get().state == "reflection"
    kinds = set(Deadline.objects.filter(case=case, status="open").values_list("kind", flat=True))
    assert {"procedure", "majority", "transition_plan", "task", "service_follow_up"} <= kinds
    for username in ("demo-caseworker", "demo-guardian", "demo-investigator", "demo-coordinator"):
        seen = case_selectors.case_list(actor=User.objects.get(username=username))
        assert [item.pk for item in seen] == [case.pk], username
    assert case_selectors.case_list(actor=User.objects.get(username="demo-teacher")) == []
    # Shared with the municipality's care coordinator under the demo covenant: services only.
    carla = User.objects.get(username="demo-carecoordinator")
    assert [item.pk for item in case_selectors.case_list(actor=carla)] == [case.pk]
    assert case_selectors.case_access(carla, case).categories == {"services", "notes"}
