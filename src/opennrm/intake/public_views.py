"""The anonymous public channel: report without signing in, add information later with the
reference code and PIN. Nothing can be read back through these pages.

No address, browser or account of the reporter is stored: the audit events of this channel carry
no client address, and the rate limit keeps only a keyed hash of the address in the cache for an
hour (``intake.ratelimit``). Responses are never cached.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from opennrm.core import context, ratelimit
from opennrm.core.errors import InvalidInput
from opennrm.intake import services
from opennrm.intake.forms import PublicAdditionForm, PublicReportForm, add_service_errors


def _no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    # "no-referrer" would make browsers send "Origin: null" on the form post, which fails CSRF;
    # "same-origin" still sends nothing to other sites.
    response["Referrer-Policy"] = "same-origin"
    return response


def _limited(request: HttpRequest, bucket: str, limit: int) -> bool:
    return not ratelimit.hit(bucket, context.client_ip_of(request), limit)


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    form = PublicReportForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        if _limited(request, "report", settings.OPENNRM_PUBLIC_REPORTS_PER_HOUR):
            return _no_store(render(request, "public/limited.html", {"adding": False}, status=429))
        status = 400
        if form.is_valid():
            if form.cleaned_data.get("website"):
                # A bot filled in the hidden field: answer like a success, store nothing.
                fake = services.fake_receipt()
                return _no_store(render(request, "public/received.html", {"receipt": fake}))
            try:
                receipt = services.public_report_submit(
                    data=form.cleaned_data, language=get_language() or "en"
                )
            except InvalidInput as exc:
                add_service_errors(form, exc)
            else:
                return _no_store(render(request, "public/received.html", {"receipt": receipt}))
    return _no_store(render(request, "public/report.html", {"form": form}, status=status))


@require_http_methods(["GET", "POST"])
def add(request: HttpRequest) -> HttpResponse:
    form = PublicAdditionForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        if _limited(request, "followup", settings.OPENNRM_PUBLIC_FOLLOWUPS_PER_HOUR):
            return _no_store(render(request, "public/limited.html", {"adding": True}, status=429))
        status = 400
        if form.is_valid():
            if form.cleaned_data.get("website"):
                return _no_store(render(request, "public/added.html"))
            try:
                added = services.public_report_add(
                    code=form.cleaned_data["code"],
                    pin=form.cleaned_data["pin"],
                    text=form.cleaned_data["text"],
                )
            except InvalidInput as exc:
                add_service_errors(form, exc)
            else:
                if added:
                    return _no_store(render(request, "public/added.html"))
                form.add_error(
                    None,
                    PublicAdditionForm.wrong_code_message(),
                )
    return _no_store(render(request, "public/add.html", {"form": form}, status=status))
