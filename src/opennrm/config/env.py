"""Strict parsing of settings from the environment.

Every value is validated when the settings module is imported; a bad value stops the process
with a message naming the variable, never a silent fallback. Secrets that are not given are
generated once into ``var/`` (mode 0600) so that a local instance works with nothing set;
production refuses to start on such generated secrets (see ``settings.py``).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path


class EnvError(RuntimeError):
    """A setting from the environment is missing or malformed."""


TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise EnvError(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise EnvError(f"{name} must be a whole number; got {raw!r}") from exc
    if value < minimum:
        raise EnvError(f"{name} must be at least {minimum}; got {value}")
    return value


def env_list(env: Mapping[str, str], name: str, default: list[str]) -> list[str]:
    raw = env.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(env: Mapping[str, str], name: str, default: str, choices: set[str]) -> str:
    value = env.get(name, default).strip()
    if value not in choices:
        raise EnvError(f"{name} must be one of {sorted(choices)}; got {value!r}")
    return value


# --- keys -------------------------------------------------------------------------------------

KEY_BYTES = 32


def _decode_key(name: str, key_id: str, encoded: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(encoded.strip() + "=" * (-len(encoded.strip()) % 4))
    except (ValueError, TypeError) as exc:
        raise EnvError(f"{name}: key {key_id!r} is not valid base64") from exc
    if len(raw) != KEY_BYTES:
        raise EnvError(f"{name}: key {key_id!r} must decode to {KEY_BYTES} bytes, got {len(raw)}")
    return raw


def parse_data_keys(name: str, raw: str) -> list[tuple[str, bytes]]:
    """Parse ``"id1:base64key,id0:base64key"``; the first key encrypts, all of them decrypt."""
    keys: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        key_id, sep, encoded = part.partition(":")
        key_id = key_id.strip()
        if not sep or not key_id or not encoded:
            raise EnvError(f"{name} entries must look like 'keyid:base64key'")
        if not key_id.isalnum() or len(key_id) > 16:
            raise EnvError(f"{name}: key id {key_id!r} must be 1-16 letters or digits")
        if key_id in seen:
            raise EnvError(f"{name}: key id {key_id!r} appears twice")
        seen.add(key_id)
        keys.append((key_id, _decode_key(name, key_id, encoded)))
    if not keys:
        raise EnvError(f"{name} holds no key")
    return keys


def new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode().rstrip("=")


def new_key_id(existing: set[str]) -> str:
    while True:
        candidate = "k" + secrets.token_hex(3)
        if candidate not in existing:
            return candidate


def _write_private(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def local_secrets(var_dir: Path) -> dict[str, str]:
    """Read, or create once, ``var/secrets.json`` holding the local instance's secrets."""
    path = var_dir / "secrets.json"
    if path.exists():
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise EnvError(
                f"{path} must be readable by its owner only (chmod 600); mode is {mode:o}"
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise EnvError(f"{path} is not valid JSON") from exc
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise EnvError(f"{path} must be a JSON object of strings")
        missing = {"secret_key", "data_keys", "index_key"} - set(data)
        if not missing:
            return data
    else:
        data = {}
    data.setdefault("secret_key", secrets.token_urlsafe(50))
    data.setdefault("data_keys", f"{new_key_id(set())}:{new_key()}")
    data.setdefault("index_key", new_key())
    _write_private(path, json.dumps(data, indent=2) + "\n")
    return data


def save_local_data_keys(var_dir: Path, data_keys: str) -> None:
    """Replace the data keys in ``var/secrets.json`` (used by ``opennrm rotate-keys``)."""
    current = local_secrets(var_dir)
    current["data_keys"] = data_keys
    _write_private(var_dir / "secrets.json", json.dumps(current, indent=2) + "\n")


def parse_index_key(name: str, raw: str) -> bytes:
    return _decode_key(name, "index", raw)
