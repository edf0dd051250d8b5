"""Authentication and object-level permissions from organisation memberships (DESIGN rule 2)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from opennrm.directory.roles import ROLE_PERMISSIONS, is_all_scope, is_jurisdiction_scope

_CACHE = "_opennrm_role_cache"


def is_signed_in(actor: Any) -> bool:
    """Whether ``actor`` is a signed-in user (not None, not anonymous)."""
    return actor is not None and bool(getattr(actor, "is_authenticated", False))


def memberships_of(user: Any) -> list[tuple[int, str]]:
    """(organisation id, role) of the user's active memberships, cached on the instance.

    A user acting through an API token is confined to the token's organisation.
    """
    cached = getattr(user, _CACHE, None)
    if cached is None:
        rows = user.memberships.filter(is_active=True, organisation__is_active=True)
        token = getattr(user, "api_token", None)
        if token is not None:
            rows = rows.filter(organisation_id=token.organisation_id)
        cached = list(rows.values_list("organisation_id", "role"))
        setattr(user, _CACHE, cached)
    return cached


def forget_memberships(user: Any) -> None:
    for name in (_CACHE, _COUNTRIES):
        if hasattr(user, name):
            delattr(user, name)


_COUNTRIES = "_opennrm_country_cache"


def countries_with_perm(user: Any, perm: str) -> set[str]:
    """Countries of the coordination centres in which the user holds a role granting ``perm``.

    A jurisdiction-wide permission reaches a whole country, so only a role held at the country's
    coordination centre grants it: a coordinator registered at a shelter triages nothing."""
    cache: dict[str, set[str]] | None = getattr(user, _COUNTRIES, None)
    if cache is None:
        cache = {}
        setattr(user, _COUNTRIES, cache)
    if perm not in cache:
        from opennrm.directory.models import Organisation

        organisations = organisations_with_perm(user, perm)
        cache[perm] = set(
            Organisation.objects.filter(
                pk__in=organisations, kind="coordination_centre"
            ).values_list("country", flat=True)
        )
    return cache[perm]


def organisations_with_perm(user: Any, perm: str) -> set[int]:
    return {org for org, role in memberships_of(user) if perm in ROLE_PERMISSIONS.get(role, ())}


class OrganisationRoleBackend(ModelBackend):
    """Password authentication plus permissions derived from roles in organisations.

    ``has_perm(user, "app.verb_own_org_model", obj)`` holds when the user has a role granting
    the permission in ``obj.organisation_id``; ``*_jurisdiction_*`` permissions when
    ``obj.jurisdiction`` is the country of such an organisation; ``*_all_*`` hold everywhere.
    """

    def user_can_authenticate(self, user: Any) -> bool:
        if getattr(user, "is_demo", False) and not settings.OPENNRM_DEMO:
            return False
        if getattr(user, "is_service_account", False):
            return False  # API tokens only: a service account never signs in with a password
        return super().user_can_authenticate(user)

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        perms: set[str] = set()
        for _org, role in memberships_of(user_obj):
            perms |= ROLE_PERMISSIONS.get(role, frozenset())
        return perms

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not user_obj.is_active or user_obj.is_anonymous:
            return False
        if obj is None or is_all_scope(perm):
            return perm in self.get_all_permissions(user_obj)
        if is_jurisdiction_scope(perm):
            jurisdiction = getattr(obj, "jurisdiction", None)
            return bool(jurisdiction) and jurisdiction in countries_with_perm(user_obj, perm)
        org_id = _organisation_id_of(obj)
        return org_id is not None and org_id in organisations_with_perm(user_obj, perm)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return any(p.startswith(f"{app_label}.") for p in self.get_all_permissions(user_obj))


def _organisation_id_of(obj: Any) -> int | None:
    if isinstance(obj, int):
        return obj
    from opennrm.directory.models import Organisation

    if isinstance(obj, Organisation):
        return int(obj.pk)
    org_id = getattr(obj, "organisation_id", None)
    return int(org_id) if org_id is not None else None
