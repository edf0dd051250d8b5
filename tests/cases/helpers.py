"""Builders of persons for the tests of the cases app (no fixtures: see conftest.py)."""

from __future__ import annotations

import datetime
import re
from typing import Any, cast

from django.db import connection
from django.db.models import Model, TextField
from django.db.models.functions import Cast

from opennrm.cases import services
from opennrm.cases.models import Person
from opennrm.core import clock, crypto
from opennrm.core.models import AuditEvent
from opennrm.directory.api_auth import new_token_material
from opennrm.directory.models import ApiToken, Membership, User

DISTINCT = {
    "given_names": "Zdravka",
    "family_name": "Ionescu-Țăranu",
    "aliases": ["Zdrava Ionesco"],
    "date_of_birth": datetime.date(1987, 6, 19),
    "identity_documents": [{"type": "passport", "number": "RX4471920Q", "country": "RO"}],
    "phone": "+40 721 555 019",
    "email": "zdravka.t@example.org",
    "address": "Strada Plopilor 17, Brăila",
    "notes": "Met at Gara de Nord by outreach worker; speaks Bulgarian and Romanian",
}


def person_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "given_names": "Ana Maria",
        "family_name": "Popescu",
        "aliases": [],
        "date_of_birth": datetime.date(1999, 4, 2),
        "identity_documents": [],
        "phone": "",
        "email": "",
        "address": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def make_person(actor: Any, organisation: Any, **overrides: Any) -> Person:
    return services.person_create(
        actor=actor, organisation_id=organisation.pk, data=person_data(**overrides)
    )


def events(action: str, **filters: Any) -> int:
    return AuditEvent.objects.filter(action=action, **filters).count()


def service_twin(user: Any) -> User:
    """A service account holding ``user``'s active roles: tokens only ever act as one."""
    if user.is_service_account:
        return cast(User, user)
    twin, created = User.objects.get_or_create(
        username=f"svc-{user.username}", defaults={"is_service_account": True}
    )
    if created:
        for membership in user.memberships.filter(is_active=True):
            Membership.objects.create(
                user=twin, organisation=membership.organisation, role=membership.role
            )
    return twin


def api_token(user: Any, organisation: Any) -> str:
    """A bearer token of ``organisation`` acting as a service account with ``user``'s roles."""
    full, prefix, secret_hash = new_token_material()
    ApiToken.objects.create(
        organisation=organisation,
        user=service_twin(user),
        name="test client",
        prefix=prefix,
        secret_hash=secret_hash,
        created_at=clock.now(),
    )
    return full


def raw_dump() -> str:
    """Everything the database holds, as text, read below the ORM (no decryption)."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    quote = connection.ops.quote_name
    parts: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            cursor.execute(f"SELECT t::text FROM {quote(table)} AS t")  # noqa: S608
            parts.extend(row[0] for row in cursor.fetchall())
    assert len(tables) > 10  # the dump covers the schema, not an empty one
    return "\n".join(parts)


def raw_values(model: type[Model], field: str) -> dict[Any, str]:
    """The stored text of an (encrypted) column by primary key, without decryption."""
    rows = model.objects.annotate(raw=Cast(field, output_field=TextField())).values_list(
        "pk", "raw"
    )
    return dict(rows)


def folded(text: str) -> str:
    return crypto.normalise_text(text)


def page_has(response: Any, text: str) -> bool:
    """Whether the page holds ``text``; a bool, so a failing assertion never prints the page."""
    return text in response.content.decode()


def csp_clean(response: Any) -> bool:
    """Strict CSP: no inline scripts, inline styles or event-handler attributes."""
    html = response.content.decode()
    inline_script = re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    inline_style = re.search(r"<style|\sstyle=", html)
    handlers = re.search(r"\son[a-z]+=", html)
    return not (inline_script or inline_style or handlers)
