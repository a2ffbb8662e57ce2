"""Failed charges: retries on schedule, e-mails to the billing contact, suspension after the grace period, and
reactivation on payment (by a retry or by Stripe's webhook). Stripe calls go to the localstripe emulator."""

import datetime
import hashlib
import hmac
import json
import time

import pytest
from django.conf import settings
from django.core import mail

from billing.models import DunningSettings, Invoice, InvoiceStatus, StripeEvent
from billing.services import billing_payment_method_set, dunning_run, month_close
from billing.tests.factories import (
    DECLINED_CARD,
    GOOD_CARD,
    assign,
    at,
    card_payment_method,
    company,
    distributors_logged_in,
    invoice_row,
    plan_create,
)
from conftest import PASSWORD
from tenants.models import CompanyStatus

pytestmark = pytest.mark.django_db
OCTOBER = datetime.date(2026, 10, 1)
WEBHOOK_URL = "/api/provider/v1/billing/stripe/webhook/"


def day(n: int) -> datetime.date:
    return datetime.date(2026, 11, n)


def signed(payload: dict, secret: str | None = None) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    timestamp = int(time.time())
    digest = hmac.new(
        (secret or settings.STRIPE_WEBHOOK_SECRET).encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return body, f"t={timestamp},v1={digest}"


def event(event_id: str, kind: str, stripe_invoice_id: str) -> dict:
    return {"id": event_id, "object": "event", "type": kind, "data": {"object": {"id": stripe_invoice_id}}}


@pytest.fixture
def alpha_with_declined_card(alpha, stripe_emulator):
    plan = plan_create(code="basic", monthly_hosting_fee="150.00", fee_per_active_member="2.00")
    assign("alpha", plan, datetime.date(2026, 9, 1))
    distributors_logged_in("alpha", at(2026, 10, 8))
    billing_payment_method_set(company=company("alpha"), payment_method_id=card_payment_method(DECLINED_CARD))
    DunningSettings.objects.update_or_create(pk=1, defaults={"retry_days": "3,7,14", "grace_period_days": 10})
    month_close(month=OCTOBER, today=day(1))
    return Invoice.objects.get(company__schema_name="alpha", month=OCTOBER)


def test_failed_charge_is_retried_on_schedule_with_emails_then_suspends_and_payment_reactivates(
    alpha_with_declined_card,
):
    invoice = alpha_with_declined_card
    assert (invoice.total, invoice.status, invoice.payment_attempts) == (152, InvoiceStatus.PAYMENT_FAILED, 1)
    assert (invoice.first_failed_on, invoice.next_retry_on) == (day(1), day(4))
    assert [m.to for m in mail.outbox] == [["admin@alpha.test"]]
    assert mail.outbox[0].subject == "Payment failed for Canopy invoice ALPHA-2026-10"
    assert "We will try again on 2026-11-04." in mail.outbox[0].body

    assert dunning_run(today=day(3)).retried == []  # not due yet
    assert [i.pk for i in dunning_run(today=day(4)).retried] == [invoice.pk]
    invoice.refresh_from_db()
    assert (invoice.payment_attempts, invoice.next_retry_on, len(mail.outbox)) == (2, day(8), 2)

    DunningSettings.objects.filter(pk=1).update(auto_suspend=True)
    report = dunning_run(today=day(11))  # retry due since the 8th fails again; grace (10 days) ends on the 11th
    assert ([i.pk for i in report.retried], [i.pk for i in report.suspended]) == ([invoice.pk], [invoice.pk])
    alpha_company = company("alpha")
    assert alpha_company.status == CompanyStatus.SUSPENDED
    assert (
        alpha_company.suspension_reason == "Invoice ALPHA-2026-10 (152.00 USD) is unpaid. Paying it reopens the site."
    )
    assert [m.subject for m in mail.outbox[2:]] == [
        "Payment failed for Canopy invoice ALPHA-2026-10",
        "Alpha is suspended: invoice ALPHA-2026-10 unpaid",
    ]

    billing_payment_method_set(company=alpha_company, payment_method_id=card_payment_method(GOOD_CARD))
    report = dunning_run(today=day(15))  # third retry (day 14 after the first failure) succeeds
    invoice.refresh_from_db()
    assert (invoice.status, invoice.payment_attempts, invoice.next_retry_on) == (InvoiceStatus.PAID, 4, None)
    assert company("alpha").status == CompanyStatus.ACTIVE
    assert mail.outbox[-1].subject == "Payment received for ALPHA-2026-10"


def test_without_auto_suspend_the_provider_suspends_after_grace_and_the_paid_webhook_reactivates(
    alpha_with_declined_card, provider_client, provider_staff
):
    invoice = alpha_with_declined_card
    provider_client.force_login(provider_staff)
    url = f"/api/provider/v1/billing/invoices/{invoice.pk}/suspend-company/"
    Invoice.objects.filter(pk=invoice.pk).update(first_failed_on=datetime.date.today() - datetime.timedelta(days=9))
    early = provider_client.post(url)
    assert early.status_code == 400
    grace_end = datetime.date.today() + datetime.timedelta(days=1)
    assert early.json()["errors"] == {"invoice": [f"The grace period of invoice ALPHA-2026-10 ends on {grace_end}."]}
    assert dunning_run(today=datetime.date.today() + datetime.timedelta(days=1)).suspended == []  # auto is off

    Invoice.objects.filter(pk=invoice.pk).update(first_failed_on=datetime.date.today() - datetime.timedelta(days=10))
    done = provider_client.post(url)
    assert done.status_code == 200
    assert company("alpha").status == CompanyStatus.SUSPENDED

    body, signature = signed(event("evt_paid_1", "invoice.paid", invoice.stripe_invoice_id))
    response = provider_client.post(WEBHOOK_URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
    assert response.status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert company("alpha").status == CompanyStatus.ACTIVE


def test_webhook_with_a_bad_signature_is_rejected_and_changes_nothing(alpha, client):
    plan = plan_create(code="w")
    invoice = invoice_row("alpha", plan, OCTOBER, "10.00", status=InvoiceStatus.PAYMENT_FAILED)
    body, signature = signed(event("evt_forged", "invoice.paid", invoice.stripe_invoice_id), secret="whsec_wrong")
    response = client.post(
        WEBHOOK_URL,
        body,
        content_type="application/json",
        HTTP_HOST=settings.PLATFORM_DOMAIN,
        HTTP_STRIPE_SIGNATURE=signature,
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "The Stripe signature does not match.", "code": "invalid_webhook"}
    missing = client.post(WEBHOOK_URL, body, content_type="application/json", HTTP_HOST=settings.PLATFORM_DOMAIN)
    assert missing.status_code == 400
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAYMENT_FAILED
    assert StripeEvent.objects.count() == 0


def test_webhook_events_are_recorded_once_and_failures_start_dunning(alpha, client):
    plan = plan_create(code="w")
    invoice = invoice_row("alpha", plan, OCTOBER, "10.00", status=InvoiceStatus.OPEN)
    body, signature = signed(event("evt_failed_1", "invoice.payment_failed", invoice.stripe_invoice_id))
    for _ in range(2):  # Stripe delivers at least once
        response = client.post(
            WEBHOOK_URL,
            body,
            content_type="application/json",
            HTTP_HOST=settings.PLATFORM_DOMAIN,
            HTTP_STRIPE_SIGNATURE=signature,
        )
        assert response.status_code == 200
        assert response.json() == {"received": "evt_failed_1"}
    assert list(StripeEvent.objects.values_list("stripe_event_id", "type", "invoice")) == [
        ("evt_failed_1", "invoice.payment_failed", invoice.pk)
    ]
    invoice.refresh_from_db()
    assert (invoice.status, invoice.payment_attempts) == (InvoiceStatus.PAYMENT_FAILED, 1)
    assert len(mail.outbox) == 1

    other, other_signature = signed(event("evt_other", "customer.created", "cus_123"))
    response = client.post(
        WEBHOOK_URL,
        other,
        content_type="application/json",
        HTTP_HOST=settings.PLATFORM_DOMAIN,
        HTTP_STRIPE_SIGNATURE=other_signature,
    )
    assert response.status_code == 200
    assert StripeEvent.objects.get(stripe_event_id="evt_other").invoice is None


def test_company_users_cannot_reach_the_webhook_or_dunning_actions(alpha_client):
    token = alpha_client.post("/api/v1/auth/token/", {"email": "admin@alpha.test", "password": PASSWORD}).json()
    auth = {"HTTP_AUTHORIZATION": f"Token {token['token']}"}
    assert alpha_client.post(WEBHOOK_URL, b"{}", content_type="application/json", **auth).status_code == 404
    assert alpha_client.post("/api/provider/v1/billing/invoices/1/retry/", **auth).status_code == 404
