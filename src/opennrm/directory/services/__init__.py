"""Writes of the directory (DESIGN rule 1): one service per use case, one transaction each.

Split by concern: ``organisations``, ``users`` (and their memberships), ``tokens`` (API tokens),
``auth`` (sign-in and two-factor); what they share is in ``_common``. Callers import this package
(``from opennrm.directory import services``; ``services.user_create(...)``), which re-exports
every public name.
"""

from opennrm.directory.services._common import Actor, LastAdministratorError, SystemActor
from opennrm.directory.services.auth import (
    UNKNOWN_USER,
    login_refused,
    login_succeeded,
    logout_performed,
    otp_failure_record,
    recovery_code_used,
    recovery_codes_regenerate,
    totp_device_confirm,
)
from opennrm.directory.services.organisations import (
    ADD_ORGANISATION,
    organisation_create,
    organisation_update,
)
from opennrm.directory.services.tokens import (
    TOKEN_MAX_DAYS,
    api_token_create,
    api_token_revoke,
)
from opennrm.directory.services.users import (
    membership_grant,
    membership_revoke,
    set_password_link,
    user_create,
    user_password_set,
    user_remove_from_organisation,
    user_reset_two_factor,
    user_unlock,
)

__all__ = [
    "ADD_ORGANISATION",
    "TOKEN_MAX_DAYS",
    "UNKNOWN_USER",
    "Actor",
    "LastAdministratorError",
    "SystemActor",
    "api_token_create",
    "api_token_revoke",
    "login_refused",
    "login_succeeded",
    "logout_performed",
    "membership_grant",
    "membership_revoke",
    "organisation_create",
    "organisation_update",
    "otp_failure_record",
    "recovery_code_used",
    "recovery_codes_regenerate",
    "set_password_link",
    "totp_device_confirm",
    "user_create",
    "user_password_set",
    "user_remove_from_organisation",
    "user_reset_two_factor",
    "user_unlock",
]
