"""Every call to Stripe made by commerce, on the company's own Stripe account. Nothing else imports `stripe`.

Each call builds a StripeClient with the company's key (CommerceSettings.stripe_secret_key, falling back to the
platform's STRIPE_API_KEY in development) and settings.STRIPE_API_BASE when set (the localstripe emulator in tests).
Results come back as small dataclasses so callers never hold Stripe objects.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import stripe
from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class GatewayError(Exception):
    """Stripe refused or failed. ``str()`` is a plain sentence for the person paying (translated; Stripe's own
    ``user_message`` for a card error); the details (``detail``) go to the log only. ``code`` is Stripe's error code
    (card_declined, expired_card...) when it gave one. ``uncertain``: the request may have reached Stripe (network
    error, timeout, Stripe's 5xx), so a charge may exist: the caller must leave its attempt to reconciliation."""

    def __init__(
        self, message: str, *, code: str = "", declined: bool = False, uncertain: bool = False, detail: str = ""
    ):
        super().__init__(message)
        self.code = code
        self.declined = declined
        self.uncertain = uncertain
        self.detail = detail or message


@dataclass(frozen=True)
class IntentResult:
    id: str
    status: str
    client_secret: str
    error_code: str = ""
    error_message: str = ""
    amount_minor: int = 0

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
    """One try per call, no library retries: our attempt records and reconciliation make retrying safe, and with a
    single try a connection that could not be made means Stripe never saw the request (``not_sent``)."""
    key = api_key or settings.STRIPE_API_KEY
    base = getattr(settings, "STRIPE_API_BASE", "") or ""
    if base:
        return stripe.StripeClient(key, base_addresses={"api": base}, max_network_retries=0)
    return stripe.StripeClient(key, max_network_retries=0)


def _error(exc: stripe.StripeError) -> GatewayError:
    """A sentence for the customer, the details for the log (never for the page)."""
    code = getattr(exc, "code", None) or ""
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, stripe.CardError):
        logger.info("Stripe refused a card: %s", detail)
        return GatewayError(_card_sentence(exc), code=code, declined=True, detail=detail)
    logger.warning("Stripe call failed: %s", detail)
    if isinstance(exc, stripe.APIConnectionError) and not_sent(exc):
        return GatewayError(unreachable_sentence(), code="unreachable", detail=detail)
    uncertain = isinstance(exc, stripe.APIConnectionError) or (
        isinstance(exc, stripe.APIError) and not isinstance(exc, stripe.InvalidRequestError)
    )
    if uncertain:
        message = _(
            "The payment service did not answer in time. If your card was charged, the payment is recorded within "
            "a few minutes; please check back before trying again."
        )
    else:
        message = _("The payment could not be processed. Please try again in a minute or use another card.")
    return GatewayError(message, code=code, uncertain=uncertain, detail=detail)


def unreachable_sentence() -> str:
    return _("We could not reach the payment service; nothing was charged. Please try again in a minute.")


_NOT_SENT = {"ConnectTimeout", "NewConnectionError", "ConnectTimeoutError", "NameResolutionError"}


