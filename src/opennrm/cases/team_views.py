"""Pages of the case team and of sharing (issue #6): the team page of a case (who works on it and
why, adding and removing members under a legal basis or consent, special protection, legal
holds), the emergency opening (break-glass), and the access reviews of the data-protection
officer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opennrm.cases import access_review, case_selectors, team
from opennrm.cases.models import CaseFile
from opennrm.core import clock
from opennrm.core.errors import ConcurrentEditError, InvalidInput, NotFoundOrForbidden
from opennrm.core.forms import DateInput, add_service_errors, set_choices
from opennrm.directory import roles
from opennrm.directory.models import Organisation
from opennrm.directory.selectors import users_with_perm
from opennrm.sharing import rules
from opennrm.sharing import selectors as sharing_selectors
from opennrm.sharing.models import DataCategory, TeamRole


class ShareForm(forms.Form):
    organisation = forms.ChoiceField(label=gettext_lazy("Organisation"), choices=())
    user = forms.ChoiceField(
        label=gettext_lazy("Named person (optional)"),
        choices=(),
        required=False,
        help_text=gettext_lazy(
            "Leave empty to share with everyone at the organisation who works on case files."
        ),
    )
    role = forms.ChoiceField(label=gettext_lazy("Role in the team"), choices=())
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("Data shared"),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Only what the member needs. Health data is seen only where you tick it."
        ),
    )
    purpose = forms.CharField(label=gettext_lazy("Purpose"), max_length=rules.PURPOSE_MAX)
    legal_basis = forms.ChoiceField(label=gettext_lazy("Legal basis"), choices=(), required=False)
    consent_given_on = forms.DateField(
        label=gettext_lazy("Or: the person consented on"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Only when no legal basis covers the sharing."),
    )
    ends_on = forms.DateField(label=gettext_lazy("Until"), widget=DateInput())


class RemoveForm(forms.Form):
    grant = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ProtectForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class HoldForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Which proceedings require keeping the case"),
        widget=forms.Textarea,
        max_length=2000,
    )


class LiftForm(forms.Form):
    hold = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class EmergencyForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("Case reference"), max_length=20)
    reason = forms.CharField(
        label=gettext_lazy("The emergency"),
        widget=forms.Textarea,
        max_length=2000,
        help_text=gettext_lazy(
            "Who is in danger and why you cannot wait for the case team. The case owner and the "
            "data-protection officer read this."
        ),
    )


def _case(request: HttpRequest, pk: int, *, record_read: bool = True) -> CaseFile:
    try:
        return case_selectors.access_case(actor=request.user, case_id=pk, record_read=record_read)
    except NotFoundOrForbidden:
        raise Http404 from None


def _share_form(case: CaseFile, data: Any = None) -> ShareForm:
    form = ShareForm(data, initial={"ends_on": None})
    organisations = list(
        Organisation.objects.filter(country=case.jurisdiction, is_active=True)
        .exclude(pk=case.lead_organisation_id)
        .order_by("name")
        .values_list("pk", "name")
    )
    set_choices(form, "organisation", [("", ""), *organisations])
    people = users_with_perm(roles.VIEW_CASE, organisation_ids=[pk for pk, _name in organisations])
    people.sort(key=lambda user: (user.last_name, user.first_name, user.get_username()))
    set_choices(
        form,
        "user",
        [("", "")] + [(user.pk, user.get_full_name() or user.get_username()) for user in people],
    )
    set_choices(form, "role", [("", ""), *TeamRole.choices])
    bases = sharing_selectors.bases_for_sharing(
        jurisdiction=case.jurisdiction, organisation_id=case.lead_organisation_id
    )
    set_choices(
        form,
        "legal_basis",
        [("", _("None: the person's consent"))] + [(basis.pk, basis.title) for basis in bases],
    )
    return form


def _context(request: HttpRequest, case: CaseFile, **forms_: Any) -> dict[str, Any]:
    access = case_selectors.case_access(request.user, case)
    may_share = case_selectors.may_share(request.user, case)
    return {
        "case": case,
        "access": access,
        "may_share": may_share,
        "members": sharing_selectors.team_of(object_type="case", object_id=case.pk),
        "standing": access_review.standing_team(case),
        "openings": sharing_selectors.openings_of(object_type="case", object_id=case.pk)
        if may_share
        else [],
        "holds": sharing_selectors.holds_of(object_type="case", object_id=case.pk),
        "share_form": forms_.get("share_form") or _share_form(case),
        "protect_form": ProtectForm(initial={"version": case.version}),
        "hold_form": forms_.get("hold_form") or HoldForm(),
        "failed_form": forms_.get("failed_form"),
        "category_labels": dict(DataCategory.choices),
        "now": clock.now(),
    }


@login_required
@require_GET
def team_page(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    return render(request, "cases/team.html", _context(request, case))


ACTIONS = {"share", "unshare", "protect", "unprotect", "hold", "unhold"}
DONE = {
    "share": gettext_lazy("The case is shared: the new member sees the chosen data."),
    "unshare": gettext_lazy("The member no longer sees the case."),
    "protect": gettext_lazy("The case is specially protected: only the people named see it."),
    "unprotect": gettext_lazy("The special protection was lifted."),
    "hold": gettext_lazy("The legal hold was placed: the case is kept while it lasts."),
    "unhold": gettext_lazy("The legal hold was lifted."),
}


@login_required
@require_POST
def team_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    case = _case(request, pk, record_read=False)
    if not case_selectors.may_share(request.user, case):
        raise Http404
    form: forms.Form
    if action == "share":
        form = _share_form(case, request.POST)
    elif action == "unshare":
        form = RemoveForm(request.POST)
    elif action in ("protect", "unprotect"):
        form = ProtectForm(request.POST)
    elif action == "hold":
        form = HoldForm(request.POST)
    else:
        form = LiftForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "share":
                team.team_member_add(actor=request.user, case_id=case.pk, data=data)
            elif action == "unshare":
                team.team_member_remove(actor=request.user, case_id=case.pk, grant_id=data["grant"])
            elif action in ("protect", "unprotect"):
                team.case_protect(
                    actor=request.user,
                    case_id=case.pk,
                    expected_version=data["version"],
                    protect=action == "protect",
                )
            elif action == "hold":
                team.hold_place(actor=request.user, case_id=case.pk, reason=data["reason"])
            else:
                team.hold_lift(actor=request.user, case_id=case.pk, hold_id=data["hold"])
        except NotFoundOrForbidden:
            raise Http404 from None
        except ConcurrentEditError:
            messages.error(
                request, _("Someone else changed this case meanwhile: check it and try again.")
            )
            return redirect("cases:team", pk=case.pk)
        except InvalidInput as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, str(DONE[action]))
            if action == "protect" and not case_selectors.may_view(request.user, _fresh(case)):
                return redirect("cases:list")
            return redirect("cases:team", pk=case.pk)
    case = _case(request, pk)
    overrides: dict[str, Any] = {"failed_form": form}
    if action in ("share", "hold"):
        overrides[f"{action}_form"] = form
    return render(request, "cases/team.html", _context(request, case, **overrides), status=400)


def _fresh(case: CaseFile) -> CaseFile:
    return CaseFile.objects.get(pk=case.pk)


@login_required
@require_http_methods(["GET", "POST"])
def emergency(request: HttpRequest) -> HttpResponse:
    """Break-glass: coordinators open a case outside their scope with a typed reason."""
    if not team.may_open_in_emergency(request.user):
        raise Http404
    form = EmergencyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                case, opening = team.emergency_open(
                    actor=request.user,
                    reference=form.cleaned_data["reference"],
                    reason=form.cleaned_data["reason"],
                )
            except InvalidInput as exc:
                add_service_errors(form, exc)
            else:
                messages.warning(
                    request,
                    _(
                        "Emergency access until %(time)s. Everything you open is recorded, and the "
                        "case owner and the data-protection officer have been alerted."
                    )
                    % {"time": opening.expires_at.strftime("%H:%M")},
                )
                return redirect(reverse("cases:case", args=[case.pk]))
    return render(
        request,
        "cases/emergency.html",
        {"form": form, "hours": rules.BREAK_GLASS_HOURS},
        status=status,
    )


# --- access reviews (data-protection officer) -------------------------------------------------


@login_required
@require_GET
def review_case(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        review = access_review.case_review(actor=request.user, case_id=pk)
    except NotFoundOrForbidden:
        raise Http404 from None
    return render(request, "cases/access_case.html", {"review": review})


@login_required
@require_GET
def review_organisation(request: HttpRequest) -> HttpResponse:
    if not access_review.may_review(request.user):
        raise Http404
    organisations = access_review.organisations_to_review()
    chosen = request.GET.get("organisation", "")
    review = None
    if chosen:
        try:
            review = access_review.organisation_review(actor=request.user, organisation_id=chosen)
        except NotFoundOrForbidden:
            raise Http404 from None
    return render(
        request,
        "cases/access_review.html",
        {"organisations": organisations, "chosen": chosen, "review": review},
    )
