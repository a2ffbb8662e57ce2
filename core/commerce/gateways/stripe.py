"""Every call to Stripe made by commerce, on the company's own Stripe account. Nothing else imports `stripe`.

Each call builds a StripeClient with the company's key (CommerceSettings.stripe_secret_key, falling back to the
platform's STRIPE_API_KEY in development) and settings.STRIPE_API_BASE when set (the localstripe emulator in tests).
Results come back as small dataclasses so callers never hold Stripe objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import stripe
from django.conf import settings


class GatewayError(Exception):
    """Stripe refused or failed; `code` is Stripe's error code (card_declined, expired_card...) when it gave one."""

    def __init__(self, message: str, *, code: str = "", declined: bool = False):
        super().__init__(message)
        self.code = code
        self.declined = declined


@dataclass(frozen=True)
class IntentResult:
    id: str
    status: str
    client_secret: str
    error_code: str = ""
    error_message: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


@dataclass(frozen=True)
class CardInfo:
    payment_method_id: str
    brand: str
    last4: str
    exp_month: int | None
    exp_year: int | None


def _client(api_key: str) -> stripe.StripeClient:
    key = api_key or settings.STRIPE_API_KEY
    base = getattr(settings, "STRIPE_API_BASE", "") or ""
    if base:
        return stripe.StripeClient(key, base_addresses={"api": base}, max_network_retries=0)
    return stripe.StripeClient(key)


def _error(exc: stripe.StripeError) -> GatewayError:
    code = getattr(exc, "code", None) or ""
    declined = isinstance(exc, stripe.CardError)
    return GatewayError(getattr(exc, "user_message", None) or str(exc), code=code, declined=declined)


def customer_create(*, api_key: str, email: str, name: str, metadata: dict) -> str:
    try:
        return _client(api_key).v1.customers.create(params={"email": email, "name": name, "metadata": metadata}).id
    except stripe.StripeError as exc:
        raise _error(exc) from exc


def card_attach(*, api_key: str, customer_id: str, payment_method_id: str) -> CardInfo:
    """Attach a card (created by Stripe.js in the browser) to the customer and make it the default."""
    client = _client(api_key)
    try:
        pm = client.v1.payment_methods.attach(payment_method_id, params={"customer": customer_id})
        client.v1.customers.update(customer_id, params={"invoice_settings": {"default_payment_method": pm.id}})
    except stripe.StripeError as exc:
        raise _error(exc) from exc
    card = getattr(pm, "card", None)
    return CardInfo(
        payment_method_id=pm.id,
        brand=getattr(card, "brand", "") or "",
        last4=getattr(card, "last4", "") or "",
        exp_month=getattr(card, "exp_month", None),
        exp_year=getattr(card, "exp_year", None),
    )


def payment_intent_charge(
    *,
    api_key: str,
    amount_minor: int,
    currency: str,
    payment_method_id: str,
    customer_id: str = "",
    off_session: bool = False,
    metadata: dict,
) -> IntentResult:
    """Create and confirm a PaymentIntent. A decline comes back as a result with an error code, not an exception."""
    params: dict = {
        "amount": amount_minor,
        "currency": currency.lower(),
        "payment_method": payment_method_id,
        "confirm": True,
        "metadata": metadata,
    }
    if customer_id:
        params["customer"] = customer_id
    if off_session:
        params["off_session"] = True
    try:
        intent = _client(api_key).v1.payment_intents.create(params=params)
    except stripe.CardError as exc:
        error = getattr(exc, "error", None)
        intent_id = getattr(getattr(error, "payment_intent", None), "id", "") if error else ""
        return IntentResult(
            id=intent_id or "",
            status="requires_payment_method",
            client_secret="",
            error_code=getattr(exc, "code", None) or "card_declined",
            error_message=getattr(exc, "user_message", None) or str(exc),
        )
    except stripe.StripeError as exc:
        raise _error(exc) from exc
    return IntentResult(id=intent.id, status=intent.status, client_secret=intent.client_secret or "")


def refund_create(*, api_key: str, payment_intent_id: str, amount_minor: int, metadata: dict) -> str:
    try:
        refund = _client(api_key).v1.refunds.create(
            params={"payment_intent": payment_intent_id, "amount": amount_minor, "metadata": metadata}
        )
    except stripe.StripeError as exc:
        raise _error(exc) from exc
    return refund.id
