"""Reconciliation of card charges whose outcome we never recorded (issue 12, item 1).

Every charge is an attempt committed before Stripe is called (PaymentAttempt for orders and autoships,
SubscriptionAttempt for the back-office fee), and its PaymentIntent carries the attempt's key in its metadata. A
process killed between the call and the record, or a network error, leaves the attempt "in flight"; this asks Stripe
what happened to it — by the recorded PaymentIntent id, else by our metadata — and records it exactly once:

* a succeeded charge is recorded (the order is paid, the autoship run finished, the fee paid), or refunded when the
  order was cancelled meanwhile;
* a failed charge, or none at all, marks the attempt failed (the order stays pending for another card);
* a charge still processing or awaiting authentication is left for the next pass.

Run by the beat job every few minutes (tenants.tasks.payments_reconcile_fan_out) and by
``manage.py payments_reconcile``. Only attempts older than ``older_than`` are looked at: a payer may still be waiting
on Stripe, and Stripe's search index lags about a minute."""

from __future__ import annotations

import datetime
import logging

from django.utils import timezone
from django.utils.translation import gettext as _

from config.tenancy import current_schema
from core.commerce.gateways import stripe as stripe_gateway
from core.commerce.gateways.stripe import IntentResult
from core.commerce.models import (
    AttemptOutcome,
    Autoship,
    AutoshipRun,
    OrderStatus,
    PaymentAttempt,
    PaymentAttemptStatus,
    SubscriptionAttempt,
)
from core.commerce.selectors.periods import company_date
from core.commerce.services.autoship import autoship_run_record
from core.commerce.services.commerce_settings import commerce_settings_get
from core.commerce.services.payments import order_attempt_fail, order_attempt_settle
from core.commerce.services.subscriptions import fee_attempt_settle

logger = logging.getLogger(__name__)

RECONCILE_AFTER = datetime.timedelta(minutes=5)
STILL_GOING = ("processing", "requires_action", "requires_capture", "requires_confirmation")


def payments_reconcile(
    *, older_than: datetime.timedelta = RECONCILE_AFTER, now: datetime.datetime | None = None
) -> dict[str, int]:
    """Settle this company's in-flight attempts older than ``older_than``; returns what was done, by kind."""
    cutoff = (now or timezone.now()) - older_than
    report = {"orders_recorded": 0, "orders_refunded": 0, "failed": 0, "fees_recorded": 0}
    api_key = commerce_settings_get().stripe_secret_key
    in_flight = PaymentAttempt.objects.filter(status=PaymentAttemptStatus.IN_FLIGHT, created_at__lte=cutoff)
    for attempt in in_flight.select_related("order").order_by("id"):
        outcome = _order_attempt_reconcile(attempt=attempt, api_key=api_key)
        if outcome:
            report[outcome] += 1
    fees = SubscriptionAttempt.objects.filter(outcome=AttemptOutcome.IN_FLIGHT, attempted_at__lte=cutoff)
    for fee in fees.order_by("id"):
        outcome = _fee_attempt_reconcile(attempt=fee, api_key=api_key)
        if outcome:
            report[outcome] += 1
    return report


def _intents(*, api_key: str, intent_id: str, key: str) -> list[IntentResult]:
    if intent_id:
        return [stripe_gateway.payment_intent_retrieve(api_key=api_key, payment_intent_id=intent_id)]
    return stripe_gateway.payment_intents_find(
        api_key=api_key, metadata={"attempt_key": key, "schema": current_schema()}
    )


def _pick(*, api_key: str, key: str, intents: list[IntentResult]) -> IntentResult | None:
    """The intent that stands for the attempt: the succeeded one (any further success is refunded: one attempt is
    one charge), else the latest failure. None when a charge is still going or none exists."""
    if any(i.status in STILL_GOING for i in intents):
        return None
    succeeded = [i for i in intents if i.succeeded]
    for extra in succeeded[1:]:
        logger.error("Attempt %s had a second charge %s: refunding it", key, extra.id)
        stripe_gateway.refund_create(
            api_key=api_key,
            payment_intent_id=extra.id,
            amount_minor=extra.amount_minor,
            metadata={"attempt_key": key, "reason": "duplicate charge"},
            idempotency_key=f"{key}-duplicate-{extra.id}",
        )
    if succeeded:
        return succeeded[0]
    return intents[-1] if intents else None


def _order_attempt_reconcile(*, attempt: PaymentAttempt, api_key: str) -> str:
    key = attempt.idempotency_key
    intents = _intents(api_key=api_key, intent_id=attempt.stripe_payment_intent_id, key=key)
    if any(i.status in STILL_GOING for i in intents):
        return ""
    chosen = _pick(api_key=api_key, key=key, intents=intents)
    if chosen is None:
        logger.warning("Attempt %s never reached Stripe: marked failed", key)
        order_attempt_fail(attempt=attempt, code="no_charge", message="No charge found in Stripe.")
        _autoship_finish(attempt=attempt, failure="The payment could not be processed.")
        return "failed"
    payment = order_attempt_settle(attempt=attempt, result=chosen)
    logger.warning("Attempt %s reconciled from %s (%s)", key, chosen.id, chosen.status)
    if payment is None:
        return "orders_refunded"
    if not chosen.succeeded:
        _autoship_finish(attempt=attempt, failure=payment.failure_message or "Card declined.")
        return "failed"
    _autoship_finish(attempt=attempt, failure="")
    return "orders_recorded"


def _autoship_finish(*, attempt: PaymentAttempt, failure: str) -> None:
    """An autoship run killed after its charge left no run record: write it now (once)."""
    order = attempt.order
    order.refresh_from_db()
    if order.autoship_id is None:
        return
    if failure and order.status != OrderStatus.PENDING:
        return  # the run recorded its failure itself (the order is cancelled)
    if not failure and AutoshipRun.objects.filter(order=order).exists():
        return
    autoship = Autoship.objects.get(pk=order.autoship_id)
    autoship_run_record(autoship=autoship, order=order, failure=failure, today=company_date(attempt.created_at))


def _fee_attempt_reconcile(*, attempt: SubscriptionAttempt, api_key: str) -> str:
    key = attempt.idempotency_key or ""
    intents = _intents(api_key=api_key, intent_id=attempt.stripe_payment_intent_id, key=key)
    if any(i.status in STILL_GOING for i in intents):
        return ""
    chosen = _pick(api_key=api_key, key=key, intents=intents)
    if chosen is None:  # never reached Stripe: the distributor reads this message (page, e-mail)
        chosen = IntentResult(
            id="",
            status="error",
            client_secret="",
            error_code="no_charge",
            error_message=_("The payment could not be processed. Please try again later or use another card."),
        )
    attempt = fee_attempt_settle(attempt=attempt, result=chosen)
    logger.warning("Fee attempt %s reconciled: %s", key, attempt.outcome)
    return "fees_recorded" if attempt.outcome == AttemptOutcome.PAID else "failed"
