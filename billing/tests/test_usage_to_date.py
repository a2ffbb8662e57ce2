"""Month-to-date usage and its estimated charge: counted live like the month close, priced by the plan, never stored."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from billing.models import Invoice, UsageRecord
from billing.selectors import usage_to_date
from billing.services import usage_record_refresh
from billing.tests.factories import assign, at, company, distributors_logged_in, plan_create
from conftest import PASSWORD
from core.accounts.models import Role
from core.accounts.services import user_create

pytestmark = pytest.mark.django_db
MID_OCTOBER = datetime.date(2026, 10, 15)


def lines_of(usage) -> list[tuple[str, int, Decimal]]:
    return [(line.kind, line.quantity, line.amount) for line in usage.lines]


def paid_orders(schema: str, *paid_at: datetime.datetime) -> None:
    from core.commerce.models import PlacedBy
    from tests.factories.catalogue import ProductFactory
    from tests.factories.members import MemberFactory
    from tests.factories.orders import PaidOrderFactory

    with schema_context(schema):
        ProductFactory(sku="TEA", name="Tea", retail_price=Decimal("10"), distributor_price=Decimal("8"),
                       track_inventory=False)  # fmt: skip
        buyer = MemberFactory(sponsor=None, username="buyer", first_name="B", last_name="B", password=None)
        for when in paid_at:
            PaidOrderFactory(lines=[("TEA", 1)], placed_by=PlacedBy.STAFF, placed_at=when, buyer_member=buyer,
                             paid_at=when)  # fmt: skip


def test_estimate_prices_the_month_so_far_with_graduated_tiers_and_transactions(alpha, beta):
    growth = plan_create(
        code="growth",
        monthly_hosting_fee="200",
        fee_per_active_member="1.50",
        tiers=((2, "1.00"),),
        fee_per_transaction="0.25",
    )
    assign("alpha", growth, datetime.date(2026, 1, 1))  # long on the plan: no setup fee
    distributors_logged_in("alpha", at(2026, 10, 1, 0), at(2026, 10, 9), at(2026, 10, 14), at(2026, 9, 30, 23))
    distributors_logged_in("alpha", at(2026, 10, 3), role=Role.CUSTOMER)  # customers are not members
    distributors_logged_in("beta", at(2026, 10, 2), at(2026, 10, 3))  # another company's members
    paid_orders("alpha", at(2026, 10, 2), at(2026, 10, 12), at(2026, 9, 20))

    usage = usage_to_date(company=company("alpha"), today=MID_OCTOBER)

    assert (usage.month, usage.plan, usage.currency, usage.active_member_rule) == (
        datetime.date(2026, 10, 1),
        growth,
        "USD",
        "logged_in",
    )
    assert (usage.active_members, usage.members_logged_in, usage.orders) == (3, 3, 2)
    # hosting 200; members 2 x 1.50 + 1 x 1.00 = 4.00; transactions 2 x 0.25 = 0.50
    assert lines_of(usage) == [
        ("hosting", 1, Decimal("200.00")),
        ("members", 3, Decimal("4.00")),
        ("transactions", 2, Decimal("0.50")),
    ]
    assert usage.estimated_total == Decimal("204.50")
    # live, not stored: nothing is frozen or invoiced before the month closes
    assert UsageRecord.objects.count() == 0
    assert Invoice.objects.count() == 0
    # the same counts the month close would freeze
    record = usage_record_refresh(company=company("alpha"), month=MID_OCTOBER)
    assert (record.active_members, record.members_logged_in, record.orders) == (3, 3, 2)


def test_estimate_adds_the_minimum_top_up_and_the_setup_fee_of_a_new_plan(alpha):
    starter = plan_create(
        code="starter",
        monthly_hosting_fee="30",
        fee_per_active_member="0.40",
        minimum_monthly_charge="50",
        setup_fee="99",
    )
    assign("alpha", starter, datetime.date(2026, 10, 1))
    distributors_logged_in("alpha", at(2026, 10, 5))

    usage = usage_to_date(company=company("alpha"), today=MID_OCTOBER)

    # 30.00 + 0.40 = 30.40, topped up to the 50.00 minimum (+19.60); setup 99.00 outside the minimum
    assert lines_of(usage) == [
        ("hosting", 1, Decimal("30.00")),
        ("members", 1, Decimal("0.40")),
        ("minimum", 1, Decimal("19.60")),
        ("setup-starter", 1, Decimal("99.00")),
    ]
    assert usage.estimated_total == Decimal("149.00")


def test_estimate_prorates_hosting_over_a_mid_month_plan_change_and_prices_members_by_the_later_plan(alpha):
    old = plan_create(code="old", monthly_hosting_fee="310", fee_per_active_member="2")
    new = plan_create(code="new", monthly_hosting_fee="620", fee_per_active_member="1")
    after = plan_create(code="after", monthly_hosting_fee="9999")
    assign("alpha", old, datetime.date(2026, 1, 1))
    assign("alpha", new, datetime.date(2026, 10, 11))
    assign("alpha", after, datetime.date(2026, 11, 1))  # next month's plan changes nothing in October
    distributors_logged_in("alpha", at(2026, 10, 2), at(2026, 10, 20))

    usage = usage_to_date(company=company("alpha"), today=MID_OCTOBER)

    # old 10 days: 310 x 10/31 = 100; new 21 days: 620 x 21/31 = 420; members 2 x 1 (the plan at month end)
    assert usage.plan == new
    assert lines_of(usage) == [("hosting", 1, Decimal("520.00")), ("members", 2, Decimal("2.00"))]
    assert usage.estimated_total == Decimal("522.00")


def test_a_company_without_a_plan_has_counts_and_no_estimate(alpha):
    distributors_logged_in("alpha", at(2026, 10, 5))
    usage = usage_to_date(company=company("alpha"), today=MID_OCTOBER)
    assert (usage.plan, usage.currency, usage.members_logged_in, usage.lines) == (None, "", 1, [])
    assert usage.estimated_total == Decimal("0.00")


# ------------------------------------------------------------------------------------------------------------------
# API: the running month (real clock), alpha and beta on different plans
# ------------------------------------------------------------------------------------------------------------------
def token_auth(client, email: str, password: str = PASSWORD) -> dict:
    token = client.post("/api/v1/auth/token/", {"email": email, "password": password}).json()["token"]
    return {"HTTP_AUTHORIZATION": f"Token {token}"}


@pytest.fixture
def running_month(alpha, beta):
    now = timezone.now()
    standard = plan_create(code="standard", monthly_hosting_fee="200", fee_per_active_member="1.50")
    small = plan_create(code="small", currency="EUR", monthly_hosting_fee="49", fee_per_active_member="0.50")
    assign("alpha", standard, datetime.date(2020, 1, 1))
    assign("beta", small, datetime.date(2020, 1, 1))
    distributors_logged_in("alpha", now, now - datetime.timedelta(seconds=1))
    distributors_logged_in("beta", now)
    return f"{now:%Y-%m}"


def test_company_admin_sees_its_own_usage_to_date_only(running_month, alpha_client, beta_client):
    alpha_auth = token_auth(alpha_client, "admin@alpha.test")
    alpha_usage = alpha_client.get("/api/v1/billing/usage/current/", **alpha_auth)
    assert alpha_usage.status_code == 200
    assert alpha_usage.json() == {
        "month": running_month,
        "plan": "standard",
        "currency": "USD",
        "active_member_rule": "logged_in",
        "active_members": 2,
        "members_logged_in": 2,
        "members_ordered": 0,
        "members_paid_subscription": 0,
        "orders": 0,
        "lines": [
            {"kind": "hosting", "description": "Hosting", "quantity": 1, "amount": "200.00"},
            {"kind": "members", "description": "2 active members", "quantity": 2, "amount": "3.00"},
        ],
        "estimated_total": "203.00",
    }
    beta_auth = token_auth(beta_client, "admin@beta.test")
    beta_usage = beta_client.get("/api/v1/billing/usage/current/", **beta_auth).json()
    assert (beta_usage["plan"], beta_usage["currency"], beta_usage["active_members"]) == ("small", "EUR", 1)
    assert beta_usage["estimated_total"] == "49.50"
    # alpha's token is not valid on beta's domain
    assert beta_client.get("/api/v1/billing/usage/current/", **alpha_auth).status_code == 401
    assert UsageRecord.objects.count() == 0


@pytest.mark.parametrize("role", [Role.COMPANY_STAFF, Role.DISTRIBUTOR])
def test_company_usage_to_date_is_for_company_admins_only(running_month, alpha_client, role):
    with schema_context("alpha"):
        user_create(email="someone@alpha.test", role=role, password=PASSWORD)
    auth = token_auth(alpha_client, "someone@alpha.test")
    assert alpha_client.get("/api/v1/billing/usage/current/", **auth).status_code == 403
    assert alpha_client.get("/api/v1/billing/usage/current/").status_code == 401


def test_provider_sees_each_company_usage_to_date(running_month, provider_client, provider_staff):
    provider_client.force_login(provider_staff)
    path = f"/api/provider/v1/companies/{company('beta').pk}/usage/current/"
    beta_usage = provider_client.get(path).json()
    assert (beta_usage["month"], beta_usage["plan"], beta_usage["estimated_total"]) == (running_month, "small", "49.50")
    alpha_usage = provider_client.get(f"/api/provider/v1/companies/{company('alpha').pk}/usage/current/").json()
    assert (alpha_usage["active_members"], alpha_usage["estimated_total"]) == (2, "203.00")
    assert provider_client.get("/api/provider/v1/companies/999999/usage/current/").status_code == 404


def test_provider_usage_to_date_refuses_everyone_but_provider_staff(running_month, provider_client, alpha_client):
    path = f"/api/provider/v1/companies/{company('beta').pk}/usage/current/"
    assert provider_client.get(path).status_code == 401
    with schema_context(get_public_schema_name()):
        outsider = user_create(email="admin@alpha.test", role=Role.COMPANY_ADMIN, password=PASSWORD)
    provider_client.force_login(outsider)
    assert provider_client.get(path).status_code == 403
    assert alpha_client.get(path, **token_auth(alpha_client, "admin@alpha.test")).status_code == 404
