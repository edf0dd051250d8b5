import pytest
from django.test import Client


@pytest.mark.django_db
def test_login_required_for_home() -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")
