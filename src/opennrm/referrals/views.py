"""The "whom do I contact?" page: the jurisdiction's routing rules answer any professional."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from opennrm.directory.models import Organisation
from opennrm.referrals import routing
from opennrm.referrals.forms import WhomForm


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
