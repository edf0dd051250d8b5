"""Case-file pages: the list, opening a case, the case page with its actions, and the deadlines.

Views stay thin: they parse input with a form and call one service or selector. A missing or
forbidden case is a 404; ``InvalidInput`` shows on the form (400); an edit that lost a race is a
409 with the current state shown and nothing lost from what the user typed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opennrm.cases import (
    case_selectors,
    casefiles,
    casework,
    deadlines,
    dossier,
    missing,
    phases,
    procedures,
    protection,
    selectors,
    services,
)
from opennrm.cases.case_forms import (
    CompensationForm,
    CompensationUpdateForm,
    ExportForm,
    FoundForm,
    IdentificationForm,
    InformationForm,
    InterviewForm,
    JusticeForm,
    MissingForm,
    NoGuardianForm,
    OpenCaseForm,
    PlacementEndForm,
    PlacementForm,
    ProcedureStartForm,
    ProcedureStepForm,
    ServiceForm,
    ServiceUpdateForm,
    SituationForm,
    StepForm,
    TaskForm,
    TeamForm,
    TransferForm,
    VersionForm,
)
from opennrm.cases.case_selectors import IDENTITY, IMMIGRATION, JUSTICE, SERVICES
from opennrm.cases.casefiles import GUARDIAN_KINDS, POLICE_KINDS
from opennrm.cases.models import CaseFile
from opennrm.core import clock
from opennrm.core.errors import (
    ConcurrentEditError,
    InvalidInput,
    NotFoundOrForbidden,
    PermissionDeniedError,
)
from opennrm.core.forms import add_service_errors, set_choices
from opennrm.directory import roles
from opennrm.directory.backends import organisations_with_perm
from opennrm.directory.models import Membership, Organisation

EMPTY = [("", "\u2013")]


def _roles_with(perm: str) -> list[str]:
    return [role for role, perms in roles.ROLE_PERMISSIONS.items() if perm in perms]


def _people(organisation_ids: list[int], perm: str, *, with_org: bool) -> list[tuple[int, str]]:
    """(user id, label) of the active members holding ``perm`` in these organisations."""
    rows = (
        Membership.objects.filter(
            organisation_id__in=organisation_ids,
            is_active=True,
            user__is_active=True,
            role__in=_roles_with(perm),
        )
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__last_name", "user__username")
    )
    seen: dict[int, str] = {}
    for row in rows:
        name = row.user.get_full_name() or row.user.get_username()
        seen.setdefault(row.user.pk, f"{name} \u2013 {row.organisation.name}" if with_org else name)
    return list(seen.items())


def _orgs(country: str, kinds: tuple[str, ...] | None = None) -> list[tuple[int, str]]:
    queryset = Organisation.objects.filter(country=country, is_active=True)
    if kinds is not None:
        queryset = queryset.filter(kind__in=kinds)
    return list(queryset.order_by("name").values_list("pk", "name"))


def _case(request: HttpRequest, pk: int, *, record_read: bool = True) -> CaseFile:
    try:
        return case_selectors.access_case(actor=request.user, case_id=pk, record_read=record_read)
    except NotFoundOrForbidden:
        raise Http404 from None


# --- the list and the deadlines -----------------------------------------------------------------


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    include_closed = request.GET.get("closed") == "1"
    cases = case_selectors.case_list(actor=request.user, include_closed=include_closed)
    may_open = bool(organisations_with_perm(request.user, roles.ADD_CASE))
    return render(
        request,
        "cases/list.html",
        {"cases": cases, "include_closed": include_closed, "may_open": may_open},
    )


@login_required
@require_GET
def deadline_board(request: HttpRequest) -> HttpResponse:
    scope = "organisation" if request.GET.get("scope") == "organisation" else "mine"
    board = (
        case_selectors.organisation_deadlines(actor=request.user)
        if scope == "organisation"
        else case_selectors.my_deadlines(actor=request.user)
    )
    return render(request, "cases/deadlines.html", {"board": board, "scope": scope})


# --- opening a case -----------------------------------------------------------------------------


def _open_form(request: HttpRequest, data: Any = None) -> OpenCaseForm:
    org_ids = sorted(organisations_with_perm(request.user, roles.ADD_CASE))
    form = OpenCaseForm(
        data,
        initial={
            "person": request.GET.get("person"),
            "referral": request.GET.get("referral"),
            "owner": request.user.pk,
        },
    )
    set_choices(
        form,
        "organisation",
        list(
            Organisation.objects.filter(pk__in=org_ids).order_by("name").values_list("pk", "name")
        ),
    )
    set_choices(form, "owner", _people(org_ids, roles.CHANGE_CASE, with_org=True))
    return form


def _person_label(request: HttpRequest, person_id: object) -> str:
    try:
        person = selectors.access_person(actor=request.user, person_id=person_id, action="view")
    except (NotFoundOrForbidden, InvalidInput):
        return ""
    return person.display_name


@login_required
@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest) -> HttpResponse:
    """Open a case file for a registered person (``?person=``), or register the person here
    (e.g. from an accepted referral, ``?referral=``)."""
    if not organisations_with_perm(request.user, roles.ADD_CASE):
        raise Http404
    form = _open_form(request, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    person_id = data["person"]
                    if not person_id:
                        person_id = services.person_create(
                            actor=request.user,
                            organisation_id=data["organisation"],
                            data={
                                "given_names": data["given_names"],
                                "family_name": data["family_name"],
                                "date_of_birth": data["date_of_birth"].isoformat()
                                if data["date_of_birth"]
                                else "",
                            },
                        ).pk
                    case = casefiles.case_open(
                        actor=request.user,
                        organisation_id=data["organisation"],
                        person_id=person_id,
                        owner_id=data["owner"],
                        referral_id=data["referral"],
                        unaccompanied_minor=data["unaccompanied_minor"],
                    )
            except (NotFoundOrForbidden, PermissionDeniedError):
                raise Http404 from None
            except InvalidInput as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Case file %(reference)s is open.") % {"reference": case.reference}
                )
                return redirect("cases:case", pk=case.pk)
    person_id = request.POST.get("person") or request.GET.get("person")
    return render(
        request,
        "cases/open.html",
        {"form": form, "person_label": _person_label(request, person_id) if person_id else ""},
        status=status,
    )


# --- the case page ------------------------------------------------------------------------------


def _age(born: date | None, on: date) -> int | None:
    return None if born is None else casework.age_on(born, on)


def _forms_for(case: CaseFile) -> dict[str, Any]:
    version = {"version": case.version}
    team = TeamForm(
        initial={
            **version,
            "unaccompanied_minor": case.unaccompanied_minor,
            "guardian_organisation": case.guardian_organisation_id or "",
            "guardian": case.guardian_id or "",
            "guardian_appointed_on": case.guardian_appointed_on,
            "police_organisation": case.police_organisation_id or "",
            "police_contact": case.police_contact_id or "",
        }
    )
    identification = IdentificationForm(
        initial={
            **version,
            "status": case.identification_status,
            "decided_by": case.identification_decided_by_id or "",
            "decided_on": case.identification_decided_on,
        }
    )
    return {
        "version_form": VersionForm(initial=version),
        "step_form": StepForm(initial=version),
        "transfer_form": TransferForm(initial=version),
        "team_form": team,
        "no_guardian_form": NoGuardianForm(initial=version),
        "identification_form": identification,
        "procedure_start_form": ProcedureStartForm(),
        "task_form": TaskForm(),
        "missing_form": MissingForm(),
        "found_form": FoundForm(),
        "situation_form": _situation_form(case),
        "service_form": ServiceForm(initial={"status": "planned"}),
        "placement_form": PlacementForm(),
        "interview_form": InterviewForm(),
        "justice_form": JusticeForm(),
        "compensation_form": CompensationForm(),
        "information_form": InformationForm(),
    }


LIST_FIELDS = ("citizenships", "languages", "transit_countries")


def _situation_form(case: CaseFile) -> SituationForm:
    row = casework.situation_of(case)
    initial: dict[str, Any] = {name: getattr(row, name) for name in casework.SITUATION_FIELDS}
    for name in LIST_FIELDS:
        initial[name] = ", ".join(initial[name])
    initial["version"] = row.version
    return SituationForm(initial=initial)


def _fill_choices(case: CaseFile, forms: dict[str, Any]) -> None:
    country = case.jurisdiction
    guardian_orgs = _orgs(country, GUARDIAN_KINDS)
    police_orgs = _orgs(country, POLICE_KINDS)
    team = forms["team_form"]
    set_choices(team, "guardian_organisation", EMPTY + guardian_orgs)
    set_choices(
        team,
        "guardian",
        EMPTY + _people([pk for pk, _n in guardian_orgs], roles.VIEW_CASE, with_org=True),
    )
    set_choices(team, "police_organisation", EMPTY + police_orgs)
    set_choices(
        team,
        "police_contact",
        EMPTY + _people([pk for pk, _n in police_orgs], roles.VIEW_CASE, with_org=True),
    )
    set_choices(forms["identification_form"], "decided_by", EMPTY + _orgs(country))
    workers = _people([pk for pk, _n in _orgs(country)], roles.CHANGE_CASE, with_org=True)
    set_choices(forms["transfer_form"], "organisation", _orgs(country))
    set_choices(forms["transfer_form"], "owner", workers)
    set_choices(
        forms["task_form"],
        "owner",
        [
            ("", _("The case owner")),
            *_people([case.lead_organisation_id], roles.CHANGE_CASE, with_org=False),
        ],
    )
    organisations = _orgs(country)
    set_choices(forms["service_form"], "provider", EMPTY + organisations)
    set_choices(forms["placement_form"], "shelter", _orgs(country, casework.SHELTER_KINDS))
    all_orgs = list(
        Organisation.objects.filter(is_active=True).order_by("name").values_list("pk", "name")
    )
    set_choices(forms["interview_form"], "interviewer_organisation", all_orgs)
    set_choices(
        forms["interview_form"],
        "interviewer",
        EMPTY
        + _people(
            [pk for pk, _n in _orgs(country, (*POLICE_KINDS, "prosecution"))],
            roles.VIEW_SIGNAL,
            with_org=True,
        ),
    )
    set_choices(forms["justice_form"], "authority", EMPTY + all_orgs)
    set_choices(
        forms["information_form"],
        "justice_event",
        EMPTY
        + [
            (event.pk, f"{event.get_kind_display()} ({event.decided_on:%Y-%m-%d})")
            for event in case.justice_events.all()
        ],
    )
    started = set(case.procedures.values_list("procedure", flat=True))
    set_choices(
        forms["procedure_start_form"],
        "start",
        [
            (f"{rule.key}|{state}", f"{rule.name}: {rule.state(state).name}")
            for rule in procedures.of_country(country)
            if rule.key not in started
            for state in rule.start
        ],
    )


def _procedures(case: CaseFile) -> list[dict[str, Any]]:
    found = []
    for row in case.procedures.order_by("pk"):
        item = {"row": row, **protection.options(row)}
        form = ProcedureStepForm(initial={"version": row.version}, prefix=f"p{row.pk}")
        set_choices(form, "transition", [(step.code, step.name) for step in item.get("steps", [])])
        item["form"] = form
        item["history"] = list(row.transitions.select_related("actor", "organisation"))
        found.append(item)
    return found


def _context(request: HttpRequest, case: CaseFile, **overrides: Any) -> dict[str, Any]:
    forms = _forms_for(case)
    forms.update({key: value for key, value in overrides.items() if key.endswith("_form")})
    _fill_choices(case, forms)
    today = clock.now().date()
    access = case_selectors.case_access(request.user, case)
    sees = access.categories
    person_name = _person_label(request, case.person_id) if IDENTITY in sees else ""
    born = case.person.date_of_birth if person_name else None
    disappearances = list(case.disappearances.select_related("reported_by"))
    health = case_selectors.health_service_ids(case)
    return {
        "case": case,
        "access": access,
        "sees": sees,
        **forms,
        "failed_form": overrides.get("failed_form"),
        "person_name": person_name,
        "age": _age(born, today),
        "parts": case_selectors.parts_of(request.user, case),
        "phase_actions": case_selectors.allowed_phase_actions(request.user, case),
        "may_change": case_selectors.may_change(request.user, case),
        "may_report_missing": case_selectors.may_report_missing(request.user, case),
        "guardian_missing": case.unaccompanied_minor
        and not (case.guardian_id and case.guardian_organisation_id),
        "procedures": _procedures(case) if IMMIGRATION in sees else [],
        "deadlines": [
            row
            for row in case_selectors.deadlines_of_case(case)
            if case_selectors.deadline_visible(row, sees, health)
        ],
        "today": today,
        "disappearances": disappearances,
        "open_disappearance": next((row for row in disappearances if row.is_open), None),
        "transitions": list(case.transitions.select_related("actor", "organisation")),
        **_casework_context(case, today, born, sees),
        "phase_label": phases.label,
    }


def _casework_context(
    case: CaseFile, today: date, born: date | None, sees: frozenset[str]
) -> dict[str, Any]:
    """What the case page shows of the casework: only the categories the viewer sees (issue #6);
    data of the other categories is not even read."""
    situation = casework.situation_of(case)
    birth_year = born.year if born else situation.birth_year
    service_kinds = case_selectors.service_kinds_seen(sees)
    services = list(case.services.filter(kind__in=service_kinds).select_related("provider"))
    justice = JUSTICE in sees
    compensations = list(case.compensations.all()) if justice else []
    return {
        "situation": situation,
        "age_at_identification": _age_or_year(born, birth_year, case.identification_decided_on),
        "age_at_exploitation": _age_or_year(born, birth_year, situation.exploitation_started_on),
        "age_approximate": born is None and birth_year is not None,
        "case_services": [
            (
                service,
                ServiceUpdateForm(
                    initial={
                        "version": service.version,
                        "status": service.status,
                        "ends_on": service.ends_on,
                        "sessions": service.sessions,
                        "follow_up_on": service.follow_up_on,
                    },
                    prefix=f"s{service.pk}",
                ),
            )
            for service in services
        ],
        "placements": [
            (placement, placement.days(today))
            for placement in case.placements.select_related("shelter")
        ]
        if SERVICES in sees
        else [],
        "placement_end_form": PlacementEndForm(),
        "interviews": list(
            case.interviews.select_related("interviewer_organisation", "interviewer")
        )
        if justice
        else [],
        "minor_interviews": casework.minor_heard_more_than_once(case) if justice else False,
        "justice_events": list(case.justice_events.select_related("authority")) if justice else [],
        "uninformed": casework.uninformed_justice_events(case) if justice else [],
        "compensations": [
            (
                row,
                casework.state_advance_date(case, row),
                CompensationUpdateForm(
                    initial={
                        "version": row.version,
                        "awarded_on": row.awarded_on,
                        "amount_awarded": _euro(row.amount_awarded),
                        "paid_on": row.paid_on,
                        "amount_paid": _euro(row.amount_paid),
                        "paid_by_state": row.paid_by_state,
                    },
                    prefix=f"c{row.pk}",
                ),
            )
            for row in compensations
        ],
        "information": list(case.information.select_related("informed_by", "justice_event"))
        if justice
        else [],
        "exports": list(case.exports.all()) if IDENTITY in sees else [],
    }


def _euro(cents: int | None) -> str:
    return "" if cents is None else f"{cents // 100}.{cents % 100:02d}"


def _age_or_year(born: date | None, birth_year: int | None, on: date | None) -> int | None:
    if on is None:
        return None
    if born is not None:
        return _age(born, on)
    return on.year - birth_year if birth_year else None


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    return render(request, "cases/case.html", _context(request, case))


# --- actions ------------------------------------------------------------------------------------


def _step(request: HttpRequest, case: CaseFile, form: Any, action: str) -> Any:
    data = form.cleaned_data
    return casefiles.case_step(
        actor=request.user,
        case_id=case.pk,
        expected_version=data["version"],
        action=action,
        reason=data.get("reason") or "",
        note=data.get("note") or "",
    )


def _procedure_start(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    key, _sep, state = form.cleaned_data["start"].partition("|")
    return protection.procedure_start(
        actor=request.user,
        case_id=case.pk,
        procedure=key,
        state=state,
        effective_on=form.cleaned_data["effective_on"],
    )


def _procedure_step(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    return protection.procedure_step(
        actor=request.user,
        case_id=case.pk,
        procedure_id=request.POST.get("procedure"),
        expected_version=form.cleaned_data["version"],
        transition=form.cleaned_data["transition"],
        effective_on=form.cleaned_data["effective_on"],
    )


def _procedure_renew(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    return protection.procedure_renew(
        actor=request.user,
        case_id=case.pk,
        procedure_id=request.POST.get("procedure"),
        expected_version=form.cleaned_data["version"],
    )


def _transfer(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    data = form.cleaned_data
    return casefiles.case_transfer(
        actor=request.user,
        case_id=case.pk,
        expected_version=data["version"],
        organisation_id=data["organisation"],
        owner_id=data["owner"],
    )


def _team(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    data = form.cleaned_data
    return casefiles.case_set_team(
        actor=request.user,
        case_id=case.pk,
        expected_version=data["version"],
        unaccompanied_minor=data["unaccompanied_minor"],
        guardian_organisation_id=data["guardian_organisation"],
        guardian_id=data["guardian"],
        guardian_appointed_on=data["guardian_appointed_on"],
        police_organisation_id=data["police_organisation"],
        police_contact_id=data["police_contact"],
    )


def _no_guardian(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    return casefiles.case_no_guardian_reason(
        actor=request.user,
        case_id=case.pk,
        expected_version=form.cleaned_data["version"],
        reason=form.cleaned_data["reason"],
    )


def _review(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    return casefiles.case_review_no_guardian(
        actor=request.user, case_id=case.pk, expected_version=form.cleaned_data["version"]
    )


def _identification(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    data = form.cleaned_data
    return casefiles.case_set_identification(
        actor=request.user,
        case_id=case.pk,
        expected_version=data["version"],
        status=data["status"],
        decided_by_id=data["decided_by"],
        decided_on=data["decided_on"],
    )


def _task(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    data = form.cleaned_data
    return deadlines.task_add(
        actor=request.user,
        case_id=case.pk,
        title=data["title"],
        due_on=data["due_on"],
        owner_id=data["owner"],
    )


def _done(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    deadline_id = request.POST.get("deadline")
    if not case.deadlines.filter(pk=str(deadline_id or "0")).exists():
        raise NotFoundOrForbidden
    return deadlines.deadline_done(
        actor=request.user, deadline_id=deadline_id, expected_version=form.cleaned_data["version"]
    )


def _missing(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    return missing.missing_report(
        actor=request.user,
        case_id=case.pk,
        missing_since=form.cleaned_data["missing_since"],
        circumstances=form.cleaned_data["circumstances"],
    )


def _found(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    return missing.missing_end(
        actor=request.user,
        case_id=case.pk,
        disappearance_id=request.POST.get("disappearance"),
        outcome=form.cleaned_data["outcome"],
    )


def _data(form: Any) -> dict[str, Any]:
    return {key: value for key, value in form.cleaned_data.items() if key != "version"}


def _situation(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    return casework.situation_update(
        actor=request.user,
        case_id=case.pk,
        expected_version=form.cleaned_data["version"],
        data=_data(form),
    )


def _service(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    return casework.service_add(actor=request.user, case_id=case.pk, data=_data(form))


def _service_update(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    service = case.services.filter(pk=str(request.POST.get("service") or "0")).first()
    if service is None:
        raise NotFoundOrForbidden
    data = {
        "kind": service.kind,
        "provider": service.provider_id,
        "starts_on": service.starts_on,
        "note": service.note,
        **_data(form),
    }
    return casework.service_update(
        actor=request.user,
        case_id=case.pk,
        service_id=service.pk,
        expected_version=form.cleaned_data["version"],
        data=data,
    )


def _placement(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    return casework.placement_add(actor=request.user, case_id=case.pk, data=_data(form))


def _placement_end(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    return casework.placement_end(
        actor=request.user,
        case_id=case.pk,
        placement_id=request.POST.get("placement"),
        ended_on=form.cleaned_data["ended_on"],
    )


def _interview(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    return casework.interview_add(actor=request.user, case_id=case.pk, data=_data(form))


def _justice(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    return casework.justice_add(actor=request.user, case_id=case.pk, data=_data(form))


def _compensation(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    return casework.compensation_add(actor=request.user, case_id=case.pk, data=_data(form))


def _compensation_update(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    row = case.compensations.filter(pk=str(request.POST.get("compensation") or "0")).first()
    if row is None:
        raise NotFoundOrForbidden
    data = {
        "claimed_on": row.claimed_on,
        "amount_claimed": _euro(row.amount_claimed),
        **_data(form),
    }
    return casework.compensation_update(
        actor=request.user,
        case_id=case.pk,
        compensation_id=row.pk,
        expected_version=form.cleaned_data["version"],
        data=data,
    )


def _information(request: HttpRequest, case: CaseFile, form: Any, _action: str) -> Any:
    return casework.information_add(actor=request.user, case_id=case.pk, data=_data(form))


Handler = Callable[[HttpRequest, CaseFile, Any, str], Any]
ACTIONS: dict[str, tuple[type, str, Handler, Any]] = {
    # action: (form class, name of the form in the page's context, handler, message)
    "advance": (StepForm, "step_form", _step, lambda: _("Assistance has started.")),
    "request_closure": (
        StepForm,
        "step_form",
        _step,
        lambda: _("Closure was requested: a coordinator approves it."),
    ),
    "approve_closure": (StepForm, "step_form", _step, lambda: _("The case is closed.")),
    "reject_closure": (
        StepForm,
        "step_form",
        _step,
        lambda: _("Closure was rejected: assistance continues."),
    ),
    "reopen": (StepForm, "step_form", _step, lambda: _("The case is open again.")),
    "transfer": (TransferForm, "transfer_form", _transfer, lambda: _("The case was transferred.")),
    "team": (
        TeamForm,
        "team_form",
        _team,
        lambda: _("The guardian and police contact were saved."),
    ),
    "no-guardian": (
        NoGuardianForm,
        "no_guardian_form",
        _no_guardian,
        lambda: _("The reason was recorded: a coordinator reviews it."),
    ),
    "review-no-guardian": (
        VersionForm,
        "version_form",
        _review,
        lambda: _("You reviewed the reason."),
    ),
    "identification": (
        IdentificationForm,
        "identification_form",
        _identification,
        lambda: _("The identification status was saved."),
    ),
    "procedure-start": (
        ProcedureStartForm,
        "procedure_start_form",
        _procedure_start,
        lambda: _("The procedure has started."),
    ),
    "procedure-step": (
        ProcedureStepForm,
        "procedure_step_form",
        _procedure_step,
        lambda: _("The procedure's step was recorded."),
    ),
    "procedure-renew": (
        VersionForm,
        "version_form",
        _procedure_renew,
        lambda: _("The permit was renewed."),
    ),
    "task": (TaskForm, "task_form", _task, lambda: _("The task was added.")),
    "done": (VersionForm, "version_form", _done, lambda: _("Marked as done.")),
    "missing": (
        MissingForm,
        "missing_form",
        _missing,
        lambda: _(
            "The person is reported missing; the police contact and the guardian have been "
            "notified."
        ),
    ),
    "found": (FoundForm, "found_form", _found, lambda: _("The return was recorded.")),
    "situation": (
        SituationForm,
        "situation_form",
        _situation,
        lambda: _("The situation was saved."),
    ),
    "service": (
        ServiceForm,
        "service_form",
        _service,
        lambda: _("The service was added to the plan."),
    ),
    "service-update": (
        ServiceUpdateForm,
        "service_update_form",
        _service_update,
        lambda: _("The service was updated."),
    ),
    "placement": (
        PlacementForm,
        "placement_form",
        _placement,
        lambda: _("The placement was recorded."),
    ),
    "placement-end": (
        PlacementEndForm,
        "placement_end_form",
        _placement_end,
        lambda: _("The end of the placement was recorded."),
    ),
    "interview": (
        InterviewForm,
        "interview_form",
        _interview,
        lambda: _("The interview was recorded."),
    ),
    "justice": (
        JusticeForm,
        "justice_form",
        _justice,
        lambda: _("The step of the criminal case was recorded."),
    ),
    "compensation": (
        CompensationForm,
        "compensation_form",
        _compensation,
        lambda: _("The compensation claim was recorded."),
    ),
    "compensation-update": (
        CompensationUpdateForm,
        "compensation_update_form",
        _compensation_update,
        lambda: _("The compensation was updated."),
    ),
    "informed": (
        InformationForm,
        "information_form",
        _information,
        lambda: _("The information given was recorded."),
    ),
}


# Forms of one row among several (their errors show in the summary at the top of the page).
ROW_FORMS = {"procedure_step_form", "service_update_form", "compensation_update_form"}
CHOICE_FORMS = {
    "transfer_form",
    "team_form",
    "identification_form",
    "procedure_start_form",
    "task_form",
    "service_form",
    "placement_form",
    "interview_form",
    "justice_form",
    "information_form",
}
ANCHORS = {
    "missing": "#missing",
    "found": "#missing",
    "task": "#deadlines",
    "done": "#deadlines",
    "situation": "#situation",
    "service": "#services",
    "service-update": "#services",
    "placement": "#services",
    "placement-end": "#services",
    "interview": "#interviews",
    "justice": "#justice",
    "compensation": "#justice",
    "compensation-update": "#justice",
    "informed": "#informed",
}
# Forms whose version is the case's (the others carry a procedure's or a deadline's).
CASE_VERSIONED = {
    "step_form",
    "transfer_form",
    "team_form",
    "no_guardian_form",
    "identification_form",
}


def _with_current_version(
    request: HttpRequest, pk: int, action: str, form_class: type, prefix: str | None
) -> Any:
    """The user's input again, now carrying the current version of the case: shown under the
    conflict message, so that nothing typed is lost and saving again is a deliberate choice."""
    data = request.POST.copy()
    if ACTIONS[action][1] in CASE_VERSIONED:
        data["version"] = str(_case(request, pk, record_read=False).version)
    elif ACTIONS[action][1] == "situation_form":
        data["version"] = str(casework.situation_of(_case(request, pk, record_read=False)).version)
    form = form_class(data, prefix=prefix) if prefix else form_class(data)
    if ACTIONS[action][1] in CHOICE_FORMS:
        case = _case(request, pk, record_read=False)
        offered = _forms_for(case)
        offered[ACTIONS[action][1]] = form
        _fill_choices(case, offered)
    form.is_valid()
    return form


@login_required
@require_POST
def case_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One action on a case; forms carry the version the user saw (a conflict loses nothing)."""
    if action not in ACTIONS:
        raise Http404
    form_class, form_name, handler, done = ACTIONS[action]
    case = _case(request, pk, record_read=False)
    prefix = {
        "procedure-step": f"p{request.POST.get('procedure')}",
        "service-update": f"s{request.POST.get('service')}",
        "compensation-update": f"c{request.POST.get('compensation')}",
    }.get(action)
    form = form_class(request.POST, prefix=prefix) if prefix else form_class(request.POST)
    if form_name in CHOICE_FORMS:  # the choices the page offered, for validating the answer
        offered = _forms_for(case)
        offered[form_name] = form
        _fill_choices(case, offered)
    if action == "procedure-step":
        set_choices(
            form,
            "transition",
            [(code, code) for code in [request.POST.get(f"{prefix}-transition", "")]],
        )
    status = 400
    if form.is_valid():
        try:
            handler(request, case, form, action)
        except (NotFoundOrForbidden, PermissionDeniedError):
            raise Http404 from None
        except phases.IllegalTransition:
            messages.error(request, _("This case has moved on: the page shows its current state."))
            return redirect("cases:case", pk=case.pk)
        except ConcurrentEditError:
            messages.error(
                request,
                _(
                    "Someone else changed this case while you were looking at it, so your change "
                    "was not saved. What you entered is still below: check the current state and "
                    "save again."
                ),
            )
            status = 409
            form = _with_current_version(request, pk, action, form_class, prefix)
        except InvalidInput as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done())
            return redirect(reverse("cases:case", args=[case.pk]) + ANCHORS.get(action, ""))
    case = _case(request, pk)
    overrides: dict[str, Any] = {"failed_form": form if status == 400 else None}
    if form_name not in ROW_FORMS:
        overrides[form_name] = form
    return render(request, "cases/case.html", _context(request, case, **overrides), status=status)


@login_required
@require_http_methods(["GET", "POST"])
def case_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand the dossier over to a service or guardian abroad: a ZIP with the JSON and the PDF,
    only on a recorded basis (consent with its date, or a legal ground explained)."""
    case = _case(request, pk, record_read=request.method == "GET")
    if not case_selectors.may_change(request.user, case):
        raise Http404
    form = ExportForm(request.POST or None, initial={"basis": "consent"})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                export, archive = dossier.case_export(
                    actor=request.user,
                    case_id=case.pk,
                    data=form.cleaned_data,
                    language=translation.get_language() or "en",
                )
            except (NotFoundOrForbidden, PermissionDeniedError):
                raise Http404 from None
            except InvalidInput as exc:
                add_service_errors(form, exc)
            else:
                response = HttpResponse(archive, content_type="application/zip")
                response["Content-Disposition"] = (
                    f'attachment; filename="{case.reference}-dossier-{export.pk}.zip"'
                )
                response["Cache-Control"] = "no-store"
                return response
    return render(request, "cases/export.html", {"case": case, "form": form}, status=status)
