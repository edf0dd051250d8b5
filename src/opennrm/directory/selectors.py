"""Reads of the directory, permission-checked (DESIGN rule 2).

User administration reads go through ``access_managed_user``: a user who is not a member of the
organisation and a member the actor may not manage give the same ``NotFoundOrForbidden``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from opennrm.core import clock
from opennrm.core.errors import NotFoundOrForbidden
from opennrm.directory import roles
from opennrm.directory.backends import memberships_of, organisations_with_perm
from opennrm.directory.models import ApiToken, Membership, Organisation, User
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
    if not user.has_perm(roles.VIEW_ORGANISATIONS):
        return Organisation.objects.none()
    return Organisation.objects.filter(is_active=True).order_by("country", "name")


def organisations_filtered(
    *, user: Any, country: str = "", kind: str = ""
) -> QuerySet[Organisation]:
    """The directory, optionally narrowed to one country and/or one kind of organisation."""
    rows = organisations_visible_to(user=user)
    if country:
        rows = rows.filter(country=country)
    if kind:
        rows = rows.filter(kind=kind)
    return rows


def organisation_countries(*, user: Any) -> list[str]:
    """The countries present in the directory the user may see, for the filter."""
    rows = organisations_visible_to(user=user).order_by("country")
    return list(rows.values_list("country", flat=True).distinct())


def organisations_administered_by(
    *, actor: Any, perm: str = roles.MANAGE_USERS
) -> QuerySet[Organisation]:
    """Active organisations in which ``actor`` holds ``perm`` (users by default, or tokens)."""
    if not getattr(actor, "is_authenticated", False):
        return Organisation.objects.none()
    ids = organisations_with_perm(actor, perm)
    return Organisation.objects.filter(pk__in=ids, is_active=True).order_by("country", "name")


def _members(organisation: Organisation) -> QuerySet[User]:
    return User.objects.filter(
        pk__in=Membership.objects.filter(organisation=organisation, is_active=True).values(
            "user_id"
        )
    )


def access_managed_user(*, actor: Any, organisation: Organisation, user_id: int) -> User:
    """The one door to a user for administration: member of ``organisation``, managed by actor."""
    if not actor.has_perm(roles.MANAGE_USERS, organisation):
        raise NotFoundOrForbidden
    user = _members(organisation).filter(pk=user_id).first()
    if user is None:
        raise NotFoundOrForbidden
    return user


def roles_in(*, user: User, organisation: Organisation) -> list[str]:
    """The role codes ``user`` actively holds in ``organisation``, in the order of ``Role``."""
    held = set(
        Membership.objects.filter(user=user, organisation=organisation, is_active=True).values_list(
            "role", flat=True
        )
    )
    return [role for role in Role.values if role in held]


def _locked_out_attempts() -> QuerySet[AccessAttempt]:
    since = clock.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    )


def is_locked_out(*, user: User) -> bool:
    """True while the account is locked after too many failed sign-ins (django-axes)."""
    return _locked_out_attempts().filter(username=user.get_username()).exists()


@dataclass(frozen=True)
class UserRow:
    user: User
    roles: list[str]
    has_two_factor: bool
    locked_out: bool

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in self.roles]


def users_of_organisation(*, actor: Any, organisation: Organisation) -> list[UserRow]:
    """The members of ``organisation`` with their roles there, for its administrators."""
    if not actor.has_perm(roles.MANAGE_USERS, organisation):
        raise NotFoundOrForbidden
    here = Membership.objects.filter(organisation=organisation, is_active=True)
    users = (
        _members(organisation)
        .annotate(
            two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            locked=Exists(_locked_out_attempts().filter(username=OuterRef("username"))),
        )
        .prefetch_related(Prefetch("memberships", queryset=here, to_attr="roles_here"))
        .order_by("username")
    )
    order = {role: i for i, role in enumerate(Role.values)}
    return [
        UserRow(
            user=user,
            roles=sorted((m.role for m in user.roles_here), key=order.__getitem__),
            has_two_factor=bool(user.two_factor),
            locked_out=bool(user.locked),
        )
        for user in users
    ]


def members_for_tokens(*, actor: Any, organisation: Organisation) -> QuerySet[User]:
    """Service accounts a token of ``organisation`` may act as (for its token administrators).

    Only service accounts: a token never acts as a person, whose access needs two-factor.
    Demo accounts are offered only while ``OPENNRM_DEMO`` is on.
    """
    if not actor.has_perm(roles.MANAGE_TOKENS, organisation):
        raise NotFoundOrForbidden
    rows = _members(organisation).filter(is_active=True, is_service_account=True)
    if not settings.OPENNRM_DEMO:
        rows = rows.filter(is_demo=False)
    return rows.order_by("username")


def tokens_of_organisation(*, actor: Any, organisation: Organisation) -> QuerySet[ApiToken]:
    """The API clients of ``organisation``, newest first; never their secrets."""
    if not actor.has_perm(roles.MANAGE_TOKENS, organisation):
        raise NotFoundOrForbidden
    return (
        ApiToken.objects.filter(organisation=organisation)
        .select_related("user", "created_by")
        .order_by("-created_at", "-pk")
    )


def token_expired(token: ApiToken) -> bool:
    return token.expires_at is not None and token.expires_at <= clock.now()


def coordination_centre(*, country: str) -> Organisation | None:
    """The country's coordination centre: it receives public reports and stands in for any routing
    recipient nobody performs. With several, the first registered."""
    return (
        Organisation.objects.filter(kind="coordination_centre", country=country, is_active=True)
        .order_by("pk")
        .first()
    )


def users_with_perm(
    perm: str,
    *,
    organisation_id: int | None = None,
    country: str | None = None,
    organisation_ids: Iterable[int] | None = None,
) -> list[User]:
    """The active users holding ``perm`` through an active membership of the organisation
    ``organisation_id`` (or of one of ``organisation_ids``), or of any active organisation of
    ``country`` (for whom to notify: who works on a case there, a country's coordinators …).
    Each user once, by id."""
    granting = [role for role, perms in roles.ROLE_PERMISSIONS.items() if perm in perms]
    memberships = Membership.objects.filter(
        is_active=True, role__in=granting, user__is_active=True, organisation__is_active=True
    )
    if organisation_id is not None:
        memberships = memberships.filter(organisation_id=organisation_id)
    if country is not None:
        memberships = memberships.filter(organisation__country=country)
    if organisation_ids is not None:
        memberships = memberships.filter(organisation_id__in=list(organisation_ids))
    return list(User.objects.filter(pk__in=memberships.values("user_id")).order_by("pk"))
