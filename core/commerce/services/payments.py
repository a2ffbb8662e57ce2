"""Paying a pending order: offline (cash, check, other; where the company allows it), by card on the company's
Stripe account, or free. Paid is when volume starts to count (order_mark_paid)."""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from config.tenancy import current_schema
from core.accounts.models import User
from core.commerce import faults
from core.commerce.errors import PaymentInProgress
from core.commerce.gateways import stripe as stripe_gateway
from core.commerce.models import (
    VOLUME_STATUSES,
    ZERO,
    Order,
    OrderStatus,
    Payment,
    PaymentAttempt,
    PaymentAttemptStatus,
    PaymentMethod,
    PaymentStatus,
)
from core.commerce.pricing import to_minor_units
from core.commerce.selectors.periods import company_date, open_period_start_for
from core.commerce.services.commerce_settings import commerce_settings_get
from core.commerce.services.orders import order_lock, order_payload
from core.commerce.services.volume import volume_recompute
from core.webhooks.services import event_emit

logger = logging.getLogger(__name__)

OFFLINE_METHODS = (PaymentMethod.CASH, PaymentMethod.CHECK, PaymentMethod.OTHER)


@transaction.atomic
def order_mark_paid(*, order: Order, paid_at: datetime.datetime | None = None, recompute_volume: bool = True) -> Order:
    """Volume counts from the payment day, in the period containing it, or the next open one when that period is
    already closed for commissions (order_lock comes first: closing a period waits for payments in flight). A bulk
    caller (the import) passes recompute_volume=False and rebuilds each touched period once with
    volume_recompute_period."""
    order = order_lock(order)
    if order.status != OrderStatus.PENDING:
        raise ValidationError(
            {
                "status": [
                    gettext("Order %(number)s is %(status)s, not pending.")
                    % {"number": order.number, "status": order.get_status_display().lower()}
                ]
            }
        )
    order.paid_at = paid_at or timezone.now()
    order.paid_on = company_date(order.paid_at)
    order.period_start = open_period_start_for(order.paid_on)
    order.status = OrderStatus.PAID
    order.save(update_fields=["paid_at", "paid_on", "period_start", "status"])
    if recompute_volume:
        volume_recompute(member_id=order.credited_member_id, period_start=order.period_start)
    event_emit(event="order.paid", payload=lambda: order_payload(order))
    return order


@transaction.atomic
def order_pay_offline(
    *,
    order: Order,
    method: str,
    reference: str = "",
    by: User | None = None,
    paid_at: datetime.datetime | None = None,
) -> Payment:
    """Cash or check taken by staff (or at a party), where the company allows offline payments."""
    if not commerce_settings_get().offline_payments_allowed:
        raise ValidationError({"method": [gettext("This company does not accept offline payments.")]})
    if method not in OFFLINE_METHODS:
        raise ValidationError(
            {"method": [gettext("Choose one of %(choices)s.") % {"choices": ", ".join(OFFLINE_METHODS)}]}
        )
    order = order_mark_paid(order=order, paid_at=paid_at)
    return Payment.objects.create(
        order=order,
        method=method,
        status=PaymentStatus.SUCCEEDED,
        amount=order.total,
        reference=reference,
        recorded_by=by,
    )


def order_pay_card(*, order: Order, payment_method_id: str, customer_id: str = "", by: User | None = None) -> Payment:
    """Charge the order's total on the company's Stripe account, exactly once however many times it is called at
    once: the attempt (with its idempotency key) is decided under the order's row lock and committed before Stripe is
    called, and recorded after. A decline is recorded (failed Payment) and returned; the order stays pending so the
    buyer can try another card. Call it outside any transaction, so the attempt is committed before the charge."""
    if not payment_method_id:
        raise ValidationError({"payment_method": [gettext("This field is required.")]})
    attempt = _order_attempt_open(order=order)
    if attempt is None:
        return order_pay_offline_free(order=order, by=by)
    faults.checkpoint("order_charge")
    try:
        result = stripe_gateway.payment_intent_charge(
            api_key=commerce_settings_get().stripe_secret_key,
            amount_minor=to_minor_units(attempt.amount),
            currency=attempt.currency,
            payment_method_id=payment_method_id,
            customer_id=customer_id,
            metadata=order_attempt_metadata(attempt),
            idempotency_key=attempt.idempotency_key,
        )
    except stripe_gateway.GatewayError as exc:
        logger.warning(
            "Card charge for order %s failed (attempt key %s, uncertain=%s): %s",
            order.number,
            attempt.idempotency_key,
            exc.uncertain,
            exc.detail,
        )
        if exc.uncertain:  # the charge may exist: payments_reconcile settles the attempt from Stripe
            PaymentAttempt.objects.filter(pk=attempt.pk).update(message=exc.detail[:500])
        else:
            order_attempt_fail(attempt=attempt, code=exc.code, message=exc.detail)
        raise ValidationError({"payment_method": [str(exc)]}) from exc
    faults.checkpoint("order_charged")
    if not result.succeeded:
        logger.info(
            "Card declined for order %s (attempt key %s): %s", order.number, attempt.idempotency_key, result.error_code
        )
    payment = order_attempt_settle(attempt=attempt, result=result, by=by)
    if payment is None:
        raise ValidationError(
            {"status": [_("This order was cancelled while it was being paid; the charge is refunded.")]}
        )
    return payment


