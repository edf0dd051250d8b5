"""Making a matrix entry's request as an actor, and judging the answer against the matrix.

Failure messages name the entry, the actor, the expected outcome and the status (and a
redirect's target): never the body of the page, which may hold personal data.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse

from tests.authz.actors import AuthzWorld
from tests.authz.matrix import ALLOW, LOGIN, Entry
from tests.authz.routes import Site

MISSING_ID = 987654321  # no row of the world has this id


@dataclass(frozen=True)
class Answer:
    status: int
    location: str
    body: bytes


def url_of(entry: Entry, kwargs: dict[str, Any], site: Site) -> tuple[str, str]:
    """(method, path) of the entry's request."""
    if entry.api:
        operation = site.operations[entry.route]
        return operation.method, reverse(operation.url_name, kwargs=kwargs)
    return entry.method, reverse(entry.route, kwargs=kwargs)


def kwargs_of(entry: Entry, world: AuthzWorld, *, missing: bool = False) -> dict[str, Any]:
    kwargs = entry.kwargs(world)
    if missing:
        assert entry.obj is not None, f"{entry.id} names no protected object"
        kwargs[entry.obj] = MISSING_ID
    return kwargs


def request(
    entry: Entry,
    actor: str,
    world: AuthzWorld,
    site: Site,
    *,
    missing: bool = False,
) -> Answer:
    """Make the entry's request as ``actor`` after its preparation, and undo both (a savepoint
    rolled back); ``missing`` replaces the protected object's id by one that does not exist."""
    with transaction.atomic():
        answer = _request(entry, actor, world, site, missing=missing)
        transaction.set_rollback(True)
    return answer


def _request(
    entry: Entry, actor: str, world: AuthzWorld, site: Site, *, missing: bool
) -> Answer:
    if entry.prepare is not None:
        entry.prepare(world)
    method, path = url_of(entry, kwargs_of(entry, world, missing=missing), site)
    if entry.query is not None:
        path = f"{path}?{urlencode(entry.query(world))}"
    data = entry.data(world) if entry.data is not None else None
    client = world.client(actor)
    if entry.api:
        body = json.dumps(data if data is not None else {})
        if method == "GET":
            response = client.get(path)
        else:
            response = client.generic(method, path, body, content_type="application/json")
    elif method == "GET":
        response = client.get(path)
    else:
        response = client.generic(method, path) if data is None else client.post(path, data)
    return _answer(response)


def _answer(response: HttpResponse) -> Answer:
    content = b"" if getattr(response, "streaming", False) else response.content
    return Answer(response.status_code, response.get("Location", ""), content)


def _sign_in_redirect(answer: Answer) -> bool:
    target = urlsplit(answer.location)
    return target.path == reverse("login") and "next=" in target.query


def _second_factor_redirect(answer: Answer) -> bool:
    target = urlsplit(answer.location).path
    return target in (reverse("two_factor_setup"), reverse("two_factor_verify"))


def problem(entry: Entry, outcome: str, answer: Answer) -> str | None:
    """Why ``answer`` is not the ``outcome`` expected, or None."""
    status = answer.status
    if outcome == LOGIN:
        if entry.api:
            return None if status == 401 else "expected 401"
        return None if status == 302 and _sign_in_redirect(answer) else "expected sign-in"
    if outcome == ALLOW:
        redirect = 300 <= status < 400
        if redirect and (_sign_in_redirect(answer) or _second_factor_redirect(answer)):
            return "sent to sign in"
        if 200 <= status < 400:
            return None
        if not entry.valid and status in (400, 409, 422):
            return None  # validation reached, after the permission checks
        return "expected to be let through"
    expected = entry.status_for(outcome)
    return None if status == expected else f"expected {expected}"


def check(entry: Entry, actor: str, world: AuthzWorld, site: Site) -> None:
    """Request as ``actor`` and fail (AssertionError) unless the matrix's outcome is met."""
    outcome = entry.expect[actor]
    answer = request(entry, actor, world, site)
    found = problem(entry, outcome, answer)
    where = f" -> {urlsplit(answer.location).path}" if answer.location else ""
    assert found is None, (
        f"{entry.id} as {actor}: {found} ({outcome}), got {answer.status}{where}"
    )


# --- a missing object and a forbidden one --------------------------------------------------------

_CSRF = (
    re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*"'),
    re.compile(rb'("X-CSRFToken": ")[^"]*"'),
)


def normalised(answer: Answer, paths: list[str]) -> bytes:
    """The body without what belongs to one request: the CSRF token and the path asked for."""
    body = answer.body
    for pattern in _CSRF:
        body = pattern.sub(rb'\1"', body)
    for path in paths:
        body = body.replace(path.encode(), b"<path>")
    return body
