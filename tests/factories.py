"""Small builders for test data (factory-boy where a sequence helps)."""

from __future__ import annotations

from typing import Any

import factory

from opennrm.directory.models import Membership, Organisation, User

PASSWORD = "correct-horse-battery-staple-42"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.LazyAttribute(lambda o: f"Organisation {o.slug}")
    kind = "other"
    country = "NL"


def organisation(slug: str, **kwargs: Any) -> Organisation:
    return OrganisationFactory(slug=slug, name=slug.replace("-", " ").title(), **kwargs)


def user(username: str, org: Organisation | None = None, *roles: str, **kwargs: Any) -> User:
    account = User.objects.create_user(
        username=username, email=f"{username}@example.org", password=PASSWORD, **kwargs
    )
    for role in roles:
        Membership.objects.create(user=account, organisation=org, role=role)
    return account
