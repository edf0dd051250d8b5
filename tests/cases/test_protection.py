"""Personal data is protected by construction (DESIGN rule 6): the database holds no plaintext.

The raw dump reads every table below the ORM, after the person was created, searched, read,
changed and exported, through the services and the API, so the audit trail, name index, sessions
and everything else are covered too.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from opennrm.cases import selectors, services
from opennrm.cases.models import Person, PersonNameToken
from opennrm.core import crypto
from tests.cases.helpers import DISTINCT, api_token, folded, make_person, raw_dump, raw_values

NEEDLES = [
    "Zdravka",
    "Ionescu",
    "Țăranu",
    "Zdrava",
    "Ionesco",
    "1987-06-19",
    "19.06.1987",
    "RX4471920Q",
    "721 555 019",
    "721555019",
    "zdravka.t@example.org",
    "Plopilor",
    "Brăila",
    "Gara de Nord",
    "Bulgarian",
]


def leaks_in(dump: str) -> int:
    """How many of the plaintexts appear, as typed, case-folded or without accents."""
    lowered, ascii_folded = dump.lower(), folded(dump)
    return sum(
        1
        for needle in NEEDLES
        if needle.lower() in lowered or folded(needle) in ascii_folded or needle in dump
    )


@pytest.mark.django_db
def test_raw_database_dump_holds_no_plaintext(alice: Any, shelter_a: Any) -> None:
    person = make_person(alice, shelter_a, **DISTINCT)
    token = api_token(alice, shelter_a)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    found = api.post(
        "/api/v1/persons/search",
        {"name": "ZDRAVKA ionescu taranu", "date_of_birth": "1987-06-19"},
        content_type="application/json",
    )
    assert found.status_code == 200
    assert [row["id"] for row in found.json()] == [person.pk]
    assert api.get(f"/api/v1/persons/{person.pk}").status_code == 200
    selectors.person_search(actor=alice, name="Zdrava")
    services.person_update(
        actor=alice,
        person_id=person.pk,
        expected_version=1,
        data={"notes": DISTINCT["notes"] + " (Bulgarian interpreter booked)"},
    )
    services.person_export(actor=alice, person_id=person.pk)

    dump = raw_dump()

    assert len(dump) > 1000
    # the dump does hold the person's row: nine ciphertexts under the current key
    assert dump.count(f"v1:{crypto.keyring().primary_id}:") >= 9
    assert leaks_in(dump) == 0
    # The check itself can fail: the same dump with the plaintext added is caught.
    assert leaks_in(dump + "\nzdravka") == 1


@pytest.mark.django_db
def test_stored_ciphertext_names_its_key(alice: Any, shelter_a: Any) -> None:
    person = make_person(alice, shelter_a, **DISTINCT)
    primary = crypto.keyring().primary_id
    for field in ("given_names", "family_name", "date_of_birth", "identity_documents", "notes"):
        stored = raw_values(Person, field)[person.pk]
        assert stored.startswith(f"v1:{primary}:")
        assert crypto.key_id_of(stored) == primary
    # The ORM still sees plaintext.
    reread = Person.objects.get(pk=person.pk)
    same = (
        reread.given_names == DISTINCT["given_names"]
        and reread.date_of_birth == (DISTINCT["date_of_birth"])
    )
    assert same


@pytest.mark.django_db
def test_equal_values_encrypt_differently_and_index_tokens_are_keyed(
    alice: Any, shelter_a: Any
) -> None:
    first = make_person(alice, shelter_a, **DISTINCT)
    second = make_person(alice, shelter_a, **DISTINCT)
    stored = raw_values(Person, "given_names")
    assert stored[first.pk] != stored[second.pk]  # random nonces
    tokens = set(PersonNameToken.objects.filter(person=first).values_list("token", flat=True))
    # given names, family name (two words) and alias (two words): five distinct words
    assert len(tokens) == 5
    assert all(len(token) == 32 for token in tokens)
    indexed = crypto.blind_index("person.name", folded(DISTINCT["given_names"])) in tokens
    assert indexed


@pytest.mark.django_db
def test_ciphertext_moved_to_another_column_does_not_decrypt(alice: Any, shelter_a: Any) -> None:
    person = make_person(alice, shelter_a, **DISTINCT)
    stored = raw_values(Person, "given_names")[person.pk]
    family_aad = Person._meta.get_field("family_name").aad  # type: ignore[union-attr]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(stored, aad=family_aad)


@pytest.mark.django_db
def test_encrypted_columns_cannot_be_filtered(alice: Any, shelter_a: Any) -> None:
    from django.core.exceptions import FieldError

    make_person(alice, shelter_a)
    with pytest.raises(FieldError):
        Person.objects.filter(family_name="Popescu").count()
