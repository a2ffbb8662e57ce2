import pytest
from django_tenants.utils import schema_context

from conftest import PASSWORD
from core.accounts.models import User
from tenants.models import Company, CompanyEvent
from tenants.services import company_reactivate, company_suspend

pytestmark = pytest.mark.django_db


def test_suspended_company_site_and_api_are_closed_and_reopen_on_reactivation(alpha_client, beta_client):
    token = alpha_client.post("/api/v1/auth/token/", {"email": "admin@alpha.test", "password": PASSWORD}).json()
    auth = {"HTTP_AUTHORIZATION": f"Token {token['token']}"}
    company = Company.objects.get(schema_name="alpha")
    company_suspend(company=company, reason="Invoice 2026-10 is unpaid.")

    page = alpha_client.get("/")
    assert page.status_code == 403
    assert b"Invoice 2026-10 is unpaid." in page.content
    api = alpha_client.get("/api/v1/me/", **auth)
    assert api.status_code == 403
    assert api.json() == {"detail": "Invoice 2026-10 is unpaid.", "code": "company_suspended"}
    health = alpha_client.get("/healthz")  # still answers (503 here only because no worker runs in this test)
    assert (health.status_code in (200, 503), health.json()["database"]) == (True, "ok")
    assert beta_client.get("/").status_code == 200  # the other company is untouched

    company_reactivate(company=company)
    assert alpha_client.get("/api/v1/me/", **auth).status_code == 200
    with schema_context("alpha"):
        assert User.objects.filter(email="admin@alpha.test").exists()  # no data touched
    assert list(CompanyEvent.objects.filter(company=company).values_list("kind", flat=True)[:2]) == [
        "reactivated",
        "suspended",
    ]


def test_suspending_needs_a_reason_and_not_twice():
    company = Company.objects.get(schema_name="beta")
    with pytest.raises(Exception) as excinfo:
        company_suspend(company=company, reason="")
    assert excinfo.value.message_dict == {"reason": ["Say why the company is suspended; its users will see it."]}
    company_suspend(company=company, reason="Requested by the company.")
    with pytest.raises(Exception) as excinfo:
        company_suspend(company=company, reason="again")
    assert excinfo.value.message_dict == {"status": ["This company is already suspended."]}


def test_provider_api_suspends_and_reactivates(provider_client, provider_staff, alpha_client):
    provider_client.force_login(provider_staff)
    company = Company.objects.get(schema_name="alpha")
    missing = provider_client.post(f"/api/provider/v1/companies/{company.pk}/suspend/", {})
    assert missing.status_code == 400
    assert missing.json()["errors"] == {"reason": ["This field is required."]}
    done = provider_client.post(f"/api/provider/v1/companies/{company.pk}/suspend/", {"reason": "Fraud review."})
    assert done.json()["status"] == "suspended"
    assert alpha_client.get("/").status_code == 403
    back = provider_client.post(f"/api/provider/v1/companies/{company.pk}/reactivate/")
    assert back.json()["status"] == "active"
    assert alpha_client.get("/").status_code == 200
