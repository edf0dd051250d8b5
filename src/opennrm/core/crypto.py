"""Encryption of identity fields (AES-256-GCM) and keyed blind indexes (HMAC-SHA256).

Ciphertext format, stored as text: ``v1:<key id>:<base64url(nonce || ciphertext+tag)>``. The key id
names the data key that encrypted the value, so keys can rotate (``opennrm rotate-keys``). The
associated data binds a ciphertext to its table and column, so a value cannot be moved to another
field unnoticed. Design: docs/decisions/0002-encryption-and-audit.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

PREFIX = "v1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value cannot be decrypted: unknown key id, or tampered ciphertext."""


@dataclass(frozen=True)
class Keyring:
    keys: tuple[tuple[str, bytes], ...]

    @property
    def primary_id(self) -> str:
        return self.keys[0][0]

    def key(self, key_id: str) -> bytes:
        for kid, key in self.keys:
            if kid == key_id:
                return key
        raise DecryptionError(f"no data key with id {key_id!r} is configured")


def keyring() -> Keyring:
    return _keyring(tuple(settings.OPENNRM_DATA_KEYS))


@lru_cache(maxsize=8)
def _keyring(keys: tuple[tuple[str, bytes], ...]) -> Keyring:
    return Keyring(keys)


def encrypt(plaintext: str, *, aad: str, ring: Keyring | None = None) -> str:
    ring = ring or keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.key(ring.primary_id)).encrypt(nonce, plaintext.encode(), aad.encode())
    body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
    return f"{PREFIX}:{ring.primary_id}:{body}"


def key_id_of(token: str) -> str:
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise DecryptionError("value is not an OpenNRM ciphertext")
    return parts[1]


def decrypt(token: str, *, aad: str, ring: Keyring | None = None) -> str:
    ring = ring or keyring()
    key_id = key_id_of(token)
    body = token.split(":", 2)[2]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
        return AESGCM(ring.key(key_id)).decrypt(nonce, sealed, aad.encode()).decode()
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError("ciphertext failed authentication") from exc


# --- blind index ------------------------------------------------------------------------------

_TOKEN_SPLIT = re.compile(r"[^\w]+", re.UNICODE)


def normalise_text(value: str) -> str:
    """Case- and accent-insensitive form: NFKD, drop combining marks, casefold."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold().replace("ß", "ss")


def name_tokens(value: str) -> set[str]:
    """The normalised words of a name ("Ana-Maria Ionescu" -> {"ana", "maria", "ionescu"})."""
    return {tok for tok in _TOKEN_SPLIT.split(normalise_text(value)) if tok and tok != "_"}


def blind_index(purpose: str, value: str) -> str:
    """Keyed, one-way token of an already normalised value, separated by purpose."""
    digest = hmac.new(
        settings.OPENNRM_INDEX_KEY, f"{purpose}\x1f{value}".encode(), hashlib.sha256
    ).digest()
    return digest[:16].hex()
