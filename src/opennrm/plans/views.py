"""Action-plan pages: the plans, a plan's dashboard, a measure with its progress and comments,
the progress report (HTML, PDF, XLSX) and the import of a plan file."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opennrm.core import clock
from opennrm.core.errors import (
    ConcurrentEditError,
    InvalidInput,
    NotFoundOrForbidden,
    PermissionDeniedError,
)
from opennrm.core.forms import add_service_errors, set_choices
from opennrm.directory import roles
from opennrm.directory.backends import countries_with_perm
from opennrm.directory.models import Organisation
from opennrm.plans import planfiles, reports, selectors, services
from opennrm.plans.forms import CommentForm, ImportForm, LinkForm, ProgressForm
from opennrm.plans.models import Measure, MeasureStatus, Plan

MAX_UPLOAD = 2 * 1024 * 1024
DASH = "\u2013"


def _plan(request: HttpRequest, code: str) -> Plan:
    try:
        return selectors.access_plan(actor=request.user, code=code)
    except NotFoundOrForbidden:
        raise Http404 from None


def _measure(request: HttpRequest, pk: int) -> Measure:
    try:
        return selectors.access_measure(actor=request.user, measure_id=pk)
    except NotFoundOrForbidden:
        raise Http404 from None


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    if not selectors.may_view(request.user):
        raise Http404
    may_import = bool(countries_with_perm(request.user, roles.MANAGE_PLAN))
    rows = [(plan, plan.measures.count()) for plan in selectors.plans(actor=request.user)]
    return render(request, "plans/list.html", {"rows": rows, "may_import": may_import})


@login_required
@require_GET
def plan_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan(request, code)
    status = request.GET.get("status", "")
    theme = request.GET.get("theme", "")
    body = request.GET.get("body", "")
    if status not in ("", *MeasureStatus.values):
        status = ""
    board = selectors.dashboard(
        actor=request.user, plan=plan, status=status, theme=theme, body=body
    )
    return render(
        request,
        "plans/dashboard.html",
        {
            "plan": plan,
            "board": board,
            "statuses": MeasureStatus.choices,
            "filters": {"status": status, "theme": theme, "body": body},
        },
    )


def _measure_context(request: HttpRequest, measure: Measure, **forms: Any) -> dict[str, Any]:
    link = forms.get("link_form") or LinkForm(
        initial={"version": measure.version, "organisation": measure.lead_organisation_id or ""}
    )
    organisations = Organisation.objects.filter(country=measure.plan.country, is_active=True)
    set_choices(
        link,
        "organisation",
        [("", DASH), *organisations.order_by("name").values_list("pk", "name")],
    )
    return {
        "measure": measure,
        "plan": measure.plan,
        "updates": list(measure.updates.select_related("author", "organisation")),
        "comments": list(measure.comments.select_related("author", "organisation")),
        "depends_on": list(measure.depends_on.all()),
        "may_update": selectors.may_update(request.user, measure),
        "may_manage": selectors.may_manage(request.user, measure.plan.country),
        "progress_form": forms.get("progress_form")
        or ProgressForm(initial={"version": measure.version, "status": measure.status}),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "link_form": link,
        "failed_form": forms.get("failed_form"),
        "overdue": measure.is_open
        and measure.due_on is not None
        and measure.due_on < clock.now().date(),
    }


@login_required
@require_GET
def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _measure(request, pk)
    selectors.record_read(request.user, measure, "measure")
    return render(request, "plans/measure.html", _measure_context(request, measure))


@login_required
@require_POST
def measure_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    measure = _measure(request, pk)
    form: Any
    if action == "progress":
        form = ProgressForm(request.POST)
    elif action == "comment":
        form = CommentForm(request.POST)
    elif action == "link":
        form = LinkForm(request.POST)
        _measure_context(request, measure, link_form=form)  # gives the form its choices
    else:
        raise Http404
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "progress":
                services.progress_report(
                    actor=request.user,
                    measure_id=measure.pk,
                    expected_version=data["version"],
                    status=data["status"],
                    narrative=data["narrative"],
                    evidence_url=data["evidence_url"],
                )
            elif action == "comment":
                services.comment_add(actor=request.user, measure_id=measure.pk, text=data["text"])
            else:
                services.measure_link(
                    actor=request.user,
                    measure_id=measure.pk,
                    expected_version=data["version"],
                    organisation_id=data["organisation"],
                )
        except (NotFoundOrForbidden, PermissionDeniedError):
            raise Http404 from None
        except ConcurrentEditError:
            messages.error(
                request,
                _(
                    "Someone else reported on this measure meanwhile: check the history and "
                    "save again."
                ),
            )
            status = 409
            data_copy = request.POST.copy()
            data_copy["version"] = str(Measure.objects.get(pk=measure.pk).version)
            form = type(form)(data_copy)
            form.is_valid()
        except InvalidInput as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("plans:measure", pk=measure.pk)
    measure = _measure(request, pk)
    context = _measure_context(
        request, measure, **{f"{action}_form": form}, failed_form=form if status == 400 else None
    )
    return render(request, "plans/measure.html", context, status=status)


@login_required
@require_GET
def plan_report(request: HttpRequest, code: str, fmt: str = "html") -> HttpResponse:
    plan = _plan(request, code)
    today = clock.now().date()
    selectors.record_read(request.user, plan, f"report:{fmt}")
    if fmt == "pdf":
        response = HttpResponse(reports.pdf(plan, today), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{plan.code}-report.pdf"'
        return response
    if fmt == "xlsx":
        response = HttpResponse(
            reports.xlsx(plan, today),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{plan.code}.xlsx"'
        return response
    return render(
        request, "plans/report.html", {"plan": plan, "rows": reports.rows(plan), "today": today}
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_import(request: HttpRequest) -> HttpResponse:
    if not countries_with_perm(request.user, roles.MANAGE_PLAN):
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[planfiles.RowError] = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_UPLOAD:
                form.add_error("file", _("The file is larger than 2 MB."))
            else:
                try:
                    content = upload.read().decode("utf-8")
                    plan = services.plan_import(
                        actor=request.user, content=content, name=upload.name
                    )
                except UnicodeDecodeError:
                    form.add_error("file", _("The file must be UTF-8 text."))
                except planfiles.PlanFileError as exc:
                    errors = exc.errors
                    form.add_error("file", _("The plan was not imported: fix the rows below."))
                except PermissionDeniedError:
                    form.add_error("file", _("You may not import plans of this country."))
                else:
                    messages.success(request, _("The plan was imported."))
                    return redirect("plans:dashboard", code=plan.code)
    return render(request, "plans/import.html", {"form": form, "errors": errors}, status=status)
