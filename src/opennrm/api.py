"""The JSON API root: ``/api/v1/``. Every endpoint requires authentication."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema

from opennrm.core.errors import (
    ConcurrentEditError,
    InvalidInput,
    NotFoundOrForbidden,
    PermissionDeniedError,
)
from opennrm.directory.api_auth import TokenAuth, VerifiedSessionAuth

api = NinjaAPI(
    title="OpenNRM API",
    version="1",
    description="System-to-system and browser API of OpenNRM. Authenticate with a bearer token "
    "(`Authorization: Bearer onrm_…`) issued by your organisation's administrator.",
    auth=[TokenAuth(), VerifiedSessionAuth()],
    urls_namespace="api-v1",
    # The schema holds no data and is public (docs/decisions/0001); the Swagger page would load
    # its code from a CDN, which the Content-Security-Policy forbids, so it is not served.
    docs_url=None,
)


class Error(Schema):
    detail: str


class FieldErrors(Schema):
    detail: str
    errors: dict[str, list[str]]


@api.exception_handler(NotFoundOrForbidden)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found"}, status=404)


@api.exception_handler(PermissionDeniedError)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "Permission denied"}, status=403)


@api.exception_handler(ConcurrentEditError)
def _conflict(request: HttpRequest, exc: Exception) -> HttpResponse:
    detail = "The record was changed by someone else; reload it and apply your change again."
    return api.create_response(request, {"detail": detail}, status=409)


@api.exception_handler(InvalidInput)
def _invalid(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    body: dict[str, Any] = {"detail": "Invalid input", "errors": exc.errors}
    return api.create_response(request, body, status=422)


def _register_routers() -> None:
    from opennrm.cases.api import router as persons_router
    from opennrm.cases.case_api import router as cases_router
    from opennrm.directory.api import router as directory_router
    from opennrm.intake.api import catalogues_router
    from opennrm.intake.api import router as signals_router
    from opennrm.referrals.api import router as referrals_router

    api.add_router("/directory", directory_router)
    api.add_router("/persons", persons_router)
    api.add_router("/signals", signals_router)
    api.add_router("/catalogues", catalogues_router)
    api.add_router("/referrals", referrals_router)
    api.add_router("/cases", cases_router)


_register_routers()
