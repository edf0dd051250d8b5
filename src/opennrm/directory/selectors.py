"""Reads of the directory, permission-checked (DESIGN rule 2)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import QuerySet

from opennrm.directory.backends import memberships_of
from opennrm.directory.models import Organisation
from opennrm.directory.roles import Role


def roles_of(*, user: Any) -> list[tuple[int, str]]:
    return memberships_of(user)


def memberships_for_display(*, user: Any) -> list[dict[str, Any]]:
    """The user's organisations with the labels of their roles there."""
    by_org: dict[int, list[str]] = defaultdict(list)
    for org_id, role in memberships_of(user):
        by_org[org_id].append(str(Role(role).label))
    orgs = Organisation.objects.in_bulk(list(by_org))
    return [
        {"organisation": orgs[org_id], "roles": sorted(labels)}
        for org_id, labels in sorted(by_org.items(), key=lambda item: str(orgs[item[0]]))
        if org_id in orgs
    ]


def organisations_visible_to(*, user: Any) -> QuerySet[Organisation]:
    if not user.has_perm("directory.view_all_organisation"):
        return Organisation.objects.none()
    return Organisation.objects.filter(is_active=True).order_by("country", "name")
