"""Closing a month for every company against the real Stripe emulator (started by the `stripe_emulator` fixture)."""

import datetime

import pytest
import stripe

from billing.models import BillingAccount, Invoice, InvoiceStatus, UsageRecord
from billing.services import billing_payment_method_set, month_close
from billing.tests.factories import (
    GOOD_CARD,
    assign,
    at,
    card_payment_method,
    company,
    distributors_logged_in,
    plan_create,
)

pytestmark = pytest.mark.django_db
OCTOBER = datetime.date(2026, 10, 1)
CLOSING_DAY = datetime.date(2026, 11, 1)


def _stripe_invoices(schema: str) -> list:
    customer = BillingAccount.objects.get(company__schema_name=schema).stripe_customer_id
    return [invoice for invoice in stripe.Invoice.list(customer=customer, limit=100).data if invoice.total]


@pytest.fixture
def two_companies_on_plans(alpha, beta, stripe_emulator):
    standard = plan_create(
        code="standard",
        monthly_hosting_fee="200.00",
        fee_per_active_member="0.50",
        tiers=((2, "0.25"),),
        fee_per_transaction="0.10",
    )
    small = plan_create(
        code="small", monthly_hosting_fee="49.00", fee_per_active_member="1.00", minimum_monthly_charge="100.00"
    )
    assign("alpha", standard, datetime.date(2026, 9, 1))
    assign("beta", small, datetime.date(2026, 9, 1))
    distributors_logged_in("alpha", at(2026, 10, 2), at(2026, 10, 3), at(2026, 10, 4))
    distributors_logged_in("beta", at(2026, 10, 20))
    for schema in ("alpha", "beta"):
        billing_payment_method_set(company=company(schema), payment_method_id=card_payment_method(GOOD_CARD))


def test_month_close_invoices_every_company_in_the_emulator_with_the_right_amounts(two_companies_on_plans):
    report = month_close(month=OCTOBER, today=CLOSING_DAY)
    assert report.failed == {}
    invoices = {invoice.company.schema_name: invoice for invoice in report.invoiced}
    assert sorted(invoices) == ["alpha", "beta"]

    alpha_invoice = invoices["alpha"]
    assert [(line.kind, line.amount) for line in alpha_invoice.lines.all()] == [
        ("hosting", 200),
        ("members", 1.25),  # 2 x 0.50 + 1 x 0.25
    ]
    assert (str(alpha_invoice.total), alpha_invoice.status) == ("201.25", InvoiceStatus.PAID)
    beta_invoice = invoices["beta"]
    assert [(line.kind, str(line.amount)) for line in beta_invoice.lines.all()] == [
        ("hosting", "49.00"),
        ("members", "1.00"),
        ("minimum", "50.00"),
    ]
    assert (str(beta_invoice.total), beta_invoice.status) == ("100.00", InvoiceStatus.PAID)

    (alpha_stripe,) = _stripe_invoices("alpha")
    assert (alpha_stripe.id, alpha_stripe.total, alpha_stripe.currency, alpha_stripe.status) == (
        alpha_invoice.stripe_invoice_id,
        20125,
        "usd",
        "paid",
    )
    assert sorted((line.description, line.amount) for line in alpha_stripe.lines.data if line.amount) == [
        ("October 2026: 3 active members", 125),
        ("October 2026: Hosting", 20000),
    ]
    (beta_stripe,) = _stripe_invoices("beta")
    assert (beta_stripe.total, beta_stripe.status) == (10000, "paid")
    assert UsageRecord.objects.get(company__schema_name="alpha", month=OCTOBER).active_members == 3


def test_month_close_run_twice_bills_once(two_companies_on_plans):
    first = month_close(month=OCTOBER, today=CLOSING_DAY)
    second = month_close(month=OCTOBER, today=CLOSING_DAY)
    assert [i.pk for i in second.invoiced] == [i.pk for i in first.invoiced]
    assert Invoice.objects.filter(month=OCTOBER).count() == 2
    for schema in ("alpha", "beta"):
        assert len(_stripe_invoices(schema)) == 1
        (stripe_invoice,) = _stripe_invoices(schema)
        amounts = sorted(line.amount for line in stripe_invoice.lines.data if line.amount)
        assert amounts == ([125, 20000] if schema == "alpha" else [100, 4900, 5000])


def test_a_job_interrupted_after_the_invoice_items_resumes_without_duplicating_them(
    two_companies_on_plans, monkeypatch
):
    from billing import stripe_gateway

    real_invoice_create = stripe_gateway.invoice_create

    def connection_lost(**kwargs):
        raise stripe.APIConnectionError("connection lost")

    monkeypatch.setattr(stripe_gateway, "invoice_create", connection_lost)
    first = month_close(month=OCTOBER, today=CLOSING_DAY)
    assert sorted(first.failed) == ["alpha", "beta"]
    invoice = Invoice.objects.get(company__schema_name="alpha", month=OCTOBER)
    assert invoice.status == InvoiceStatus.DRAFT
    assert all(line.stripe_invoice_item_id for line in invoice.lines.all())

    monkeypatch.setattr(stripe_gateway, "invoice_create", real_invoice_create)
    second = month_close(month=OCTOBER, today=CLOSING_DAY)
    assert second.failed == {}
    (alpha_stripe,) = _stripe_invoices("alpha")
    assert (alpha_stripe.total, alpha_stripe.status) == (20125, "paid")
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID


def test_a_company_without_a_plan_gets_usage_but_no_invoice(alpha, beta, stripe_emulator):
    report = month_close(month=OCTOBER, today=CLOSING_DAY)
    assert report.invoiced == []
    assert sorted(report.without_plan) == ["alpha", "beta"]
    assert UsageRecord.objects.filter(month=OCTOBER, frozen_at__isnull=False).count() == 2


def test_the_current_month_cannot_be_closed(alpha):
    from django.core.exceptions import ValidationError

    from billing.services import company_month_close

    with pytest.raises(ValidationError) as error:
        company_month_close(company=company("alpha"), month=CLOSING_DAY, today=datetime.date(2026, 11, 20))
    assert error.value.message_dict == {"month": ["2026-11 has not ended yet; only finished months can be closed."]}
