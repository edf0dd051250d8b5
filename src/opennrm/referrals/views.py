"""Referral pages: "whom do I contact?", referring a signal, a referral and its answers, the
lists of sent and received referrals, and the coordinator's overview.

Views stay thin: they parse input with a form and call one service or selector; a missing or
forbidden referral or signal is a 404, ``InvalidInput`` the form's error summary (400), an edit
that lost a race a 409 with the current state shown.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opennrm.core import clock
from opennrm.core import jurisdictions as jurisdiction_rules
from opennrm.core.errors import (
    ConcurrentEditError,
    InvalidInput,
    NotFoundOrForbidden,
    PermissionDeniedError,
)
from opennrm.core.forms import add_service_errors
from opennrm.core.validation import FieldErrors
from opennrm.directory import roles
from opennrm.directory.models import Membership, Organisation, User
from opennrm.intake import selectors as signal_selectors
from opennrm.intake.models import Signal
from opennrm.referrals import routing, selectors, services
from opennrm.referrals.forms import (
    DeclineForm,
    ReferForm,
    ReviewForm,
    RevokeForm,
    SituationForm,
    VersionForm,
    WhomForm,
)
from opennrm.referrals.lifecycle import IllegalTransition
from opennrm.referrals.models import Referral, ReferralState
from opennrm.referrals.sharing import shared_data
from opennrm.referrals.validation import clean_consent


def _my_organisation(request: HttpRequest) -> Organisation | None:
    membership = (
        request.user.memberships.filter(  # type: ignore[union-attr]
            is_active=True, organisation__is_active=True
        )
        .select_related("organisation")
        .order_by("pk")
        .first()
    )
    return membership.organisation if membership is not None else None


@login_required
@require_GET
def whom(request: HttpRequest) -> HttpResponse:
    """GET only: the questions are categories (no personal data), so the answer can be linked."""
    if request.GET:
        form = WhomForm(request.GET)
    else:
        mine = _my_organisation(request)
        initial = {"country": mine.country, "referrer_kind": mine.kind} if mine else {}
        if mine is not None and mine.region:
            initial["region"] = mine.region
        form = WhomForm(initial=initial)
    answer = routing.advise(form.situation()) if form.is_bound and form.is_valid() else None
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "referrals/whom.html", {"form": form, "answer": answer}, status=status)


# --- referring a signal ---------------------------------------------------------------------------


def _signal(request: HttpRequest, pk: int) -> Signal:
    try:
        return signal_selectors.access_signal(
            actor=request.user, signal_id=pk, action="view", record_read=False
        )
    except NotFoundOrForbidden:
        raise Http404 from None


def _refer_form(
    request: HttpRequest, signal: Signal, situation: dict[str, Any], data: Any = None
) -> tuple[ReferForm, list[services.Proposal]]:
    proposals = services.proposals(signal, situation)
    choices = [
        (
            f"{item.rule.id if item.rule else ''}:{item.organisation.pk}",
            f"{item.organisation.name}",
        )
        for item in proposals
    ]
    others = list(
        Organisation.objects.filter(country=signal.jurisdiction, is_active=True)
        .exclude(pk=signal.organisation_id)
        .order_by("name")
        .values_list("pk", "name")
    )
    me = cast(User, request.user)
    colleague_ids = Membership.objects.filter(
        organisation_id=signal.organisation_id, is_active=True, user__is_active=True
    ).values_list("user_id", flat=True)
    colleagues = [(int(me.pk), me.get_full_name() or me.get_username())]
    colleagues += [
        (int(user.pk), user.get_full_name() or user.get_username())
        for user in User.objects.filter(pk__in=colleague_ids)
        .exclude(pk=me.pk)
        .order_by("last_name", "first_name")
    ]
    initial = {
        "nationality": situation["nationality"],
        "unaccompanied": {True: "yes", False: "no"}.get(situation["unaccompanied"], ""),
        "needs_shelter": {True: "yes", False: "no"}.get(situation["needs_shelter"], ""),
        "explained_by": str(request.user.pk),
    }
    form = ReferForm(
        data,
        initial=initial,
        proposals=choices,
        others=others,
        colleagues=colleagues,
    )
    return form, proposals


@login_required
@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, signal_pk: int) -> HttpResponse:
    """Refer a signal: the routing proposes recipients (refined by nationality, unaccompanied,
    need of shelter); the sender chooses, records consent or a legal ground, and sends."""
    signal = _signal(request, signal_pk)
    if roles.SEND_REFERRAL not in request.user.get_all_permissions():
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    situation = SituationForm(source).situation()
    form, proposals = _refer_form(
        request, signal, situation, request.POST if request.method == "POST" else None
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            chosen = form.choices_made()
            if not chosen:
                form.add_error("recipients", _("Choose at least one organisation to refer to."))
                consent_errors = FieldErrors()
                clean_consent(form.consent(), consent_errors)
                add_service_errors(form, InvalidInput(consent_errors.errors))
            else:
                try:
                    with transaction.atomic():
                        made = [
                            services.referral_create(
                                actor=request.user,
                                signal_id=signal.pk,
                                recipient_organisation_id=org,
                                data={
                                    "rule": rule,
                                    "situation": situation,
                                    "shared": form.cleaned_data.get("shared", []),
                                    "consent": form.consent(),
                                    "note": form.cleaned_data.get("note", ""),
                                },
                                send=request.POST.get("submit") != "draft",
                            )
                            for rule, org in chosen
                        ]
                except InvalidInput as exc:
                    errors = dict(exc.errors)
                    for key in ("recipient", "rule"):
                        if key in errors:
                            errors.setdefault("recipients", []).extend(errors.pop(key))
                    add_service_errors(form, InvalidInput(errors))
                except (NotFoundOrForbidden, PermissionDeniedError):
                    raise Http404 from None
                else:
                    sent = made[0].state == "sent"
                    messages.success(
                        request,
                        (
                            _("Referral sent: %(references)s.")
                            if sent
                            else _("Referral saved as a draft: %(references)s.")
                        )
                        % {"references": ", ".join(item.reference for item in made)},
                    )
                    if len(made) == 1:
                        return redirect("referrals:detail", pk=made[0].pk)
                    return redirect("referrals:list")
        status = 400
    context = {
        "signal": signal,
        "form": form,
        "proposals": proposals,
    }
    return render(request, "referrals/refer.html", context, status=status)


# --- one referral ---------------------------------------------------------------------------------


def _referral(request: HttpRequest, pk: int, *, record_read: bool = True) -> Referral:
    try:
        return selectors.access_referral(
            actor=request.user, referral_id=pk, record_read=record_read
        )
    except NotFoundOrForbidden:
        raise Http404 from None


def _detail_context(request: HttpRequest, referral: Referral) -> dict[str, Any]:
    version = {"version": referral.version}
    rules = routing.routings().get(referral.jurisdiction)
    jurisdiction = jurisdiction_rules.get(referral.jurisdiction)
    return {
        "rule": next((rule for rule in rules.rules if rule.id == referral.rule_id), None)
        if rules is not None
        else None,
        "function": jurisdiction.function(referral.function) if jurisdiction else None,
        "referral": referral,
        "data": shared_data(
            actor=request.user,
            referral=referral,
            show_shared=selectors.sees_shared(request.user, referral),
        ),
        "transitions": selectors.transitions_of(referral),
        "actions": selectors.allowed_actions(request.user, referral),
        "overdue": referral.state == "sent"
        and referral.accept_by is not None
        and referral.accept_by <= clock.now(),
        "can_open_signal": signal_selectors.may(request.user, referral.signal, "view"),
        # The recipient opens its case file once it accepted (the cases app, above referrals).
        "may_open_case": referral.state == ReferralState.ACCEPTED
        and request.user.has_perm(roles.ADD_CASE, referral.recipient_organisation),
        "version_form": VersionForm(initial=version),
        "decline_form": DeclineForm(initial=version),
        "revoke_form": RevokeForm(initial=version),
        "review_form": ReviewForm(initial=version),
    }


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk)
    return render(request, "referrals/detail.html", _detail_context(request, referral))


ACTIONS: dict[str, Any] = {
    "send": (VersionForm, services.referral_send, _("The referral was sent.")),
    "accept": (VersionForm, services.referral_accept, _("You accepted the referral.")),
    "complete": (VersionForm, services.referral_complete, _("The referral is completed.")),
    "take": (VersionForm, services.referral_take, _("You are now responsible for the referral.")),
    "decline": (DeclineForm, services.referral_decline, _("You declined the referral.")),
    "revoke": (RevokeForm, services.referral_revoke, _("The referral was revoked.")),
    "review": (ReviewForm, services.referral_review, _("Your review was recorded.")),
}


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One lifecycle action on a referral; the form carries the version the user saw."""
    if action not in ACTIONS:
        raise Http404
    form_class, service, done = ACTIONS[action]
    referral = _referral(request, pk, record_read=False)
    form = form_class(request.POST)
    status = 400
    if form.is_valid():
        data = {key: value for key, value in form.cleaned_data.items() if key != "version"}
        try:
            service(
                actor=request.user,
                referral_id=referral.pk,
                expected_version=form.cleaned_data["version"],
                **data,
            )
        except (NotFoundOrForbidden, PermissionDeniedError):
            raise Http404 from None
        except IllegalTransition:
            messages.error(
                request, _("This referral has moved on: the page shows its current state.")
            )
            return redirect("referrals:detail", pk=referral.pk)
        except ConcurrentEditError:
            messages.error(
                request,
                _(
                    "Someone else changed this referral while you were looking at it, so your "
                    "action was not applied. Check its current state and try again."
                ),
            )
            status = 409
            form = None
        except InvalidInput as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("referrals:detail", pk=referral.pk)
    referral = _referral(request, pk)
    context = _detail_context(request, referral)
    if form is not None:
        context[f"{action}_form"] = form
        context["failed_form"] = form
    return render(request, "referrals/detail.html", context, status=status)


# --- lists --------------------------------------------------------------------------------------


@login_required
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    if roles.VIEW_REFERRAL not in request.user.get_all_permissions():
        raise PermissionDenied
    context = {
        "received": selectors.received_by_my_organisations(actor=request.user),
        "sent": selectors.sent_by_my_organisations(actor=request.user),
        "now": clock.now(),
    }
    return render(request, "referrals/list.html", context)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    found = selectors.dashboard(actor=request.user)
    if found is None:
        raise PermissionDenied
    states = [(code, label, found.by_state.get(code, 0)) for code, label in ReferralState.choices]
    context = {"dashboard": found, "states": states, "now": clock.now()}
    return render(request, "referrals/dashboard.html", context)
