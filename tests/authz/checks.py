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

from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import transaction
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse

from tests.authz.actors import AuthzWorld
from tests.authz.entries import ALLOW, EMPTY, LOGIN, Entry
from tests.authz.routes import Site

MISSING_ID = 987654321  # no row of the world has this id


@dataclass(frozen=True)
class Answer:
    status: int
    location: str
    body: bytes
    path: str  # the path asked for
    errors: int = 0  # error messages the page left for the next one ("this case has moved on")


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


def _request(entry: Entry, actor: str, world: AuthzWorld, site: Site, *, missing: bool) -> Answer:
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
    return _answer(response, path)


def _answer(response: HttpResponseBase, path: str) -> Answer:
    content = b"" if getattr(response, "streaming", False) else getattr(response, "content", b"")
    location = response.get("Location", "")
    return Answer(response.status_code, location, content, path, _error_messages(response))


def _error_messages(response: HttpResponseBase) -> int:
    """Messages of level error that the response sets (the cookie storage of ``messages``)."""
    cookie = response.cookies.get(CookieStorage.cookie_name)
    if cookie is None or not cookie.value:
        return 0
    request = HttpRequest()
    request.COOKIES[CookieStorage.cookie_name] = cookie.value
    stored = list(CookieStorage(request))
    return sum(1 for message in stored if message.level >= constants.ERROR)


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
    if outcome == EMPTY:
        return None if status == 200 and json.loads(answer.body) == [] else "expected []"
    if outcome == ALLOW:
        redirect = 300 <= status < 400
        if redirect and _sign_in_redirect(answer):
            return "sent to sign in"
        if redirect and _second_factor_redirect(answer) and not entry.route.startswith("two_"):
            return "sent to two-factor verification"
        if entry.valid and answer.errors:
            return "refused with an error message"
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
    assert found is None, f"{entry.id} as {actor}: {found} ({outcome}), got {answer.status}{where}"


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
