"""AES-GCM field encryption and blind-index primitives (opennrm.core.crypto)."""

from __future__ import annotations

import pytest

from opennrm.config import env
from opennrm.core import crypto

RING_A = crypto.Keyring((("a", b"\x01" * 32),))
RING_BA = crypto.Keyring((("b", b"\x02" * 32), ("a", b"\x01" * 32)))


def test_round_trip_names_key_and_randomises() -> None:
    first = crypto.encrypt("Ana", aad="t.c", ring=RING_A)
    second = crypto.encrypt("Ana", aad="t.c", ring=RING_A)
    assert first != second  # fresh nonce each time
    assert crypto.key_id_of(first) == "a"
    assert crypto.decrypt(first, aad="t.c", ring=RING_A) == "Ana"


def test_old_key_still_decrypts_and_new_values_use_the_first_key() -> None:
    old = crypto.encrypt("Ana", aad="t.c", ring=RING_A)
    assert crypto.decrypt(old, aad="t.c", ring=RING_BA) == "Ana"
    assert crypto.key_id_of(crypto.encrypt("Ana", aad="t.c", ring=RING_BA)) == "b"


def test_value_moved_to_another_column_fails() -> None:
    token = crypto.encrypt("Ana", aad="person.given_names", ring=RING_A)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, aad="person.notes", ring=RING_A)


def test_tampered_or_unknown_key_fails() -> None:
    token = crypto.encrypt("Ana", aad="t.c", ring=RING_A)
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(flipped, aad="t.c", ring=RING_A)
    with pytest.raises(crypto.DecryptionError, match="no data key"):
        crypto.decrypt(token.replace("v1:a:", "v1:z:"), aad="t.c", ring=RING_A)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("plain text", aad="t.c", ring=RING_A)


def test_name_tokens_fold_case_accents_and_punctuation() -> None:
    assert crypto.name_tokens("Ana-María  ÖZTÜRK") == {"ana", "maria", "ozturk"}
    assert crypto.name_tokens("Straße") == {"strasse"}
    assert crypto.name_tokens("Țăranu") == crypto.name_tokens("taranu")
    assert crypto.name_tokens("  ") == set()


def test_blind_index_is_keyed_and_separated_by_purpose(settings: object) -> None:
    a = crypto.blind_index("person.name", "ana")
    assert a == crypto.blind_index("person.name", "ana")
    assert a != crypto.blind_index("person.dob", "ana")
    assert "ana" not in a and len(a) == 32
    settings.OPENNRM_INDEX_KEY = env.parse_index_key("X", env.new_key())  # type: ignore[attr-defined]
    assert crypto.blind_index("person.name", "ana") != a
