"""Per-request context (request id, client address, API token) for the audit trail.

Held in context variables so that services deep below a view or an API endpoint can stamp audit
events without every signature carrying the request.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_ip: str = ""
    api_token_id: int | None = None
    channel: str = "system"  # web, api, cli, system
    coarse_time: bool = False  # audit times to the hour (the anonymous public channel)


# RequestContext is a frozen dataclass, so sharing the default instance is safe.
_current: ContextVar[RequestContext] = ContextVar(
    "opennrm_request_context",
    default=RequestContext(),  # noqa: B039
)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current() -> RequestContext:
    return _current.get()


def set_current(ctx: RequestContext) -> object:
    return _current.set(ctx)


def reset(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


@contextmanager
def without_client_address() -> Iterator[None]:
    """Within this block the audit trail gets no client address, no request id (it may come from
    the client's own header) and times to the hour only: the anonymous public channel promises to
    store nothing that could point to the reporter."""
    ctx = _current.get()
    token = _current.set(RequestContext("", "", ctx.api_token_id, ctx.channel, coarse_time=True))
    try:
        yield
    finally:
        _current.reset(token)


def bind_api_token(token_id: int) -> None:
    ctx = _current.get()
    _current.set(
        RequestContext(
            ctx.request_id,
            ctx.client_ip,
            api_token_id=token_id,
            channel="api",
            coarse_time=ctx.coarse_time,
        )
    )


def client_ip_of(request: HttpRequest) -> str:
    """The client address: REMOTE_ADDR, or the address set by a configured number of proxies."""
    hops = getattr(settings, "OPENNRM_TRUSTED_PROXIES", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= hops:
            return chain[-hops][:45]
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


def request_id_of(request: HttpRequest) -> str:
    given = request.headers.get("X-Request-ID", "")
    return given if _REQUEST_ID.match(given) else uuid.uuid4().hex


def channel_of(request: HttpRequest) -> str:
    return "api" if request.path.startswith("/api/") else "web"
