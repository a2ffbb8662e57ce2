"""Every call billing makes to Stripe, in one place. Nothing else in Canopy's billing imports `stripe`.

Design (works on Stripe and on the localstripe emulator the tests run): each company is a Stripe customer with a
zero-amount monthly "Canopy platform" subscription. Stripe (and the emulator) only invoice a customer that has a
subscription, so the subscription exists to make `Invoice.create` possible; its own invoices are for 0. At month end
we create one invoice item per fee line, `Invoice.create` collects them, and `Invoice.pay` charges the default
payment method. Prices, `finalize_invoice` and subscription-less invoices are not used (the emulator has none).

Every write carries an idempotency key derived from our own ids and our metadata. Stripe honours a key for about 24
hours only (the emulator not at all), so a create is never retried blindly: the caller first looks for an object
carrying our metadata (``*_find`` below) and records it instead of creating a second one.
"""

from __future__ import annotations

from dataclasses import dataclass

import stripe
from django.conf import settings

PLATFORM_PRODUCT_ID = "canopy-platform"
# Worth retrying later (network, rate limit, Stripe's own errors); anything else needs a person.
TRANSIENT_ERRORS = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


@dataclass(frozen=True)
class PaymentResult:
    paid: bool
    message: str = ""


def _client() -> stripe.StripeClient:
    base = settings.STRIPE_API_BASE or None
    options = {"base_addresses": {"api": base}} if base else {}
    return stripe.StripeClient(settings.STRIPE_API_KEY, max_network_retries=2, **options)


def _is_missing(error: stripe.InvalidRequestError) -> bool:
    return error.http_status == 404


def customer_create(*, company_id: int, name: str, email: str) -> str:
    customer = _client().v1.customers.create(
        params={"name": name, "email": email or None, "metadata": {"canopy_company_id": str(company_id)}},
        options={"idempotency_key": f"canopy-customer-{company_id}"},
    )
    return customer.id


def platform_subscription_create(*, company_id: int, customer_id: str, currency: str) -> str:
    """The zero-amount monthly subscription that lets Stripe invoice this customer (see module docstring)."""
    client = _client()
    currency = currency.lower()
    try:
        client.v1.products.retrieve(PLATFORM_PRODUCT_ID)
    except stripe.InvalidRequestError as error:
        if not _is_missing(error):
            raise
        client.v1.products.create(
            params={"id": PLATFORM_PRODUCT_ID, "name": "Canopy platform"},
            options={"idempotency_key": f"canopy-product-{PLATFORM_PRODUCT_ID}"},
        )
    plan_id = f"{PLATFORM_PRODUCT_ID}-{currency}"
    try:
        client.v1.plans.retrieve(plan_id)
    except stripe.InvalidRequestError as error:
        if not _is_missing(error):
            raise
        client.v1.plans.create(
            params={
                "id": plan_id,
                "product": PLATFORM_PRODUCT_ID,
                "amount": 0,
                "currency": currency,
                "interval": "month",
            },
            options={"idempotency_key": f"canopy-plan-{plan_id}"},
        )
    subscription = client.v1.subscriptions.create(
        params={
            "customer": customer_id,
            "items": [{"plan": plan_id}],
            "metadata": {"canopy_company_id": str(company_id)},
        },
        options={"idempotency_key": f"canopy-platform-subscription-{company_id}"},
    )
    return subscription.id


def payment_method_set_default(*, customer_id: str, payment_method_id: str) -> None:
    """Attach a payment method (collected by Stripe.js / a SetupIntent) and charge invoices to it from now on."""
    client = _client()
    client.v1.payment_methods.attach(payment_method_id, params={"customer": customer_id})
    client.v1.customers.update(customer_id, params={"invoice_settings": {"default_payment_method": payment_method_id}})


def invoice_item_create(
    *, customer_id: str, amount_cents: int, currency: str, description: str, idempotency_key: str, metadata: dict
) -> str:
    item = _client().v1.invoice_items.create(
        params={
            "customer": customer_id,
            "amount": amount_cents,
            "currency": currency.lower(),
            "description": description,
            "metadata": metadata,
        },
        options={"idempotency_key": idempotency_key},
    )
    return item.id


def invoice_items_find(*, customer_id: str, canopy_invoice_id: int) -> dict[str, str]:
    """Invoice items already in Stripe for one of our invoices, by fee kind (from our metadata)."""
    found: dict[str, str] = {}
    items = _client().v1.invoice_items.list(params={"customer": customer_id, "limit": 100})
    for item in items.auto_paging_iter():
        metadata = (item.metadata or {}).to_dict() if item.metadata else {}
        if metadata.get("canopy_invoice_id") == str(canopy_invoice_id):
            found.setdefault(metadata.get("kind", ""), item.id)
    return found


def invoice_find(*, customer_id: str, canopy_invoice_id: int, invoice_item_ids: list[str]) -> str | None:
    """The Stripe invoice an earlier, interrupted run created for one of our invoices: the one carrying our
    metadata, or collecting one of our invoice items (the emulator drops an invoice's metadata at creation, while
    its lines keep their items' ids on Stripe and in the emulator alike)."""
    ours = set(invoice_item_ids)
    invoices = _client().v1.invoices.list(params={"customer": customer_id, "limit": 100})
    for invoice in invoices.auto_paging_iter():
        metadata = invoice.metadata.to_dict() if invoice.metadata else {}
        if metadata.get("canopy_invoice_id") == str(canopy_invoice_id):
            return invoice.id
        if any(getattr(line, "invoice_item", None) in ours for line in invoice.lines.data):
            return invoice.id
    return None


def invoice_create(*, customer_id: str, description: str, metadata: dict, idempotency_key: str) -> str:
    """An invoice collecting the customer's pending invoice items (plus the 0-amount platform subscription line)."""
    invoice = _client().v1.invoices.create(
        params={"customer": customer_id, "description": description, "metadata": metadata},
        options={"idempotency_key": idempotency_key},
    )
    return invoice.id


def invoice_pay(*, stripe_invoice_id: str, idempotency_key: str) -> PaymentResult:
    """Charge the invoice to the customer's default payment method. A decline is a result, not an exception."""
    client = _client()
    try:
        invoice = client.v1.invoices.pay(stripe_invoice_id, options={"idempotency_key": idempotency_key})
    except stripe.CardError as error:
        return PaymentResult(paid=False, message=error.user_message or str(error))
    except stripe.InvalidRequestError as error:
        invoice = client.v1.invoices.retrieve(stripe_invoice_id)
        if invoice.status != "paid":  # e.g. no payment method on file
            return PaymentResult(paid=False, message=error.user_message or str(error))
    if invoice.status == "paid":
        return PaymentResult(paid=True)
    return PaymentResult(paid=False, message="The card was declined.")


class InvalidWebhook(Exception):
    """A webhook call that is not a genuine Stripe event for our endpoint."""


def webhook_event(*, payload: bytes, signature: str) -> dict:
    """The event, as a plain dict, if it is signed with STRIPE_WEBHOOK_SECRET (and recent); else InvalidWebhook."""
    try:
        event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    except ValueError as error:
        raise InvalidWebhook("The payload is not valid JSON.") from error
    except stripe.SignatureVerificationError as error:
        raise InvalidWebhook("The Stripe signature does not match.") from error
    return event.to_dict()
