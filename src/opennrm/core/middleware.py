from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from opennrm.core import context


class RequestContextMiddleware:
    """Binds request id, client address and channel for the audit trail; echoes the id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ctx = context.RequestContext(
            request_id=context.request_id_of(request),
            client_ip=context.client_ip_of(request),
            channel=context.channel_of(request),
        )
        token = context.set_current(ctx)
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = ctx.request_id
        response.setdefault("Cache-Control", "no-store")
        return response
