"""A month close killed half-way and retried bills once, however late the retry (the emulator, like Stripe after
24 hours, ignores idempotency keys: our own records and a reconciliation by metadata must make retries safe), and
two closes of one month at once both succeed.

"Killed after X" is simulated by making the step right after X raise once (``billing.services.crash_after``)."""

from __future__ import annotations

import datetime

import pytest
import stripe

from billing import services
from billing.models import BillingAccount, Invoice, InvoiceStatus, PricePlan, UsageRecord
from billing.services import SimulatedCrash, billing_payment_method_set, company_month_close
from billing.tests.factories import (
    GOOD_CARD,
    assign,
    at,
    card_payment_method,
    company,
    distributors_logged_in,
    plan_create,
)
from tests.committed import in_own_connection, run_concurrently, throwaway_company

pytestmark = pytest.mark.django_db
OCTOBER = datetime.date(2026, 10, 1)
CLOSING_DAY = datetime.date(2026, 11, 1)
A_WEEK_LATER = datetime.date(2026, 11, 8)


def _stripe_state(schema: str) -> tuple[list[tuple[str, int]], list[tuple[int, str]]]:
    """(our invoice items in Stripe as (kind, cents), the customer's non-zero invoices as (total, status))."""
    customer = BillingAccount.objects.get(company__schema_name=schema).stripe_customer_id
    invoices = [i for i in stripe.Invoice.list(customer=customer, limit=100).data if i.total]
    items = sorted(
        (line.metadata.to_dict().get("kind", ""), line.amount)
        for invoice in invoices
        for line in invoice.lines.data
        if line.amount
    )
    items += sorted(
        (item.metadata.to_dict().get("kind", ""), item.amount)
        for item in stripe.InvoiceItem.list(customer=customer, limit=100).data
    )
    return items, [(i.total, i.status) for i in invoices]


@pytest.fixture
def alpha_on_standard(alpha, stripe_emulator):
    """alpha: 200.00 hosting + 0.50 per active member; three distributors logged in during October: 201.50."""
    standard = plan_create(code="standard", monthly_hosting_fee="200.00", fee_per_active_member="0.50")
    assign("alpha", standard, datetime.date(2026, 9, 1))
    distributors_logged_in("alpha", at(2026, 10, 2), at(2026, 10, 3), at(2026, 10, 4))
    billing_payment_method_set(company=company("alpha"), payment_method_id=card_payment_method(GOOD_CARD))


@pytest.mark.parametrize("step", ["invoice_item_created", "invoice_created"], ids=["after-item", "after-invoice"])
def test_a_close_killed_after_a_stripe_call_and_retried_a_week_later_bills_once(alpha_on_standard, step):
    services.crash_after.add(step)
    with pytest.raises(SimulatedCrash):
        company_month_close(company=company("alpha"), month=OCTOBER, today=CLOSING_DAY)
    assert services.crash_after == set()

    invoice = company_month_close(company=company("alpha"), month=OCTOBER, today=A_WEEK_LATER)

    assert (str(invoice.total), invoice.status) == ("201.50", InvoiceStatus.PAID)
    assert sorted(invoice.lines.values_list("kind", "stripe_invoice_item_id")) == [
        ("hosting", invoice.lines.get(kind="hosting").stripe_invoice_item_id),
        ("members", invoice.lines.get(kind="members").stripe_invoice_item_id),
    ]
    assert "" not in invoice.lines.values_list("stripe_invoice_item_id", flat=True)
    items, invoices = _stripe_state("alpha")
    assert items == [("hosting", 20000), ("members", 150)]
    assert invoices == [(20150, "paid")]
    (stripe_invoice,) = [
        i
        for i in stripe.Invoice.list(customer=invoice.company.billing_account.stripe_customer_id, limit=100).data
        if i.total
    ]
    assert invoice.stripe_invoice_id == stripe_invoice.id


def test_two_closes_of_one_month_at_once_both_succeed_and_bill_once(stripe_emulator):
    plan_ids: list[int] = []
    try:
        with throwaway_company() as schema:

            def setup():
                plan = plan_create(code=f"race-{schema}", monthly_hosting_fee="200.00", fee_per_active_member="0.50")
                plan_ids.append(plan.pk)
                assign(schema, plan, datetime.date(2026, 9, 1))
                distributors_logged_in(schema, at(2026, 10, 2), at(2026, 10, 3))
                billing_payment_method_set(company=company(schema), payment_method_id=card_payment_method(GOOD_CARD))

            in_own_connection("public", setup)

            def close():
                return company_month_close(company=company(schema), month=OCTOBER, today=CLOSING_DAY).pk

            outcomes = run_concurrently("public", close, close)
            ids = [outcome.result() for outcome in outcomes]  # raises the failure of either close

            def state():
                invoice = Invoice.objects.get(company__schema_name=schema, month=OCTOBER)
                return (
                    str(invoice.total),
                    invoice.status,
                    UsageRecord.objects.filter(company__schema_name=schema).count(),
                    _stripe_state(schema),
                )

            assert ids[0] == ids[1]
            assert in_own_connection("public", state) == (
                "201.00",
                InvoiceStatus.PAID,
                1,
                ([("hosting", 20000), ("members", 100)], [(20100, "paid")]),
            )
    finally:
        in_own_connection("public", lambda: PricePlan.objects.filter(pk__in=plan_ids).delete())
