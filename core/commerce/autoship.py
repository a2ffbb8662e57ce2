"""Autoship: a recurring order for a member or a customer, placed and charged on its day by the daily job.

A failed run (out of stock, card declined) cancels its order, counts a failure and is retried the next day; after
max_retries failures in a row the autoship pauses. Every run is an AutoshipRun and sends the buyer a notice."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from core.commerce.models import Autoship, AutoshipItem, AutoshipRun, AutoshipStatus, PaymentStatus, PlacedBy
from core.commerce.periods import add_months, company_date
from core.commerce.services import LineRequest, order_cancel, order_pay_card, order_place
from core.commerce.stripe_gateway import GatewayError
from core.members.models import Customer, Member


@transaction.atomic
def autoship_create(
    *,
    items: list[LineRequest],
    first_run_on: datetime.date,
    member: Member | None = None,
    customer: Customer | None = None,
    interval_months: int = 1,
    stripe_customer_id: str = "",
    stripe_payment_method_id: str = "",
) -> Autoship:
    from core.commerce.models import Product

    if (member is None) == (customer is None):
        raise ValidationError({"buyer": ["An autoship belongs to one member or one customer."]})
    if not items:
        raise ValidationError({"items": ["An autoship needs at least one item."]})
    autoship = Autoship.objects.create(
        member=member,
        customer=customer,
        interval_months=interval_months,
        next_run_on=first_run_on,
        stripe_customer_id=stripe_customer_id,
        stripe_payment_method_id=stripe_payment_method_id,
    )
    for item in items:
        product = Product.objects.filter(sku__iexact=item.sku).first()
        if product is None:
            raise ValidationError({"items": [f"There is no product with SKU '{item.sku}'."]})
        AutoshipItem.objects.create(autoship=autoship, product=product, quantity=item.quantity)
    return autoship


def _notify(autoship: Autoship, subject: str, message: str) -> None:
    buyer = autoship.member or autoship.customer
    if buyer.email:
        transaction.on_commit(lambda: send_mail(subject, message, None, [buyer.email], fail_silently=True))


def autoship_run(*, autoship: Autoship, now: datetime.datetime | None = None) -> AutoshipRun:
    now = now or timezone.now()
    today = company_date(now)
    buyer = {"buyer_member": autoship.member} if autoship.member_id else {"buyer_customer": autoship.customer}
    order = None
    try:
        order = order_place(
            lines=[LineRequest(i.product.sku, i.quantity) for i in autoship.items.select_related("product")],
            placed_by=PlacedBy.AUTOSHIP,
            ship_country=autoship.ship_country or None,
            ship_region=autoship.ship_region or None,
            autoship=autoship,
            placed_at=now,
            **buyer,
        )
        payment = order_pay_card(
            order=order,
            payment_method_id=autoship.stripe_payment_method_id,
            customer_id=autoship.stripe_customer_id,
        )
        failure = "" if payment.status == PaymentStatus.SUCCEEDED else (payment.failure_message or "Card declined.")
    except ValidationError as exc:
        failure = "; ".join(exc.messages)
    except GatewayError as exc:
        failure = str(exc) or "The payment could not be processed."
    with transaction.atomic():
        if failure and order is not None:
            order_cancel(order=order, reason="autoship payment failed")
        autoship = Autoship.objects.select_for_update().get(pk=autoship.pk)
        if failure:
            autoship.failures += 1
            if autoship.failures >= autoship.max_retries:
                autoship.status = AutoshipStatus.PAUSED
        else:
            autoship.failures = 0
            autoship.next_run_on = add_months(autoship.next_run_on, autoship.interval_months)
        autoship.save(update_fields=["failures", "status", "next_run_on"])
        run = AutoshipRun.objects.create(
            autoship=autoship, run_on=today, order=None if failure else order, succeeded=not failure, message=failure
        )
        if failure:
            paused = " It is paused until you update it." if autoship.status == AutoshipStatus.PAUSED else ""
            _notify(autoship, "Your autoship could not be processed", f"{failure}{paused}")
        else:
            _notify(
                autoship, "Your autoship order is on its way", f"Order {order.number}: {order.total} {order.currency}."
            )
    return run


def autoship_run_due(*, now: datetime.datetime | None = None) -> list[AutoshipRun]:
    """Run every active autoship due today or earlier, once per day each."""
    now = now or timezone.now()
    today = company_date(now)
    due = Autoship.objects.filter(status=AutoshipStatus.ACTIVE, next_run_on__lte=today).exclude(runs__run_on=today)
    return [autoship_run(autoship=a, now=now) for a in due.order_by("id")]
