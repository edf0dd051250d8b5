"""A WSGI/ASGI server refuses to start on malformed rule files (gunicorn runs no system checks)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from opennrm.config.startup import refuse_bad_rule_files


def test_shipped_rule_files_start() -> None:
    refuse_bad_rule_files()  # raises on any error


def test_a_broken_catalogue_stops_the_server(tmp_path: Path, settings: Any) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(Path(django_settings.OPENNRM_RULES_DIR), rules)
    broken = rules / "catalogues" / "watch-truckstop.v1.yaml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("population: any", "population: everyone"),
        encoding="utf-8",
    )
    settings.OPENNRM_RULES_DIR = rules
    with pytest.raises(ImproperlyConfigured) as refused:
        refuse_bad_rule_files()
    message = str(refused.value)
    assert "opennrm.E101" in message and "watch-truckstop.v1.yaml:" in message


def test_production_without_a_shared_cache_is_warned(settings: Any) -> None:
    from opennrm.core.checks import check_shared_cache

    settings.PRODUCTION = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [problem.id for problem in check_shared_cache()] == ["opennrm.W004"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
        }
    }
    assert check_shared_cache() == []
    settings.PRODUCTION = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert check_shared_cache() == []
