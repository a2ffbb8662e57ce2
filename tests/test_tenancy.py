"""Host routing and isolation: a company's host serves only that company's schema."""

import pytest
from django_tenants.utils import schema_context, schema_exists

from conftest import PASSWORD
from core.accounts.models import Role, User
from core.accounts.services import user_create

pytestmark = pytest.mark.django_db


def test_each_company_host_is_served_from_its_own_schema(alpha_client, beta_client):
    assert alpha_client.get("/").context["company"].schema_name == "alpha"
    assert beta_client.get("/").context["company"].schema_name == "beta"


def test_unknown_host_gets_a_readable_404_page(client):
    response = client.get("/", HTTP_HOST="nobody.canopy.test")
    assert response.status_code == 404
    assert b"No company is served at nobody.canopy.test" in response.content


def test_unknown_host_api_gets_json_404(client):
    response = client.get("/api/v1/me/", HTTP_HOST="nobody.canopy.test")
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_host"


def test_platform_domain_serves_the_provider_side(provider_client):
    response = provider_client.get("/")
    assert response.status_code == 200
    assert b"Canopy \xe2\x80\x94 provider" in response.content


def test_same_email_in_two_companies_are_unrelated_users(alpha, beta, alpha_client, beta_client):
    with schema_context("alpha"):
        user_create(
            email="jane@example.com",
            role=Role.DISTRIBUTOR,
            password="alpha-" + PASSWORD,
            first_name="Alpha Jane",
        )
    with schema_context("beta"):
        user_create(
            email="jane@example.com",
            role=Role.DISTRIBUTOR,
            password="beta-" + PASSWORD,
            first_name="Beta Jane",
        )

    alpha_token = alpha_client.post(
        "/api/v1/auth/token/", {"email": "jane@example.com", "password": "alpha-" + PASSWORD}
    )
    assert alpha_token.status_code == 200
    # Alpha's password does not open Beta's account with the same e-mail.
    wrong = beta_client.post("/api/v1/auth/token/", {"email": "jane@example.com", "password": "alpha-" + PASSWORD})
    assert wrong.status_code == 401
    me = alpha_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {alpha_token.json()['token']}")
    assert me.json()["first_name"] == "Alpha Jane"


def test_token_from_company_a_is_refused_on_company_b(alpha_client, beta_client):
    token = alpha_client.post("/api/v1/auth/token/", {"email": "admin@alpha.test", "password": PASSWORD}).json()
    auth = {"HTTP_AUTHORIZATION": f"Token {token['token']}"}
    assert alpha_client.get("/api/v1/me/", **auth).json()["email"] == "admin@alpha.test"
    refused = beta_client.get("/api/v1/me/", **auth)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "Invalid token."


def test_session_from_company_a_is_not_valid_on_company_b(alpha_client, beta_client):
    response = alpha_client.post("/accounts/login/", {"login": "admin@alpha.test", "password": PASSWORD})
    assert response.status_code == 302
    session_cookie = alpha_client.cookies["sessionid"].value
    assert alpha_client.get("/api/v1/me/").status_code == 200
    beta_client.cookies["sessionid"] = session_cookie
    assert beta_client.get("/api/v1/me/").status_code == 401


def test_company_settings_api_shows_only_the_host_company(alpha_client, beta_client):
    alpha_client.post("/accounts/login/", {"login": "admin@alpha.test", "password": PASSWORD})
    beta_client.post("/accounts/login/", {"login": "admin@beta.test", "password": PASSWORD})
    assert alpha_client.get("/api/v1/company/").json()["display_name"] == "Alpha"
    assert beta_client.get("/api/v1/company/").json()["display_name"] == "Beta"
    changed = alpha_client.patch("/api/v1/company/", {"display_name": "Alpha Renamed"}, content_type="application/json")
    assert changed.status_code == 200
    assert beta_client.get("/api/v1/company/").json()["display_name"] == "Beta"


def test_users_table_rows_stay_in_their_schema(alpha, beta):
    with schema_context("alpha"):
        user_create(email="only-alpha@example.com", role=Role.DISTRIBUTOR)
        assert User.objects.filter(email="only-alpha@example.com").count() == 1
    with schema_context("beta"):
        assert User.objects.filter(email="only-alpha@example.com").count() == 0
    assert schema_exists("alpha") and schema_exists("beta")