@transaction.atomic
def _order_attempt_open(*, order: Order) -> PaymentAttempt | None:
    """Under the order's lock: refuse a paid order or one with a charge in flight, else write the next attempt.
    None for a free order (nothing to charge)."""
    order = order_lock(order)
    if order.status in VOLUME_STATUSES:
        raise PaymentInProgress({"status": [_("Order %(number)s is already paid.") % {"number": order.number}]})
    if order.status != OrderStatus.PENDING:
        raise ValidationError(
            {
                "status": [
                    gettext("Order %(number)s is %(status)s, not pending.")
                    % {"number": order.number, "status": order.get_status_display().lower()}
                ]
            }
        )
    if order.payment_attempts.filter(status=PaymentAttemptStatus.IN_FLIGHT).exists():
        raise PaymentInProgress({"status": [_("A payment for this order is already in progress.")]})
    if order.total == 0:
        return None
    number = (order.payment_attempts.aggregate(n=Max("number"))["n"] or 0) + 1
    return PaymentAttempt.objects.create(
        order=order,
        number=number,
        idempotency_key=f"order-{order.number}-attempt-{number}",
        amount=order.total,
        currency=order.currency,
    )


def order_attempt_metadata(attempt: PaymentAttempt) -> dict[str, str]:
    """What the PaymentIntent carries so reconciliation (and a person in Stripe's dashboard) finds our attempt."""
    return {
        "kind": "order",
        "order_number": str(attempt.order.number),
        "attempt_id": str(attempt.pk),
        "attempt_key": attempt.idempotency_key,
        "schema": current_schema(),
    }


@transaction.atomic
def order_attempt_settle(
    *, attempt: PaymentAttempt, result: stripe_gateway.IntentResult, by: User | None = None
) -> Payment | None:
    """Record what Stripe did with an attempt, once: a success pays the order; a success for an order that can no
    longer be paid (cancelled, or paid some other way meanwhile) is refunded (None); a decline is a failed Payment."""
    order = order_lock(attempt.order)
    attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.status != PaymentAttemptStatus.IN_FLIGHT:
        return attempt.payment  # settled already (by the payer or by reconciliation)
    attempt.stripe_payment_intent_id = result.id
    attempt.settled_at = timezone.now()
    if result.succeeded and order.status != OrderStatus.PENDING:
        stripe_gateway.refund_create(
            api_key=commerce_settings_get().stripe_secret_key,
            payment_intent_id=result.id,
            amount_minor=result.amount_minor or to_minor_units(attempt.amount),
            metadata={"attempt_key": attempt.idempotency_key, "reason": "order no longer payable"},
            idempotency_key=f"{attempt.idempotency_key}-refund",
        )
        attempt.status = PaymentAttemptStatus.REFUNDED
        attempt.message = f"Charged while the order was {order.status}: refunded."
        attempt.save(update_fields=["stripe_payment_intent_id", "settled_at", "status", "message"])
        return None
    payment = Payment.objects.create(
        order=order,
        method=PaymentMethod.STRIPE,
        status=PaymentStatus.SUCCEEDED if result.succeeded else PaymentStatus.FAILED,
        amount=attempt.amount,
        stripe_payment_intent_id=result.id,
        failure_code=result.error_code or ("" if result.succeeded else result.status),
        failure_message=result.error_message[:500],
        recorded_by=by,
    )
    attempt.payment = payment
    attempt.status = PaymentAttemptStatus.SUCCEEDED if result.succeeded else PaymentAttemptStatus.FAILED
    attempt.failure_code = payment.failure_code
    attempt.message = result.error_message[:500]
    attempt.save(
        update_fields=["stripe_payment_intent_id", "settled_at", "status", "payment", "failure_code", "message"]
    )
    if result.succeeded:
        order_mark_paid(order=order)
    return payment


@transaction.atomic
def order_attempt_fail(*, attempt: PaymentAttempt, code: str = "", message: str = "") -> None:
    """Stripe certainly made no charge for this attempt (refused the request, or has no intent for it)."""
    PaymentAttempt.objects.filter(pk=attempt.pk, status=PaymentAttemptStatus.IN_FLIGHT).update(
        status=PaymentAttemptStatus.FAILED, failure_code=code[:100], message=message[:500], settled_at=timezone.now()
    )


@transaction.atomic
def order_pay_offline_free(*, order: Order, by: User | None = None) -> Payment:
    order = order_mark_paid(order=order)
    return Payment.objects.create(
        order=order,
        method=PaymentMethod.OTHER,
        status=PaymentStatus.SUCCEEDED,
        amount=ZERO,
        reference="free",
        recorded_by=by,
    )


def card_setup_start(*, purpose: str) -> str:
    """A SetupIntent client secret for a page's card entry (Stripe.js confirms it into a PaymentMethod whose id the
    page posts back); no money moves and nothing of ours is written. ``purpose`` labels it in Stripe's dashboard."""
    return stripe_gateway.setup_intent_create(
        api_key=commerce_settings_get().stripe_secret_key,
        metadata={"purpose": purpose[:40], "schema": current_schema()},
    )