def not_sent(exc: BaseException) -> bool:
    """True when the request certainly never reached Stripe: the connection could not be made (refused port, DNS,
    connect timeout). A read timeout or a dropped connection may follow a charge, so those are not."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc.__cause__]
    while todo:
        cause = todo.pop()
        if cause is None or id(cause) in seen:
            continue
        seen.add(id(cause))
        if any(k.__name__ in _NOT_SENT for k in type(cause).__mro__):
            return True
        todo.extend([cause.__cause__, cause.__context__, getattr(cause, "reason", None)])
        todo.extend(arg for arg in cause.args if isinstance(arg, BaseException))
    return False


def _card_sentence(exc: stripe.StripeError) -> str:
    """Stripe's user_message is written for card holders; without one, a plain sentence of ours."""
    return getattr(exc, "user_message", None) or _("Your card was declined. Try another card.")


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
    idempotency_key: str,
) -> IntentResult:
    """Create and confirm a PaymentIntent under our attempt's idempotency key (a retry of the same attempt within
    Stripe's key window returns the same intent). A decline comes back as a result with an error code, not an
    exception; any other failure is a GatewayError (``uncertain`` when the charge may exist)."""
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
        intent = _client(api_key).v1.payment_intents.create(params=params, options={"idempotency_key": idempotency_key})
    except stripe.CardError as exc:
        logger.info("Stripe declined %s: %s", idempotency_key, exc)
        error = getattr(exc, "error", None)
        intent_id = getattr(getattr(error, "payment_intent", None), "id", "") if error else ""
        return IntentResult(
            id=intent_id or "",
            status="requires_payment_method",
            client_secret="",
            error_code=getattr(exc, "code", None) or "card_declined",
            error_message=_card_sentence(exc),
            amount_minor=amount_minor,
        )
    except stripe.StripeError as exc:
        raise _error(exc) from exc
    return _intent(intent)


def _intent(intent) -> IntentResult:
    return IntentResult(
        id=intent.id,
        status=intent.status,
        client_secret=getattr(intent, "client_secret", "") or "",
        amount_minor=int(getattr(intent, "amount", 0) or 0),
    )


def payment_intent_retrieve(*, api_key: str, payment_intent_id: str) -> IntentResult:
    try:
        return _intent(_client(api_key).v1.payment_intents.retrieve(payment_intent_id))
    except stripe.StripeError as exc:
        raise _error(exc) from exc


def payment_intents_find(*, api_key: str, metadata: dict[str, str]) -> list[IntentResult]:
    """The PaymentIntents carrying all of ``metadata`` (our attempt key and schema), for reconciliation.

    Stripe's search API answers in one call (its index lags about a minute: reconcile only attempts older than
    that). The localstripe emulator has no search and its list takes no filters, so there we fall back to paging
    through every PaymentIntent and filtering here: fine for an emulator, never reached against Stripe."""
    client = _client(api_key)
    query = " AND ".join(f"metadata['{key}']:'{value}'" for key, value in metadata.items())
    try:
        found = client.v1.payment_intents.search(params={"query": query, "limit": 100})
        return [_intent(i) for i in found.data]
    except stripe.InvalidRequestError:
        pass  # the emulator: 404 on /search
    except stripe.StripeError as exc:
        raise _error(exc) from exc
    matches: list[IntentResult] = []
    params: dict = {"limit": 100}
    try:
        while True:
            page = client.v1.payment_intents.list(params=params)
            for intent in page.data:
                carried = intent.metadata.to_dict() if intent.metadata else {}
                if all(carried.get(k) == v for k, v in metadata.items()):
                    matches.append(_intent(intent))
            if not page.has_more or not page.data:
                return matches
            params = {"limit": 100, "starting_after": page.data[-1].id}
    except stripe.StripeError as exc:
        raise _error(exc) from exc


def refund_create(
    *, api_key: str, payment_intent_id: str, amount_minor: int, metadata: dict, idempotency_key: str | None = None
) -> str:
    try:
        refund = _client(api_key).v1.refunds.create(
            params={"payment_intent": payment_intent_id, "amount": amount_minor, "metadata": metadata},
            options={"idempotency_key": idempotency_key} if idempotency_key else None,
        )
    except stripe.StripeError as exc:
        raise _error(exc) from exc
    return refund.id


def setup_intent_create(*, api_key: str, metadata: dict[str, str]) -> str:
    """A SetupIntent's client secret, for a browser whose Stripe.js turns card entry into a PaymentMethod by
    confirming a SetupIntent (the emulator's Stripe.js stand-in has no createPaymentMethod). No money moves."""
    try:
        intent = _client(api_key).v1.setup_intents.create(params={"usage": "off_session", "metadata": metadata})
    except stripe.StripeError as exc:
        raise _error(exc) from exc
    return intent.client_secret or ""
