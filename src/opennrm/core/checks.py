"""System checks with stable ids (``opennrm.E0xx``) for the security configuration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=False)
def check_keys(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    keys = getattr(settings, "OPENNRM_DATA_KEYS", [])
    if not keys:
        problems.append(Error("No data-encryption key is configured.", id="opennrm.E001"))
    index_key = getattr(settings, "OPENNRM_INDEX_KEY", b"")
    if any(index_key == key for _, key in keys):
        problems.append(
            Error(
                "OPENNRM_INDEX_KEY must differ from every data-encryption key.",
                hint="Generate a separate key: opennrm keygen",
                id="opennrm.E002",
            )
        )
    if "argon2" not in settings.PASSWORD_HASHERS[0].lower():
        problems.append(Warning("The first password hasher is not Argon2.", id="opennrm.W003"))
    return problems
