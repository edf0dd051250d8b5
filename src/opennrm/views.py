"""Top-level pages: the role-aware home page, health check and the CSRF failure page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from opennrm.directory import roles, selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    perms = user.get_all_permissions()
    tasks = [
        (roles.ADD_SIGNAL, "signals:create"),
        (roles.TRIAGE_SIGNAL, "signals:triage"),
        (roles.VIEW_SIGNAL, "signals:list"),
        (roles.VIEW_REFERRAL, "referrals:list"),
        (roles.MANAGE_REFERRAL, "referrals:dashboard"),
        (roles.VIEW_SIGNAL, "referrals:whom"),
        (roles.VIEW_PERSON, "persons:search"),
        (roles.ADD_PERSON, "persons:create"),
        (roles.MANAGE_USERS, "directory:users"),
        (roles.MANAGE_TOKENS, "directory:tokens"),
        (roles.VIEW_AUDIT, "audit:events"),
        (roles.VIEW_AUDIT, "cases:access_review"),
        (roles.CHANGE_CASE, "sharing:list"),
        (roles.BREAK_GLASS, "cases:emergency"),
        (roles.VIEW_ORGANISATIONS, "directory:organisations"),
    ]
    context = {
        "memberships": selectors.memberships_for_display(user=user),
        "tasks": [url for perm, url in tasks if perm in perms],
        "sees_personal_data": any(
            role in roles.ROLES_REQUIRING_2FA for _o, role in selectors.roles_of(user=user)
        ),
    }
    return render(request, "home.html", context)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/csrf.html", status=403)
