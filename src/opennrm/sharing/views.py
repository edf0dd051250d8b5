"""Pages of the legal bases: the list (everyone who works on case files of the country, and
auditors), one basis with its parties and the sharing it covers, and, for coordinators, recording
a new basis and ending one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opennrm.core.errors import (
    ConcurrentEditError,
    InvalidInput,
    NotFoundOrForbidden,
    PermissionDeniedError,
)
from opennrm.core.forms import DateInput, add_service_errors, set_choices
from opennrm.directory.models import Organisation
from opennrm.sharing import selectors, services
from opennrm.sharing.models import BasisKind, DataCategory


class BasisForm(forms.Form):
    jurisdiction = forms.ChoiceField(label=gettext_lazy("Country"), choices=())
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=BasisKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=300)
    reference = forms.CharField(
        label=gettext_lazy("Document reference"),
        max_length=300,
        help_text=gettext_lazy("The article of law, or where the signed covenant is filed."),
    )
    purpose = forms.CharField(label=gettext_lazy("Purpose"), widget=forms.Textarea, max_length=2000)
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("Data it lets the parties share"),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    parties = forms.MultipleChoiceField(
        label=gettext_lazy("Parties"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    valid_from = forms.DateField(label=gettext_lazy("In force from"), widget=DateInput())
    valid_until = forms.DateField(
        label=gettext_lazy("Until (empty: no end date)"), widget=DateInput(), required=False
    )


class EndForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _basis_form(countries: set[str], data: Any = None) -> BasisForm:
    form = BasisForm(data)
    set_choices(form, "jurisdiction", [(code, code) for code in sorted(countries)])
    set_choices(
        form,
        "parties",
        [
            (org.pk, f"{org.country} \u2013 {org.name}")
            for org in Organisation.objects.filter(country__in=countries, is_active=True).order_by(
                "country", "name"
            )
        ],
    )
    return form


@login_required
@require_GET
def basis_list(request: HttpRequest) -> HttpResponse:
    if not selectors.reading_countries(request.user):
        raise Http404
    bases = selectors.legal_bases(actor=request.user)
    selectors.record_list(actor=request.user, view="legal_bases", count=len(bases))
    return render(
        request,
        "sharing/list.html",
        {"bases": bases, "may_manage": bool(selectors.managing_countries(request.user))},
    )


@login_required
@require_http_methods(["GET", "POST"])
def basis_create(request: HttpRequest) -> HttpResponse:
    countries = selectors.managing_countries(request.user)
    if not countries:
        raise Http404
    form = _basis_form(countries, request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                basis = services.legal_basis_create(
                    actor=request.user,
                    jurisdiction=data["jurisdiction"],
                    kind=data["kind"],
                    title=data["title"],
                    reference=data["reference"],
                    purpose=data["purpose"],
                    categories=data["categories"],
                    party_ids=data["parties"],
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                )
            except PermissionDeniedError:
                raise Http404 from None
            except InvalidInput as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The legal basis was recorded."))
                return redirect("sharing:basis", pk=basis.pk)
    return render(request, "sharing/new.html", {"form": form}, status=status)


@login_required
@require_GET
def basis_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        basis = selectors.access_legal_basis(actor=request.user, basis_id=pk)
    except NotFoundOrForbidden:
        raise Http404 from None
    may_manage = basis.jurisdiction in selectors.managing_countries(request.user)
    return render(
        request,
        "sharing/basis.html",
        {
            "basis": basis,
            "parties": list(basis.parties.order_by("name")),
            "grants_in_force": selectors.in_force(basis.grants.all()).count(),
            "may_manage": may_manage,
            "end_form": EndForm(initial={"version": basis.version}),
            "category_labels": dict(DataCategory.choices),
        },
    )


@login_required
@require_POST
def basis_end(request: HttpRequest, pk: int) -> HttpResponse:
    form = EndForm(request.POST)
    if not form.is_valid():
        return redirect("sharing:basis", pk=pk)
    try:
        services.legal_basis_end(
            actor=request.user, basis_id=pk, version=form.cleaned_data["version"]
        )
    except NotFoundOrForbidden:
        raise Http404 from None
    except ConcurrentEditError:
        messages.error(request, _("Someone else changed this legal basis meanwhile."))
        return redirect("sharing:basis", pk=pk)
    messages.success(request, _("The legal basis has ended: the sharing it covered has stopped."))
    return redirect("sharing:basis", pk=pk)
