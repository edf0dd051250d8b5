"""Signal, screening, triage and catalogue pages for staff. Views stay thin: a form collects input,
one service or selector does the work. A missing and a forbidden signal are both a 404."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from opennrm.core import jurisdictions
from opennrm.core.errors import (
    ConcurrentEditError,
    InvalidInput,
    NotFoundOrForbidden,
    PermissionDeniedError,
)
from opennrm.core.rulefiles import pick
from opennrm.core.taxonomies import ISIC_SECTIONS, form_label
from opennrm.directory import roles
from opennrm.intake import catalogues as catalogue_rules
from opennrm.intake import ports, questionnaires, selectors, services
from opennrm.intake.catalogues import Catalogue
from opennrm.intake.explain import explain, part_label
from opennrm.intake.forms import (
    DismissForm,
    LinkForm,
    PersonFindForm,
    PersonLinkForm,
    ScreeningForm,
    SignalForm,
    add_service_errors,
    initial_of,
)
from opennrm.intake.models import Screening, Signal
from opennrm.intake.ports import persons
from opennrm.intake.selectors import SignalAction


def _access(request: HttpRequest, pk: int, action: SignalAction, **kwargs: Any) -> Signal:
    try:
        return selectors.access_signal(actor=request.user, signal_id=pk, action=action, **kwargs)
    except NotFoundOrForbidden:
        raise Http404 from None


def _conflict() -> str:
    return _(
        "Someone else changed this signal while you were working on it, so your changes were not "
        "saved. The page now shows the current details: check them and try again."
    )


@login_required
@require_GET
def signal_list(request: HttpRequest) -> HttpResponse:
    if roles.VIEW_SIGNAL not in request.user.get_all_permissions():
        raise PermissionDenied
    signals = selectors.signals_of_my_organisations(actor=request.user)
    can_add = bool(selectors.organisations_for_new_signals(actor=request.user))
    return render(request, "intake/list.html", {"signals": signals, "can_add": can_add})


@sensitive_post_parameters()  # free text and identity are personal data
@login_required
@require_http_methods(["GET", "POST"])
def signal_create(request: HttpRequest) -> HttpResponse:
    organisations = selectors.organisations_for_new_signals(actor=request.user)
    if not organisations:
        raise PermissionDenied
    form = SignalForm(
        request.POST if request.method == "POST" else None, organisations=organisations
    )
    if form.is_bound and form.is_valid():
        try:
            signal = services.signal_record(
                actor=request.user,
                organisation_id=form.cleaned_data["organisation"],
                data=form.signal_data(),
                person=form.person_data(),
            )
        except PermissionDeniedError:
            raise PermissionDenied from None
        except InvalidInput as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The signal has been recorded as %(reference)s.")
                % {"reference": signal.reference},
            )
            return redirect("signals:detail", pk=signal.pk)
    status = 400 if form.errors else 200
    return render(request, "intake/form.html", {"form": form, "creating": True}, status=status)


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def signal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    signal = _access(request, pk, "change", record_read=request.method == "GET")
    status = 200
    if request.method == "POST":
        form = SignalForm(request.POST, country=signal.jurisdiction, editing=True)
        status = 400
        if form.is_valid():
            try:
                services.signal_update(
                    actor=request.user,
                    signal_id=pk,
                    expected_version=form.cleaned_data.get("version") or 0,
                    data=form.signal_data(),
                )
            except NotFoundOrForbidden:
                raise Http404 from None
            except InvalidInput as exc:
                add_service_errors(form, exc)
            except ConcurrentEditError:
                signal = _access(request, pk, "change", record_read=True)
                form = SignalForm(
                    data=initial_of(signal), country=signal.jurisdiction, editing=True
                )
                form.is_valid()
                form.add_error(None, _conflict())
                status = 409
            else:
                messages.success(request, _("Your changes have been saved."))
                return redirect("signals:detail", pk=pk)
    else:
        form = SignalForm(initial=initial_of(signal), country=signal.jurisdiction, editing=True)
    return render(request, "intake/form.html", {"form": form, "signal": signal}, status=status)


def _region_name(signal: Signal) -> str:
    rules = jurisdictions.get(signal.jurisdiction)
    region = rules.region(signal.region) if rules is not None and signal.region else None
    return region.name if region is not None else ""


@login_required
@require_GET
def signal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    signal = _access(request, pk, "view")
    first_contact = questionnaires.answer_rows(signal.first_contact)
    context = {
        "signal": signal,
        "region_name": _region_name(signal),
        "forms": [form_label(code) for code in signal.forms],
        "sector": ISIC_SECTIONS.get(signal.labour_sector, ""),
        "screenings": [
            (screening, explain(screening)) for screening in selectors.screenings_of(signal)
        ],
        "links": selectors.linked_signals(actor=request.user, signal=signal),
        "additions": list(signal.additions.order_by("created_at", "pk")),
        "first_contact": first_contact,
        "can_change": selectors.may(request.user, signal, "change"),
        "can_triage": selectors.may(request.user, signal, "triage"),
        "can_see_person": request.user.has_perm(roles.VIEW_PERSON, signal),
        "dismiss_form": DismissForm(initial={"version": signal.version}),
        "whom_query": _whom_query(signal),
        **_referrals_of(request, signal),
    }
    return render(request, "intake/detail.html", context)


def _referrals_of(request: HttpRequest, signal: Signal) -> dict[str, Any]:
    port = ports.referrals()
    if port is None:
        return {"can_refer": False, "referrals": []}
    return {
        "can_refer": port.may_refer(actor=request.user, signal=signal),
        "referrals": port.of_signal(actor=request.user, signal=signal),
    }


def _whom_query(signal: Signal) -> str:
    """The signal's categories (no personal data) for the "whom do I contact?" page."""
    latest = (
        signal.screenings.order_by("-performed_at", "-pk").values_list("level", flat=True).first()
    )
    params: list[tuple[str, str]] = [
        ("country", signal.jurisdiction),
        ("referrer_kind", signal.organisation.kind),
        ("acute", "yes" if signal.acute else ""),
        ("population", signal.population),
        ("region", signal.region),
        ("screening_level", latest or ""),
        *(("forms", code) for code in signal.forms),
    ]
    return urlencode([(key, value) for key, value in params if value])


