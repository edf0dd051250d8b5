from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.mark.django_db
def test_not_found_uses_the_layout_and_says_so(as_user: Any, alice: Any) -> None:
    response = as_user(alice).get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1" in html and "Page not found" in html
    assert "govuk-template" in html


@pytest.mark.django_db
def test_server_error_page_renders_without_request_context() -> None:
    from django.test import RequestFactory
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "problem with the service" in response.content.decode()


def test_anonymous_not_found_is_a_page_too(db: Any) -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
