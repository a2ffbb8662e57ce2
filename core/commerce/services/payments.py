"""Paying a pending order: offline (cash, check, other; where the company allows it), by card on the company's
Stripe account, or free. Paid is when volume starts to count (order_mark_paid)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from core.accounts.models import User
from core.commerce.gateways import stripe as stripe_gateway
from core.commerce.models import ZERO, Order, OrderStatus, Payment, PaymentMethod, PaymentStatus
from core.commerce.pricing import to_minor_units
from core.commerce.selectors.periods import company_date, period_start_for
from core.commerce.services.commerce_settings import commerce_settings_get
from core.commerce.services.orders import order_lock, order_payload
from core.commerce.services.volume import volume_recompute
from core.webhooks.services import event_emit

OFFLINE_METHODS = (PaymentMethod.CASH, PaymentMethod.CHECK, PaymentMethod.OTHER)


@transaction.atomic
def order_mark_paid(*, order: Order, paid_at: datetime.datetime | None = None, recompute_volume: bool = True) -> Order:
    """Volume counts from the payment day, in the period containing it. A bulk caller (the import) passes
    recompute_volume=False and rebuilds each touched period once with volume_recompute_period."""
    order = order_lock(order)
    if order.status != OrderStatus.PENDING:
        raise ValidationError(
            {"status": [f"Order {order.number} is {order.get_status_display().lower()}, not pending."]}
        )
    order.paid_at = paid_at or timezone.now()
    order.paid_on = company_date(order.paid_at)
    order.period_start = period_start_for(order.paid_on)
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
        raise ValidationError({"method": ["This company does not accept offline payments."]})
    if method not in OFFLINE_METHODS:
        raise ValidationError({"method": [f"Choose one of {', '.join(OFFLINE_METHODS)}."]})
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
    """Charge the order's total on the company's Stripe account. A decline is recorded (failed Payment) and returned;
    the order stays pending so the buyer can try another card."""
    if order.status != OrderStatus.PENDING:
        raise ValidationError(
            {"status": [f"Order {order.number} is {order.get_status_display().lower()}, not pending."]}
        )
    if not payment_method_id:
        raise ValidationError({"payment_method": ["This field is required."]})
    if order.total == 0:
        return order_pay_offline_free(order=order, by=by)
    result = stripe_gateway.payment_intent_charge(
        api_key=commerce_settings_get().stripe_secret_key,
        amount_minor=to_minor_units(order.total),
        currency=order.currency,
        payment_method_id=payment_method_id,
        customer_id=customer_id,
        metadata={"order_number": str(order.number), "schema": connection.schema_name},
    )
    with transaction.atomic():
        payment = Payment.objects.create(
            order=order,
            method=PaymentMethod.STRIPE,
            status=PaymentStatus.SUCCEEDED if result.succeeded else PaymentStatus.FAILED,
            amount=order.total,
            stripe_payment_intent_id=result.id,
            failure_code=result.error_code or ("" if result.succeeded else result.status),
            failure_message=result.error_message,
            recorded_by=by,
        )
        if result.succeeded:
            order_mark_paid(order=order)
    return payment


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
