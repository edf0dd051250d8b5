"""Navigation shown in the base layout: only links the user may follow."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from opennrm.directory import notifications, roles, twofactor

# (url name, label, permission needed or None for every signed-in user)
NAV_ITEMS: list[tuple[str, Any, str | None]] = [
    ("home", _("Home"), None),
    ("signals:list", _("Signals"), roles.VIEW_SIGNAL),
    ("signals:triage", _("Triage"), roles.TRIAGE_SIGNAL),
    ("referrals:list", _("Referrals"), roles.VIEW_REFERRAL),
    ("referrals:dashboard", _("Referral overview"), roles.MANAGE_REFERRAL),
    ("referrals:whom", _("Whom to contact"), roles.VIEW_SIGNAL),
    ("cases:list", _("Case files"), roles.VIEW_CASE),
    ("cases:deadlines", _("Deadlines"), roles.CHANGE_CASE),
    ("persons:search", _("Persons"), roles.VIEW_PERSON),
    ("plans:list", _("Action plans"), roles.VIEW_PLANS),
    ("directory:organisations", _("Directory"), roles.VIEW_ORGANISATIONS),
    ("directory:users", _("Users"), roles.MANAGE_USERS),
    ("directory:tokens", _("API clients"), roles.MANAGE_TOKENS),
    ("sharing:list", _("Legal bases"), roles.CHANGE_CASE),
    ("audit:events", _("Audit trail"), roles.VIEW_AUDIT),
    ("cases:access_review", _("Access review"), roles.VIEW_AUDIT),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    if twofactor.requires_two_factor(user) and not user.is_verified():
        return {"nav_items": []}
    perms = user.get_all_permissions()
    items = []
    for url_name, label, perm in NAV_ITEMS:
        if perm is None or perm in perms:
            url = reverse(url_name)
            items.append({"url": url, "label": label, "current": request.path == url})
    unread = notifications.unread_count(user)
    inbox = reverse("directory:inbox")
    label = (
        ngettext("Inbox (%(count)d unread)", "Inbox (%(count)d unread)", unread) % {"count": unread}
        if unread
        else _("Inbox")
    )
    items.append({"url": inbox, "label": label, "current": request.path == inbox})
    return {"nav_items": items, "unread_notifications": unread}
