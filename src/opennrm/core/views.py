"""The auditor's pages: the audit trail, filtered and paginated, and a chain check.

Only holders of ``core.view_all_auditevent`` (auditors) may see them; anyone else gets 403 and
the attempt is recorded. Filters travel in the query string: they hold numbers, codes and staff
user names, never data of the persons in the case files.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from opennrm.core import selectors
from opennrm.core.audit import verify_chain
from opennrm.core.errors import PermissionDeniedError
from opennrm.core.forms import AuditFilterForm

PAGE_SIZE = 50


def describe_detail(detail: Any) -> str:
    """A short text of an event's detail (field names, counts, key ids: never personal data)."""
    if not isinstance(detail, dict):
        return str(detail)
    parts = []
    for key, value in sorted(detail.items()):
        if isinstance(value, dict):
            shown = ", ".join(f"{k} {v}" for k, v in sorted(value.items()))
        elif isinstance(value, list | tuple):
            shown = ", ".join(str(item) for item in value)
        else:
            shown = str(value)
        parts.append(f"{key}: {shown}")
    return "; ".join(parts)


def _filters(form: AuditFilterForm) -> selectors.AuditFilters | None:
    if not form.is_bound:
        return selectors.AuditFilters()
    if not form.is_valid():
        return None
    data = form.cleaned_data
    return selectors.AuditFilters(
        action=data["action"],
        actor=data["actor"].strip(),
        object_type=data["object_type"].strip(),
        object_id=data["object_id"].strip(),
        organisation_id=data["organisation"],
        date_from=data["date_from"],
        date_to=data["date_to"],
    )


@login_required
@require_GET
def events(request: HttpRequest) -> HttpResponse:
    query = request.GET.copy()
    query.pop("page", None)
    form = AuditFilterForm(query if query else None)
    try:
        found = selectors.audit_events(actor=request.user, filters=_filters(form))
    except PermissionDeniedError:
        raise PermissionDenied from None
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.record_audit_view(actor=request.user, results=page.paginator.count)
    rows = [(event, describe_detail(event.detail)) for event in page.object_list]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
    }
    return render(request, "audit/events.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    try:
        selectors.require_audit_access(actor=request.user, what="verify")
    except PermissionDeniedError:
        raise PermissionDenied from None
    result = verify_chain()
    if result.ok:
        messages.success(
            request,
            _("The audit chain is intact: %(count)d events checked.") % {"count": result.checked},
        )
    else:
        messages.error(
            request,
            _("The audit chain is broken at event %(seq)s: %(reason)s")
            % {"seq": result.broken_at, "reason": result.reason},
        )
    return redirect("audit:events")
