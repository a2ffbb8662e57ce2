"""Both APIs publish an OpenAPI 3 schema and interactive docs on their own host."""

import pytest

pytestmark = pytest.mark.django_db


def test_company_api_schema_lists_company_endpoints_only(alpha_client):
    schema = alpha_client.get("/api/schema/?format=json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/me/" in schema["paths"] and "/api/v1/company/" in schema["paths"]
    assert not any(path.startswith("/api/provider/") for path in schema["paths"])
    assert alpha_client.get("/api/docs/").status_code == 200


def test_provider_api_schema_lists_provider_endpoints_only(provider_client):
    schema = provider_client.get("/api/schema/?format=json").json()
    assert "/api/provider/v1/companies/" in schema["paths"]
    assert not any(path.startswith("/api/v1/") for path in schema["paths"])
    assert provider_client.get("/api/docs/").status_code == 200


def test_validation_errors_come_back_as_json_per_field(alpha_client):
    response = alpha_client.post("/api/v1/auth/token/", {"email": "not-an-email"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input.",
        "errors": {"email": ["Enter a valid email address."], "password": ["This field is required."]},
    }
