"""What the directory services share: the operator actor, permission checks, role validation.

Every service checks the actor's permission on the organisation concerned (the backend resolves
``own_org`` scope against it), raises ``NotFoundOrForbidden`` when it does not hold, writes its
audit event inside its transaction and sends e-mail only after the commit. Organisation
administrators call these from the web pages; operators call them from the command line through a
``SystemActor``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from opennrm.core.errors import InvalidInput, NotFoundOrForbidden
from opennrm.directory.backends import forget_memberships
from opennrm.directory.models import Organisation, User
from opennrm.directory.roles import ROLES_GRANTED_BY_OPERATORS_ONLY, Role


class SystemActor:
    """The operator at the command line: no account, every permission, audited by its label.

    Only management commands construct one (``opennrm org create``, ``opennrm user create`` …);
    web pages and the API always act as the signed-in user.
    """

    pk = None
    is_authenticated = True

    def __init__(self, label: str = "cli") -> None:
        self.label = label

    def get_username(self) -> str:
        return self.label

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return True


Actor = User | SystemActor


class LastAdministratorError(InvalidInput):
    """The change would leave the organisation without an administrator (a lock-out)."""


def _require(actor: Actor, perm: str, organisation: Organisation) -> None:
    if not actor.has_perm(perm, organisation):
        raise NotFoundOrForbidden


def _account(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _forget(*users: Any) -> None:
    for user in users:
        if isinstance(user, User):
            forget_memberships(user)


def _check_roles(values: list[str], field: str = "roles", *, actor: Actor | None) -> list[str]:
    """The chosen roles, deduplicated; operator-only roles are refused to administrators."""
    chosen = list(dict.fromkeys(values))
    if not chosen:
        raise InvalidInput({field: [_("Choose at least one role.")]})
    unknown = [value for value in chosen if value not in Role.values]
    if unknown:
        raise InvalidInput({field: [_("Choose a role from the list.")]})
    if isinstance(actor, User) and set(chosen) & ROLES_GRANTED_BY_OPERATORS_ONLY:
        raise InvalidInput({field: [_("Only the operator can give this role.")]})
    return chosen
