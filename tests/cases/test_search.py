"""Search through keyed blind indexes: accent- and case-insensitive, every word must match."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from opennrm.cases import selectors, services
from opennrm.core.errors import InvalidInput
from opennrm.core.models import AuditEvent
from tests.cases.helpers import make_person


def ids(results: list[Any]) -> list[int]:
    return [person.pk for person in results]


@pytest.fixture
def jose(alice: Any, shelter_a: Any) -> Any:
    return make_person(
        alice,
        shelter_a,
        given_names="José Luis",
        family_name="Núñez-García",
        aliases=["Pepe Garcia"],
        date_of_birth=datetime.date(2001, 11, 5),
    )


@pytest.fixture
def joseph(alice: Any, shelter_a: Any) -> Any:
    return make_person(
        alice,
        shelter_a,
        given_names="Joseph",
        family_name="Garcia",
        date_of_birth=datetime.date(1990, 1, 1),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["JOSE", "jose", "José", "josé luis", "NUNEZ", "nunez garcia", "garcía, josé"]
)
def test_names_match_without_case_or_accents(
    alice: Any, jose: Any, joseph: Any, query: str
) -> None:
    assert ids(selectors.person_search(actor=alice, name=query)) == [jose.pk]


@pytest.mark.django_db
def test_every_word_must_match(alice: Any, jose: Any, joseph: Any) -> None:
    assert ids(selectors.person_search(actor=alice, name="garcia")) == [jose.pk, joseph.pk]
    assert ids(selectors.person_search(actor=alice, name="joseph garcia")) == [joseph.pk]
    assert ids(selectors.person_search(actor=alice, name="jose joseph")) == []
    # a word is matched whole, not as a prefix
    assert ids(selectors.person_search(actor=alice, name="jos")) == []


@pytest.mark.django_db
def test_aliases_are_searchable(alice: Any, jose: Any, joseph: Any) -> None:
    assert ids(selectors.person_search(actor=alice, name="pepe")) == [jose.pk]
    # words from the name and from an alias together
    assert ids(selectors.person_search(actor=alice, name="pepe nunez")) == [jose.pk]


@pytest.mark.django_db
def test_date_of_birth_alone_and_with_a_name(alice: Any, jose: Any, joseph: Any) -> None:
    assert ids(selectors.person_search(actor=alice, date_of_birth="2001-11-05")) == [jose.pk]
    born = datetime.date(1990, 1, 1)
    assert ids(selectors.person_search(actor=alice, date_of_birth=born)) == [joseph.pk]
    assert ids(selectors.person_search(actor=alice, name="garcia", date_of_birth=born)) == [
        joseph.pk
    ]
    assert ids(selectors.person_search(actor=alice, name="jose", date_of_birth=born)) == []


@pytest.mark.django_db
def test_search_follows_changes_of_names(alice: Any, jose: Any) -> None:
    services.person_update(
        actor=alice,
        person_id=jose.pk,
        expected_version=1,
        data={"family_name": "Ortega", "aliases": [], "date_of_birth": "2001-11-06"},
    )
    assert ids(selectors.person_search(actor=alice, name="nunez")) == []
    assert ids(selectors.person_search(actor=alice, name="pepe")) == []
    assert ids(selectors.person_search(actor=alice, name="jose ortega")) == [jose.pk]
    assert ids(selectors.person_search(actor=alice, date_of_birth="2001-11-05")) == []
    assert ids(selectors.person_search(actor=alice, date_of_birth="2001-11-06")) == [jose.pk]


@pytest.mark.django_db
def test_no_results_from_other_organisations(
    alice: Any, bob: Any, carol: Any, dave: Any, shelter_b: Any, jose: Any
) -> None:
    theirs = make_person(carol, shelter_b, given_names="José", family_name="Núñez")
    assert ids(selectors.person_search(actor=alice, name="jose nunez")) == [jose.pk]
    assert ids(selectors.person_search(actor=bob, name="jose nunez")) == [jose.pk]
    assert ids(selectors.person_search(actor=carol, name="jose nunez")) == [theirs.pk]
    assert ids(selectors.person_search(actor=dave, name="jose nunez")) == []


@pytest.mark.django_db
def test_results_are_bounded(alice: Any, shelter_a: Any) -> None:
    for _ in range(4):
        make_person(alice, shelter_a, given_names="Ioana", family_name="Marin")
    assert len(selectors.person_search(actor=alice, name="ioana", limit=3)) == 3
    assert selectors.SEARCH_LIMIT == 50


@pytest.mark.django_db
def test_an_empty_or_oversized_query_is_refused(alice: Any, jose: Any) -> None:
    with pytest.raises(InvalidInput) as empty:
        selectors.person_search(actor=alice, name="  ")
    assert set(empty.value.errors) == {"name"}
    with pytest.raises(InvalidInput) as bad_date:
        selectors.person_search(actor=alice, date_of_birth="2001-02-30")
    assert set(bad_date.value.errors) == {"date_of_birth"}
    with pytest.raises(InvalidInput):
        selectors.person_search(actor=alice, name="x" * 201)


@pytest.mark.django_db
def test_search_is_audited_without_the_query(alice: Any, jose: Any, joseph: Any) -> None:
    before = AuditEvent.objects.filter(action="search").count()
    found = selectors.person_search(actor=alice, name="Núñez García", date_of_birth="2001-11-05")
    assert len(found) == 1
    found_id = found[0].pk
    searches = list(AuditEvent.objects.filter(action="search").order_by("seq"))
    assert len(searches) == before + 1
    event = searches[-1]
    assert event.actor_id == alice.pk
    assert event.object_type == "person"
    assert event.detail == {"results": 1, "ids": [found_id]}
    # the query text appears nowhere in the audit table, in any form
    rows = [
        " ".join(str(value) for value in row)
        for row in AuditEvent.objects.values_list(
            "actor_label", "object_type", "object_id", "purpose", "legal_basis", "detail"
        )
    ]
    text = "\n".join(rows).lower()
    found = sum(1 for word in ("núñez", "nunez", "garcía", "garcia", "2001-11-05") if word in text)
    assert found == 0
