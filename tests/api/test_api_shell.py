"""The API shell: a public schema, and authentication on every operation it lists."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def schema(db: Any) -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_schema_describes_bearer_authentication(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3.")
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_every_operation_requires_authentication(schema: dict[str, Any]) -> None:
    client = Client()
    checked = 0
    for path, operations in schema["paths"].items():
        url = re.sub(r"\{[^}]+\}", "1", path)
        for method, operation in operations.items():
            assert operation.get("security"), f"{method.upper()} {path} has no security"
            if method == "get":
                response = client.get(url)
            else:
                response = getattr(client, method)(url, "{}", content_type="application/json")
            assert response.status_code == 401, f"{method.upper()} {path}"
            checked += 1
    assert checked >= 7


def test_swagger_page_is_not_served(db: Any) -> None:
    assert Client().get("/api/v1/docs").status_code == 404
