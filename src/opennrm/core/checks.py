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


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Rate limits (the public report form) count in the cache: a per-process cache lets every
    server process count alone, so a production instance needs a shared one."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if getattr(settings, "PRODUCTION", False) and backend.endswith("LocMemCache"):
        return [
            Warning(
                "The cache is local to each server process, so rate limits multiply by the "
                "number of processes.",
                hint="Set OPENNRM_CACHE_URL to a shared Redis, e.g. redis://127.0.0.1:6379/0",
                id="opennrm.W004",
            )
        ]
    return []
