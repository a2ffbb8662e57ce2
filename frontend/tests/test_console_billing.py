"""The console billing page: the company's plan, usage so far with the estimate, usage records and invoices — its own
only, for company admins only."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import InvoiceStatus
from billing.tests.factories import assign, distributors_logged_in, invoice_row, plan_create
from core.accounts.models import Role
from frontend.tests.conftest import signed_in
from tests.factories.members import CompanyStaffFactory, UserFactory

pytestmark = pytest.mark.django_db
SEPTEMBER, OCTOBER = datetime.date(2026, 9, 1), datetime.date(2026, 10, 1)


@pytest.fixture
def billed(alpha, beta):
    standard = plan_create(code="standard", monthly_hosting_fee="200", fee_per_active_member="1.50")
    small = plan_create(code="small", currency="EUR", monthly_hosting_fee="49")
    assign("alpha", standard, datetime.date(2020, 1, 1))
    assign("beta", small, datetime.date(2020, 1, 1))
    distributors_logged_in("alpha", timezone.now(), timezone.now())
    return {
        "alpha-sep": invoice_row("alpha", standard, SEPTEMBER, "201.25"),
        "alpha-oct": invoice_row("alpha", standard, OCTOBER, "210.00", status=InvoiceStatus.PAYMENT_FAILED),
        "beta-oct": invoice_row("beta", small, OCTOBER, "100.00"),
    }


def test_admin_sees_plan_estimate_usage_and_invoices_of_its_own_company_only(alpha, beta, billed):
    page = signed_in(alpha, alpha.admin_email).get("/console/billing/")
    assert page.status_code == 200
    assert page.context["estimate"].plan.code == "standard"
    # 200.00 hosting + 2 active members x 1.50
    assert (page.context["estimate"].active_members, page.context["estimate"].estimated_total) == (2, Decimal("203.00"))
    assert [i.number for i in page.context["invoices"]["page_obj"]] == ["ALPHA-2026-10", "ALPHA-2026-09"]
    assert [u.month for u in page.context["usage"]["page_obj"]] == [OCTOBER, SEPTEMBER]
    html = page.content.decode()
    assert "$203.00" in html and "$210.00" in html and "Payment failed" in html
    assert "BETA-2026-10" not in html and "€100.00" not in html
    # unit prices to two decimals with their currency, the month's counts as a small table
    assert "<dt>Per active member</dt><dd>$1.50</dd>" in html
    assert '<th scope="row">Active members, billed (logged in during the month)</th><td>2</td>' in html
    assert 'href="/console/billing/"' in html  # the nav link

    beta_page = signed_in(beta, beta.admin_email).get("/console/billing/")
    assert [i.number for i in beta_page.context["invoices"]["page_obj"]] == ["BETA-2026-10"]
    assert [u.company.schema_name for u in beta_page.context["usage"]["page_obj"]] == ["beta"]
    assert (beta_page.context["estimate"].plan.code, beta_page.context["estimate"].estimated_total) == (
        "small",
        Decimal("49.00"),
    )
    assert "ALPHA-2026" not in beta_page.content.decode()


def test_invoices_and_usage_are_paged_each_on_its_own(alpha, billed):
    plan = billed["alpha-sep"].plan
    month = datetime.date(2024, 1, 1)
    for _ in range(30):
        invoice_row("alpha", plan, month, "1.00")
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    client = signed_in(alpha, alpha.admin_email)
    first = client.get("/console/billing/")
    assert (first.context["invoices"]["page_obj"].paginator.count, len(first.context["invoices"]["page_obj"])) == (
        32,
        24,
    )
    assert 'href="?invoice_page=2"' in first.content.decode()
    second = client.get("/console/billing/?usage_page=2&invoice_page=2")
    assert len(second.context["invoices"]["page_obj"]) == 8
    assert len(second.context["usage"]["page_obj"]) == 8
    assert 'href="?invoice_page=2&amp;usage_page=1"' in second.content.decode()


@pytest.mark.parametrize("role", [Role.COMPANY_STAFF, Role.DISTRIBUTOR])
def test_only_company_admins_open_the_billing_page(alpha, billed, role):
    with schema_context(alpha.schema):
        UserFactory(email="someone@alpha.test", role=role)
    client = signed_in(alpha, "someone@alpha.test")
    assert client.get("/console/billing/").status_code == 403


def test_staff_read_the_console_without_a_billing_link(alpha, billed):
    with schema_context(alpha.schema):
        CompanyStaffFactory(email="clerk@alpha.test")
    console = signed_in(alpha, "clerk@alpha.test").get("/console/")
    assert console.status_code == 200
    assert 'href="/console/billing/"' not in console.content.decode()


def test_billing_page_needs_a_login(alpha_client):
    assert alpha_client.get("/console/billing/")["Location"].startswith("/accounts/login/")
