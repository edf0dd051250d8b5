"""Person pages. Views stay thin: a form collects input, one service or selector does the work.

``NotFoundOrForbidden`` becomes 404 for a missing and a forbidden person alike. Names never go
into a URL: the search form is posted, and pages address a person by its number only.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opennrm.cases import selectors, services, subject_access
from opennrm.cases.forms import (
    ConfirmForm,
    PersonForm,
    PersonSearchForm,
    add_service_errors,
    document_rows_for,
    initial_of,
    posted_document_rows,
)
from opennrm.cases.models import Person
from opennrm.cases.selectors import PersonAction
from opennrm.cases.validation import DOCUMENT_TYPES
from opennrm.core.errors import (
    ConcurrentEditError,
    InvalidInput,
    NotFoundOrForbidden,
    PermissionDeniedError,
)
from opennrm.directory import roles
from opennrm.sharing import selectors as sharing_selectors


def _access(request: HttpRequest, pk: int, action: PersonAction, **kwargs: Any) -> Person:
    try:
        return selectors.access_person(actor=request.user, person_id=pk, action=action, **kwargs)
    except NotFoundOrForbidden:
        raise Http404 from None


def _conflict_message() -> str:
    return _(
        "Someone else changed this person while you were working on it, so your changes were "
        "not saved. The form now shows the current details: check them and make your changes "
        "again."
    )


@sensitive_post_parameters()  # every field is personal data: hidden from error reports
@login_required
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    if roles.VIEW_PERSON not in request.user.get_all_permissions():
        raise PermissionDenied
    form = PersonSearchForm(request.POST if request.method == "POST" else None)
    results: list[Person] | None = None
    if form.is_bound and form.is_valid():
        try:
            results = selectors.person_search(
                actor=request.user,
                name=form.cleaned_data["name"],
                date_of_birth=form.cleaned_data["date_of_birth"] or None,
            )
        except InvalidInput as exc:
            add_service_errors(form, exc)
    context = {"form": form, "results": results, "limit": selectors.SEARCH_LIMIT}
    return render(request, "persons/search.html", context, status=400 if form.errors else 200)


@sensitive_post_parameters()  # every field is personal data: hidden from error reports
@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    organisations = selectors.organisations_for_new_persons(actor=request.user)
    if not organisations:
        raise PermissionDenied
    if request.method == "POST":
        form = PersonForm(
            request.POST,
            organisations=organisations,
            document_rows=posted_document_rows(request.POST),
        )
        if form.is_valid():
            try:
                person = services.person_create(
                    actor=request.user,
                    organisation_id=form.cleaned_data["organisation"],
                    data=form.person_data(),
                )
            except PermissionDeniedError:
                raise PermissionDenied from None
            except InvalidInput as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The person has been registered."))
                return redirect("persons:detail", pk=person.pk)
    else:
        form = PersonForm(organisations=organisations)
    status = 400 if form.errors else 200
    context = {"form": form, "creating": True}
    return render(request, "persons/form.html", context, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _access(request, pk, "view")
    user = request.user
    documents = [
        {**document, "type_label": DOCUMENT_TYPES.get(document.get("type", ""), "")}
        for document in person.identity_documents or []
    ]
    context = {
        "person": person,
        "documents": documents,
        "can_change": user.has_perm(roles.CHANGE_PERSON, person),
        "can_delete": user.has_perm(roles.DELETE_PERSON, person),
        "can_export": user.has_perm(roles.EXPORT_PERSON, person),
        "can_open_case": user.has_perm(roles.ADD_CASE, person),
        "rectifications": sharing_selectors.rectifications_of(
            object_type="person", object_id=person.pk
        ),
    }
    return render(request, "persons/detail.html", context)


def _edit_form_of(person: Person, *, conflict: bool = False) -> PersonForm:
    """The edit form with the stored details; after a conflict, bound and carrying the error."""
    rows = document_rows_for(len(person.identity_documents or []))
    if not conflict:
        return PersonForm(initial=initial_of(person), document_rows=rows, with_version=True)
    form = PersonForm(data=initial_of(person), document_rows=rows, with_version=True)
    form.is_valid()
    form.add_error(None, _conflict_message())
    return form


@sensitive_post_parameters()  # every field is personal data: hidden from error reports
@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "GET":
        person = _access(request, pk, "change", record_read=True)
        return render(
            request, "persons/form.html", {"form": _edit_form_of(person), "person": person}
        )
    person = _access(request, pk, "change")
    form = PersonForm(
        request.POST, document_rows=posted_document_rows(request.POST), with_version=True
    )
    status = 400
    reason = request.POST.get("rectification_reason", "").strip()
    context: dict[str, Any] = {"rectification_reason": reason}
    if form.is_valid():
        try:
            if reason:
                subject_access.person_rectify(
                    actor=request.user,
                    person_id=pk,
                    expected_version=form.cleaned_data["version"],
                    data=form.person_data(),
                    reason=reason,
                )
            else:
                services.person_update(
                    actor=request.user,
                    person_id=pk,
                    expected_version=form.cleaned_data["version"],
                    data=form.person_data(),
                )
        except NotFoundOrForbidden:
            raise Http404 from None
        except InvalidInput as exc:
            context["rectification_error"] = "; ".join(exc.errors.pop("reason", []))
            add_service_errors(form, exc)
        except ConcurrentEditError:
            person = _access(request, pk, "change", record_read=True)
            form = _edit_form_of(person, conflict=True)
            status = 409
        else:
            messages.success(request, _("Your changes have been saved."))
            return redirect("persons:detail", pk=pk)
    return render(
        request, "persons/form.html", {"form": form, "person": person, **context}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    person = _access(request, pk, "delete", record_read=request.method == "GET")
    status = 200
    if request.method == "POST":
        form = ConfirmForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.person_delete(
                    actor=request.user, person_id=pk, expected_version=form.cleaned_data["version"]
                )
            except NotFoundOrForbidden:
                raise Http404 from None
            except ConcurrentEditError:
                person = _access(request, pk, "delete", record_read=True)
                form = ConfirmForm(data={"version": person.version})
                form.is_valid()
                form.add_error(
                    None,
                    _(
                        "Someone else changed this person since you opened this page. Check the "
                        "current details before you delete."
                    ),
                )
                status = 409
            except InvalidInput as exc:
                for message in exc.errors.get("__all__", []):
                    form.add_error(None, message)
            else:
                messages.success(request, _("The person has been deleted."))
                return redirect("persons:search")
    else:
        form = ConfirmForm(initial={"version": person.version})
    return render(request, "persons/delete.html", {"form": form, "person": person}, status=status)


@login_required
@require_POST
def export(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        document = services.person_export(actor=request.user, person_id=pk)
    except NotFoundOrForbidden:
        raise Http404 from None
    body = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="person-{int(pk)}.json"'
    return response


@login_required
@require_POST
def subject_access_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer an access request: everything held about the person, as JSON and PDF in a ZIP."""
    try:
        person, archive = subject_access.subject_access(actor=request.user, person_id=pk)
    except NotFoundOrForbidden:
        raise Http404 from None
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="person-{person.pk}-access.zip"'
    response["Cache-Control"] = "no-store"
    return response
