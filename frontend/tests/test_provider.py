"""The provider console on the platform domain."""

from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from conftest import PASSWORD
from tenants.models import Company
from tests.helpers import totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(provider_client, provider_staff):
    response = provider_client.post("/accounts/login/", {"login": provider_staff.email, "password": PASSWORD})
    assert response.status_code == 302
    response = provider_client.post("/accounts/2fa/authenticate/", {"code": totp_code(provider_staff)})
    assert response.status_code == 302
    return provider_client


@pytest.mark.parametrize("path", ["/", "/companies/", "/companies/new/", "/health/"])
def test_provider_pages_render(staff_client, path):
    assert staff_client.get(path).status_code == 200


def test_provider_pages_need_provider_staff(provider_client, alpha_client):
    assert provider_client.get("/companies/")["Location"].startswith("/accounts/login/")
    # The same paths on a company domain are replicated-site addresses, never the provider console.
    assert alpha_client.get("/companies/").templates[0].name == "site/home.html"


def test_company_list_and_detail(staff_client, alpha):
    response = staff_client.get("/companies/")
    assert [c.name for c in response.context["page_obj"]] == ["Alpha", "Beta"]
    company = Company.objects.get(schema_name="alpha")
    response = staff_client.get(f"/companies/{company.pk}/")
    assert response.context["c"].pk == company.pk
    assert response.context["live_usage"].members_logged_in == 0
    assert list(response.context["invoices"]) == []


def test_suspend_needs_a_reason_then_reactivate(staff_client, alpha, alpha_client):
    company = Company.objects.get(schema_name="alpha")
    response = staff_client.post(f"/companies/{company.pk}/", {"action": "suspend", "suspend-reason": ""})
    assert response.status_code == 400
    assert response.context["suspend_form"].errors == {"reason": ["This field is required."]}
    response = staff_client.post(f"/companies/{company.pk}/", {"action": "suspend", "suspend-reason": "Unpaid"})
    assert response.status_code == 302
    assert alpha_client.get("/").status_code == 403
    response = staff_client.post(f"/companies/{company.pk}/", {"action": "reactivate"})
    assert response.status_code == 302
    assert alpha_client.get("/").status_code == 200
    kinds = list(Company.objects.get(pk=company.pk).events.values_list("kind", flat=True))
    assert kinds[:2] == ["reactivated", "suspended"]


def test_onboard_form_shows_errors_next_to_the_field_then_onboards(staff_client):
    response = staff_client.post("/companies/new/", {"name": "Gamma", "subdomain": "www", "admin_email": "a@g.test"})
    assert response.status_code == 400
    assert response.context["form"].errors == {"subdomain": ["'www' is reserved by the platform."]}
    response = staff_client.post(
        "/companies/new/", {"name": "Gamma", "subdomain": "gamma-web", "admin_email": "admin@gamma.test"}
    )
    assert response.status_code == 302
    company = Company.objects.get(schema_name="gamma_web")
    assert response["Location"] == f"/companies/{company.pk}/"
    with schema_context("gamma_web"):
        from core.accounts.models import User

        assert list(User.objects.values_list("email", "role")) == [("admin@gamma.test", "company_admin")]


def test_health_page_reports_database_and_broker(staff_client):
    checks = staff_client.get("/health/").context["checks"]
    assert checks["database"] == "ok"
    assert set(checks) == {
        "status",
        "database",
        "broker",
        "workers",
        "workers_alive",
        "worker_names",
        "queue_depth",
        "elapsed_ms",
    }


def test_company_detail_shows_usage_so_far_and_the_estimated_charge(staff_client, alpha):
    import datetime

    from billing.tests.factories import assign, distributors_logged_in, plan_create

    plan = plan_create(code="standard", monthly_hosting_fee="200", fee_per_active_member="1.50")
    assign("alpha", plan, datetime.date(2020, 1, 1))
    distributors_logged_in("alpha", timezone.now())
    response = staff_client.get(f"/companies/{Company.objects.get(schema_name='alpha').pk}/")
    usage = response.context["live_usage"]
    assert (usage.active_members, usage.estimated_total) == (1, Decimal("201.50"))
    assert "$201.50" in response.content.decode()
