"""Plain helpers that build billing data for tests (public schema unless said)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import stripe
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import Invoice, InvoiceStatus, PlanAssignment, PricePlan, PricePlanTier, UsageRecord
from core.accounts.models import Role
from core.accounts.services import user_create
from tenants.models import Company

MONEY_FIELDS = {
    "monthly_hosting_fee",
    "fee_per_active_member",
    "fee_per_transaction",
    "minimum_monthly_charge",
    "setup_fee",
}
GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"  # attaches, then every charge is declined


def plan_create(*, code: str, tiers: tuple[tuple[int, str], ...] = (), **fields) -> PricePlan:
    values = {
        "name": code.title(),
        "currency": "USD",
        **{k: Decimal(v) if k in MONEY_FIELDS else v for k, v in fields.items()},
    }
    plan = PricePlan.objects.create(code=code, **values)
    for above, fee in tiers:
        PricePlanTier.objects.create(plan=plan, above_members=above, fee_per_member=Decimal(fee))
    return plan


def company(schema: str) -> Company:
    return Company.objects.get(schema_name=schema)


def assign(schema: str, plan: PricePlan, effective_from: datetime.date) -> PlanAssignment:
    return PlanAssignment.objects.create(company=company(schema), plan=plan, effective_from=effective_from)


def distributors_logged_in(schema: str, *logins: datetime.datetime, role: str = Role.DISTRIBUTOR) -> None:
    """One user per login time in the company's schema (None: never logged in)."""
    with schema_context(schema):
        for index, login in enumerate(logins):
            user = user_create(
                email=f"{role}{index}-{login:%Y%m%d%H%M}@{schema}.test", role=role, password="x-pass-123"
            )
            user.last_login = login
            user.save(update_fields=["last_login"])


def at(year: int, month: int, day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=datetime.UTC)


def invoice_row(schema: str, plan: PricePlan, month: datetime.date, total: str, status=InvoiceStatus.PAID) -> Invoice:
    """An invoice as the month close leaves it, without Stripe (for API and webhook tests)."""
    usage = UsageRecord.objects.create(
        company=company(schema),
        month=month,
        plan=plan,
        active_member_rule=plan.active_member_rule,
        computed_at=timezone.now(),
        frozen_at=timezone.now(),
    )
    return Invoice.objects.create(
        company=company(schema),
        month=month,
        plan=plan,
        usage=usage,
        currency=plan.currency,
        total=Decimal(total),
        status=status,
        stripe_invoice_id=f"in_test_{schema}_{month:%Y%m}",
    )


def card_payment_method(number: str) -> str:
    """A card payment method in the emulator, as Stripe.js would create it."""
    method = stripe.PaymentMethod.create(
        type="card", card={"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}
    )
    return method.id