def suitable_catalogues(signal: Signal) -> list[Catalogue]:
    """Catalogues for the signal's population, those of its country or international first."""
    found = [
        catalogue
        for catalogue in catalogue_rules.catalogues().current()
        if catalogue.population == "any"
        or signal.population == "unknown"
        or catalogue.population == signal.population
    ]

    def order(catalogue: Catalogue) -> tuple[int, int, str]:
        return (
            0 if catalogue.jurisdiction == signal.jurisdiction else 1,
            0 if set(catalogue.forms) & set(signal.forms) else 1,
            catalogue.id,
        )

    return sorted(found, key=order)


@login_required
@require_GET
def screen_choose(request: HttpRequest, pk: int) -> HttpResponse:
    signal = _access(request, pk, "change", record_read=False)
    context = {"signal": signal, "catalogues": suitable_catalogues(signal)}
    return render(request, "intake/screen_choose.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def screen(request: HttpRequest, pk: int, catalogue_id: str) -> HttpResponse:
    signal = _access(request, pk, "change", record_read=False)
    catalogue = catalogue_rules.catalogues().get(catalogue_id)
    if catalogue is None:
        raise Http404
    previous = [
        ref.split(":", 1)[1]
        for ref in signal.observed_indicators
        if ref.startswith(f"{catalogue.id}:")
    ]
    form = ScreeningForm(
        request.POST if request.method == "POST" else None,
        catalogue=catalogue,
        initial_codes=previous,
    )
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                screening = services.screening_run(
                    actor=request.user, signal_id=pk, catalogue_id=catalogue.id,
                    version=catalogue.version, observed=form.observed(),
                )  # fmt: skip
            except NotFoundOrForbidden:
                raise Http404 from None
            except InvalidInput as exc:
                add_service_errors(form, exc)
            else:
                return redirect("signals:screening", pk=pk, screening_id=screening.pk)
    context = {"signal": signal, "catalogue": catalogue, "form": form}
    return render(request, "intake/screen.html", context, status=status)


@login_required
@require_GET
def screening_detail(request: HttpRequest, pk: int, screening_id: int) -> HttpResponse:
    signal = _access(request, pk, "view")
    screening = (
        Screening.objects.select_related("catalogue", "performed_by")
        .filter(pk=screening_id, signal=signal)
        .first()
    )
    if screening is None:
        raise Http404
    context = {"signal": signal, "screening": screening, "explained": explain(screening)}
    return render(request, "intake/screening.html", context)


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def first_contact(request: HttpRequest, pk: int) -> HttpResponse:
    signal = _access(request, pk, "change", record_read=False)
    questionnaire = questionnaires.first_contact()
    mine_code = (get_language() or "en").split("-")[0]
    mine = questionnaire.translations.get(mine_code) or questionnaire.translations["en"]
    source = request.POST if request.method == "POST" else request.GET
    theirs_code = source.get("language", "")
    theirs = questionnaire.translations.get(theirs_code)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        answers = {
            question.code: request.POST[f"q-{question.code}"]
            for question in questionnaire.questions
            if request.POST.get(f"q-{question.code}")
        }
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = -1
        try:
            services.first_contact_record(
                actor=request.user, signal_id=pk, expected_version=version,
                questionnaire=questionnaire, language=theirs_code, answers=answers,
            )  # fmt: skip
        except NotFoundOrForbidden:
            raise Http404 from None
        except InvalidInput as exc:
            errors = exc.errors
            status = 400
        except ConcurrentEditError:
            errors = {"answers": [_conflict()]}
            status = 409
        else:
            messages.success(request, _("The answers have been recorded on the signal."))
            return redirect("signals:detail", pk=pk)
    rows = []
    if theirs is not None:
        for question in questionnaire.questions:
            options = [
                (option, mine.option_text(question, option), theirs.option_text(question, option))
                for option in questionnaire.options_of(question)
            ]
            rows.append(
                {
                    "code": question.code,
                    "mine": mine.questions[question.code],
                    "theirs": theirs.questions[question.code],
                    "options": options,
                    "chosen": request.POST.get(f"q-{question.code}", "")
                    if request.method == "POST"
                    else "",
                    "errors": errors.get(question.code, []),
                }
            )
    context = {
        "signal": signal,
        "questionnaire": questionnaire,
        "mine": mine,
        "theirs": theirs,
        "rows": rows,
        "errors": errors,
    }
    return render(request, "intake/first_contact.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def signal_link(request: HttpRequest, pk: int) -> HttpResponse:
    signal = _access(request, pk, "change", record_read=False)
    form = LinkForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                services.signal_link(
                    actor=request.user, signal_id=pk,
                    other_reference=form.cleaned_data["reference"], kind=form.cleaned_data["kind"],
                )  # fmt: skip
            except NotFoundOrForbidden:
                raise Http404 from None
            except InvalidInput as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The signals have been linked."))
                return redirect("signals:detail", pk=pk)
    return render(request, "intake/link.html", {"signal": signal, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()  # names searched for are personal data
def signal_person(request: HttpRequest, pk: int) -> HttpResponse:
    """Name the person of a signal: a registered person the user may see, found by name and
    date of birth (posted, never in the URL) or given by number."""
    signal = _access(request, pk, "change", record_read=False)
    finding = request.method == "POST" and request.POST.get("action") == "find"
    find_form = PersonFindForm(request.POST if finding else None)
    found: list[tuple[int, str]] | None = None
    form = PersonLinkForm(
        request.POST if request.method == "POST" and not finding else None,
        initial={"version": signal.version},
    )
    status = 200
    if finding and find_form.is_valid():
        try:
            found = persons().search(
                actor=request.user,
                name=find_form.cleaned_data["name"],
                date_of_birth=find_form.cleaned_data["date_of_birth"],
            )
        except InvalidInput as exc:
            add_service_errors(find_form, exc)
            status = 400
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                services.signal_link_person(
                    actor=request.user,
                    signal_id=pk,
                    expected_version=form.cleaned_data["version"],
                    person_id=form.cleaned_data["person_id"],
                )
            except NotFoundOrForbidden:
                raise Http404 from None
            except InvalidInput as exc:
                add_service_errors(form, exc)
            except ConcurrentEditError:
                form.add_error(None, _conflict())
                status = 409
            else:
                messages.success(request, _("The person has been linked to the signal."))
                return redirect("signals:detail", pk=pk)
    context = {"signal": signal, "form": form, "find_form": find_form, "found": found}
    return render(request, "intake/person_link.html", context, status=status)


@login_required
@require_http_methods(["POST"])
def signal_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            services.signal_dismiss(
                actor=request.user, signal_id=pk,
                expected_version=form.cleaned_data["version"], reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except NotFoundOrForbidden:
            raise Http404 from None
        except ConcurrentEditError:
            messages.error(request, _conflict())
            return redirect("signals:detail", pk=pk)
        except InvalidInput as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The signal has been dismissed."))
            return redirect("signals:triage")
    signal = _access(request, pk, "triage", record_read=False)
    return render(request, "intake/dismiss.html", {"signal": signal, "form": form}, status=400)


@login_required
@require_GET
def triage(request: HttpRequest) -> HttpResponse:
    if roles.TRIAGE_SIGNAL not in request.user.get_all_permissions():
        raise PermissionDenied
    queue = selectors.triage_queue(actor=request.user)
    return render(request, "intake/triage.html", {"queue": queue})


@login_required
@require_GET
def catalogue_list(request: HttpRequest) -> HttpResponse:
    if roles.VIEW_SIGNAL not in request.user.get_all_permissions():
        raise PermissionDenied
    return render(
        request, "intake/catalogues.html", {"catalogues": catalogue_rules.catalogues().current()}
    )


@login_required
@require_GET
def catalogue_detail(request: HttpRequest, catalogue_id: str, version: int) -> HttpResponse:
    if roles.VIEW_SIGNAL not in request.user.get_all_permissions():
        raise PermissionDenied
    catalogue = catalogue_rules.catalogues().get(catalogue_id, version)
    if catalogue is None:
        raise Http404
    groups = [(group, catalogue.indicators_of(group.code)) for group in catalogue.groups]
    context = {
        "catalogue": catalogue,
        "groups": groups,
        "levels": [
            (level, pick(level.label), pick(level.next_steps)) for level in catalogue.levels
        ],
        "versions": catalogue_rules.catalogues().versions(catalogue.id),
        "forms": [form_label(code) for code in catalogue.forms],
        "required_parts": "; ".join(
            part_label(p) for p in catalogue.scoring.strong_signs_when_parts
        ),
        "waived_parts": "; ".join(part_label(p) for p in catalogue.scoring.not_required_for_minors),
    }
    return render(request, "intake/catalogue.html", context)
