"""Settings come from the environment, fail loudly, and production refuses unsafe values."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from opennrm.config import env
from opennrm.config.env import EnvError

KEY = env.new_key()
GOOD_PRODUCTION = {
    "OPENNRM_ENV": "production",
    "OPENNRM_SECRET_KEY": "x" * 50,
    "OPENNRM_DATA_KEYS": f"k1:{KEY}",
    "OPENNRM_INDEX_KEY": env.new_key(),
    "ALLOWED_HOSTS": "nrm.example.org",
    "OPENNRM_EMAIL_HOST": "smtp.example.org",
    "OPENNRM_BASE_URL": "https://nrm.example.org",
}


def load_settings(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENNRM_", "DATABASE_URL"))}
    clean.update({"OPENNRM_VAR_DIR": str(tmp_path / "var")}, **overrides)
    code = (
        "import opennrm.config.settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=60
    )


def test_local_instance_works_with_nothing_set_and_secrets_are_private(tmp_path: Path) -> None:
    result = load_settings(tmp_path)
    assert result.returncode == 0, result.stderr[-500:]
    secrets_file = tmp_path / "var" / "secrets.json"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    first = secrets_file.read_text()
    assert load_settings(tmp_path).returncode == 0
    assert secrets_file.read_text() == first  # generated once, then reused


def test_world_readable_secret_file_is_refused(tmp_path: Path) -> None:
    assert load_settings(tmp_path).returncode == 0
    os.chmod(tmp_path / "var" / "secrets.json", 0o644)
    result = load_settings(tmp_path)
    assert result.returncode != 0
    assert "chmod 600" in result.stderr


def test_production_with_all_secrets_starts_hardened(tmp_path: Path) -> None:
    result = load_settings(tmp_path, **GOOD_PRODUCTION)
    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout.split() == ["False", "True", "31536000"]
    assert not (tmp_path / "var" / "secrets.json").exists()


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"OPENNRM_DEBUG": "1"}, "OPENNRM_DEBUG must be off"),
        ({"OPENNRM_DEMO": "1"}, "OPENNRM_DEMO must be off"),
        ({"OPENNRM_SECRET_KEY": ""}, "OPENNRM_SECRET_KEY"),
        ({"OPENNRM_DATA_KEYS": ""}, "OPENNRM_DATA_KEYS"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"OPENNRM_EMAIL_HOST": ""}, "OPENNRM_EMAIL_HOST"),
        ({"OPENNRM_BASE_URL": ""}, "OPENNRM_BASE_URL"),
        ({"OPENNRM_HTTPS": "0"}, "OPENNRM_HTTPS cannot be off"),
        ({"OPENNRM_SECRET_KEY": "django-insecure-" + "x" * 40}, "not a default"),
    ],
)
def test_production_refuses_unsafe_configuration(
    tmp_path: Path, override: dict[str, str], message: str
) -> None:
    result = load_settings(tmp_path, **{**GOOD_PRODUCTION, **override})
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("OPENNRM_DEBUG", "maybe", "OPENNRM_DEBUG must be one of"),
        ("OPENNRM_SESSION_IDLE_MINUTES", "thirty", "must be a whole number"),
        ("OPENNRM_SESSION_IDLE_MINUTES", "0", "at least 1"),
        ("OPENNRM_ENV", "staging", "OPENNRM_ENV must be one of"),
        ("DATABASE_URL", "mysql://root@localhost/x", "SQLite or PostgreSQL"),
        ("OPENNRM_DATA_KEYS", "k1:tooshort", "must decode to 32 bytes"),
        ("CSRF_TRUSTED_ORIGINS", "nrm.example.org", "need a scheme"),
    ],
)
def test_bad_values_stop_the_process_naming_the_variable(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    result = load_settings(tmp_path, **{name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_data_keys_parsing() -> None:
    other = env.new_key()
    keys = env.parse_data_keys("X", f"new:{KEY}, old:{other}")
    assert [kid for kid, _ in keys] == ["new", "old"]
    assert all(len(key) == 32 for _, key in keys)
    with pytest.raises(EnvError, match="appears twice"):
        env.parse_data_keys("X", f"a:{KEY},a:{other}")
    with pytest.raises(EnvError, match="keyid:base64key"):
        env.parse_data_keys("X", KEY)
    with pytest.raises(EnvError, match="letters or digits"):
        env.parse_data_keys("X", f"bad id:{KEY}")
