"""Billing endpoints: the provider sees every company, a company admin only its own invoices and usage."""

import datetime

import pytest
from django_tenants.utils import get_public_schema_name, schema_context

from billing.models import InvoiceStatus, PlanAssignment
from billing.tests.factories import assign, company, invoice_row, plan_create
from conftest import PASSWORD
from core.accounts.models import Role
from core.accounts.services import user_create

pytestmark = pytest.mark.django_db
SEPTEMBER, OCTOBER = datetime.date(2026, 9, 1), datetime.date(2026, 10, 1)


def token_auth(client, email: str, password: str = PASSWORD) -> dict:
    token = client.post("/api/v1/auth/token/", {"email": email, "password": password}).json()["token"]
    return {"HTTP_AUTHORIZATION": f"Token {token}"}


@pytest.fixture
def invoices(alpha, beta):
    standard = plan_create(code="standard", monthly_hosting_fee="200")
    small = plan_create(code="small", monthly_hosting_fee="49")
    return {
        "alpha-sep": invoice_row("alpha", standard, SEPTEMBER, "201.25"),
        "alpha-oct": invoice_row("alpha", standard, OCTOBER, "210.00", status=InvoiceStatus.PAYMENT_FAILED),
        "beta-oct": invoice_row("beta", small, OCTOBER, "100.00"),
    }


def test_company_admin_sees_only_its_own_invoices_and_usage(invoices, alpha_client, beta_client):
    alpha_auth = token_auth(alpha_client, "admin@alpha.test")
    listed = alpha_client.get("/api/v1/billing/invoices/", **alpha_auth).json()
    assert listed["count"] == 2
    assert [(i["number"], i["total"], i["status"]) for i in listed["results"]] == [
        ("ALPHA-2026-10", "210.00", "payment_failed"),
        ("ALPHA-2026-09", "201.25", "paid"),
    ]
    beta_invoice = invoices["beta-oct"].pk
    assert alpha_client.get(f"/api/v1/billing/invoices/{beta_invoice}/", **alpha_auth).status_code == 404
    own = alpha_client.get(f"/api/v1/billing/invoices/{invoices['alpha-oct'].pk}/", **alpha_auth)
    assert own.json()["month"] == "2026-10"
    usage = alpha_client.get("/api/v1/billing/usage/", **alpha_auth).json()
    assert [u["month"] for u in usage["results"]] == ["2026-10", "2026-09"]

    beta_auth = token_auth(beta_client, "admin@beta.test")
    beta_listed = beta_client.get("/api/v1/billing/invoices/", **beta_auth).json()
    assert [i["number"] for i in beta_listed["results"]] == ["BETA-2026-10"]
    assert [u["month"] for u in beta_client.get("/api/v1/billing/usage/", **beta_auth).json()["results"]] == ["2026-10"]
    # a token of alpha is not valid on beta's domain
    assert beta_client.get("/api/v1/billing/invoices/", **alpha_auth).status_code == 401


def test_company_billing_is_for_company_admins_only(invoices, alpha_client):
    with schema_context("alpha"):
        user_create(email="rep@alpha.test", role=Role.DISTRIBUTOR, password=PASSWORD)
    auth = token_auth(alpha_client, "rep@alpha.test")
    assert alpha_client.get("/api/v1/billing/invoices/", **auth).status_code == 403
    assert alpha_client.get("/api/v1/billing/usage/", **auth).status_code == 403
    assert alpha_client.get("/api/v1/billing/invoices/").status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/api/provider/v1/billing/revenue/",
        "/api/provider/v1/billing/invoices/",
        "/api/provider/v1/billing/usage/",
        "/api/provider/v1/billing/plans/",
    ],
)
def test_provider_endpoints_refuse_everyone_but_provider_staff(invoices, provider_client, alpha_client, path):
    assert provider_client.get(path).status_code == 401
    with schema_context(get_public_schema_name()):
        outsider = user_create(email="admin@alpha.test", role=Role.COMPANY_ADMIN, password=PASSWORD)
    provider_client.force_login(outsider)
    assert provider_client.get(path).status_code == 403
    assert alpha_client.get(path, **token_auth(alpha_client, "admin@alpha.test")).status_code == 404


def test_provider_sees_revenue_per_month_company_and_plan(invoices, provider_client, provider_staff):
    provider_client.force_login(provider_staff)
    revenue = provider_client.get("/api/provider/v1/billing/revenue/").json()["results"]
    assert [
        (row["month"], row["company"], row["plan"], row["invoices"], row["invoiced"], row["collected"])
        for row in revenue
    ] == [
        ("2026-10", "alpha", "standard", 1, "210.00", "0.00"),
        ("2026-10", "beta", "small", 1, "100.00", "100.00"),
        ("2026-09", "alpha", "standard", 1, "201.25", "201.25"),
    ]
    october = provider_client.get("/api/provider/v1/billing/revenue/?month_from=2026-10").json()["results"]
    assert len(october) == 2
    bad = provider_client.get("/api/provider/v1/billing/revenue/?month_from=October")
    assert bad.status_code == 400
    assert bad.json()["errors"] == {"month_from": ["Give a month as YYYY-MM, e.g. 2026-10."]}

    failed = provider_client.get("/api/provider/v1/billing/invoices/?status=payment_failed").json()["results"]
    assert [(i["company"], i["number"]) for i in failed] == [("alpha", "ALPHA-2026-10")]
    beta_id = company("beta").pk
    usage = provider_client.get(f"/api/provider/v1/billing/usage/?company={beta_id}").json()["results"]
    assert [(u["company"], u["month"]) for u in usage] == [("beta", "2026-10")]


def test_provider_changes_a_plan_from_next_month(alpha, provider_client, provider_staff):
    provider_client.force_login(provider_staff)
    old, new = plan_create(code="old"), plan_create(code="new")
    assign("alpha", old, SEPTEMBER)
    alpha_id = company("alpha").pk
    response = provider_client.post(f"/api/provider/v1/companies/{alpha_id}/plan/", {"plan": "new"})
    assert response.status_code == 201
    first_of_next_month = (datetime.date.today().replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    assert response.json() == {
        "company": "alpha",
        "plan": "new",
        "effective_from": first_of_next_month.isoformat(),
        "note": "",
    }
    assert PlanAssignment.objects.filter(company_id=alpha_id).count() == 2
    unknown = provider_client.post(f"/api/provider/v1/companies/{alpha_id}/plan/", {"plan": "nope"})
    assert unknown.status_code == 400
    assert list(unknown.json()["errors"]) == ["plan"]
    assert new.code == "new"
