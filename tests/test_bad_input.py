"""Bad input never gives a 500: hostile or clumsy requests get a 4xx that names the problem, and nothing is written."""

import json

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from core.accounts.models import User
from tests.helpers import token_client

pytestmark = pytest.mark.django_db


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("host_kind", ["company", "provider"], ids=["company-host", "platform-host"])
def test_json_nested_5000_levels_is_a_400_not_a_500(alpha_client, provider_client, host_kind):
    client = alpha_client if host_kind == "company" else provider_client
    url = "/api/v1/auth/token/" if host_kind == "company" else "/api/provider/v1/auth/token/"
    response = client.post(url, _deep(5000), content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "nested" in response.json()["detail"]


def test_a_nul_byte_in_a_query_parameter_is_a_400_naming_it(alpha, alpha_client):
    with schema_context(alpha.schema):
        admin = User.objects.get(email=alpha.admin_email)
    client = token_client(alpha, admin)
    response = client.get("/api/v1/members/", {"search": "ja\x00ne"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input.",
        "errors": {"search": ["Null characters are not allowed."]},
    }


def test_a_nul_byte_in_a_page_query_is_a_400_page_not_a_500(alpha, alpha_client):
    with schema_context(alpha.schema):
        alpha_client.force_login(User.objects.get(email=alpha.admin_email))
    response = alpha_client.get("/console/members/", {"q": "\x00"})
    assert response.status_code == 400
    assert b"Null characters are not allowed" in response.content


def test_a_body_over_the_limit_is_a_json_413_on_the_api(alpha_client):
    body = json.dumps({"email": "a@b.test", "password": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    response = alpha_client.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "request_too_large"


@pytest.fixture
def staff_api(alpha):
    with schema_context(alpha.schema):
        admin = User.objects.get(email=alpha.admin_email)
    return token_client(alpha, admin)


def test_a_member_number_above_64_bits_is_a_404(staff_api):
    assert staff_api.get("/api/v1/members/99999999999999999999999/").status_code == 404
    assert staff_api.get("/api/v1/members/9223372036854775808/upline/").status_code == 404
