"""Autoship: a recurring order for a member or a customer, placed and charged on its day by the daily job.

A failed run (out of stock, card declined) cancels its order, counts a failure and is retried the next day; after
max_retries failures in a row the autoship pauses. Every run is an AutoshipRun and sends the buyer a notice."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from config.tenancy import current_schema
from core.commerce.gateways import stripe as stripe_gateway
from core.commerce.gateways.stripe import GatewayError
from core.commerce.models import (
    Autoship,
    AutoshipItem,
    AutoshipRun,
    AutoshipStatus,
    Order,
    OrderStatus,
    PaymentAttemptStatus,
    PaymentStatus,
    PlacedBy,
    Product,
)
from core.commerce.selectors.periods import add_months, company_date
from core.commerce.services.commerce_settings import commerce_settings_get
from core.commerce.services.orders import LineRequest, order_cancel, order_place
from core.commerce.services.payments import order_pay_card
from core.communications.services import email_send
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
    ship_country: str = "",
    ship_region: str = "",
) -> Autoship:
    if (member is None) == (customer is None):
        raise ValidationError({"buyer": [gettext("An autoship belongs to one member or one customer.")]})
    if not items:
        raise ValidationError({"items": [gettext("An autoship needs at least one item.")]})
    if not 1 <= interval_months <= 12:
        raise ValidationError({"interval_months": [gettext("Choose from 1 to 12 months.")]})
    if any(not isinstance(i.quantity, int) or i.quantity < 1 for i in items):
        raise ValidationError({"items": [gettext("Each quantity must be a whole number of at least 1.")]})
    autoship = Autoship.objects.create(
        member=member,
        customer=customer,
        interval_months=interval_months,
        next_run_on=first_run_on,
        stripe_customer_id=stripe_customer_id,
        stripe_payment_method_id=stripe_payment_method_id,
        ship_country=ship_country.upper(),
        ship_region=ship_region,
    )
    for item in items:
        product = Product.objects.filter(sku__iexact=item.sku).first()
        if product is None:
            raise ValidationError({"items": [gettext("There is no product with SKU '%(sku)s'.") % {"sku": item.sku}]})
        if product.status != "active":
            raise ValidationError(
                {"items": [gettext("%(sku)s is retired and can no longer be ordered.") % {"sku": product.sku}]}
            )
        AutoshipItem.objects.create(autoship=autoship, product=product, quantity=item.quantity)
    return autoship


def _notify(autoship: Autoship, key: str, context: dict) -> None:
    """E-mail the buyer in the company's words (core.communications e-mail templates)."""
    buyer = autoship.member or autoship.customer
    assert buyer is not None  # the autoship_member_xor_customer constraint: exactly one of them is set
    email_send(key=key, context={"first_name": buyer.first_name, **context}, to=buyer.email)


def autoship_run(*, autoship: Autoship, now: datetime.datetime | None = None) -> AutoshipRun:
    """Place today's order and charge it. Two runs of one autoship at once place one order: the order is placed under
    the autoship's row lock, and a run that finds an order of this autoship still pending (being charged, or left in
    flight for payments_reconcile) or already placed today is refused with AutoshipBusy."""
    now = now or timezone.now()
    today = company_date(now)
    order = None
    try:
        order = _autoship_order_place(autoship=autoship, now=now, today=today)
        payment = order_pay_card(
            order=order,
            payment_method_id=autoship.stripe_payment_method_id,
            customer_id=autoship.stripe_customer_id,
        )
        failure = "" if payment.status == PaymentStatus.SUCCEEDED else (payment.failure_message or "Card declined.")
    except AutoshipBusy:
        raise
    except ValidationError as exc:
        if order is not None and order.payment_attempts.filter(status=PaymentAttemptStatus.IN_FLIGHT).exists():
            raise AutoshipBusy(autoship.pk) from exc  # the charge may exist: reconciliation finishes this run
        failure = "; ".join(exc.messages)
    return autoship_run_record(autoship=autoship, order=order, failure=failure, today=today)


class AutoshipBusy(Exception):
    """This autoship's order of the day is placed already or still being charged."""


@transaction.atomic
def _autoship_order_place(*, autoship: Autoship, now: datetime.datetime, today: datetime.date) -> Order:
    autoship = _locked(autoship)
    orders = Order.objects.filter(autoship=autoship)
    if orders.filter(status=OrderStatus.PENDING).exists() or autoship.runs.filter(run_on=today).exists():
        raise AutoshipBusy(autoship.pk)
    buyer = {"buyer_member": autoship.member} if autoship.member_id else {"buyer_customer": autoship.customer}
    return order_place(
        lines=[LineRequest(i.product.sku, i.quantity) for i in autoship.items.select_related("product")],
        placed_by=PlacedBy.AUTOSHIP,
        ship_country=autoship.ship_country or None,
        ship_region=autoship.ship_region or None,
        autoship=autoship,
        placed_at=now,
        **buyer,
    )


@transaction.atomic
def autoship_run_record(*, autoship: Autoship, order: Order | None, failure: str, today: datetime.date) -> AutoshipRun:
    """The run's bookkeeping once its charge is known (by the run, or by payments_reconcile for a run killed after
    the charge): a failure cancels the order and counts toward pausing; a success moves the next run on."""
    if failure and order is not None:
        order_cancel(order=order, reason="autoship payment failed")
    autoship = _locked(autoship)
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
        paused = autoship.status == AutoshipStatus.PAUSED
        _notify(
            autoship,
            "autoship_paused" if paused else "autoship_failed",
            {"reason": failure, "failures": autoship.failures, "max_retries": autoship.max_retries},
        )
    else:
        assert order is not None  # no failure: the order was placed and paid
        _notify(
            autoship,
            "autoship_processed",
            {"order_number": order.number, "total": order.total, "currency": order.currency},
        )
    return run


def autoship_run_due(*, now: datetime.datetime | None = None) -> list[AutoshipRun]:
    """Run every active autoship due today or earlier, once per day each."""
    now = now or timezone.now()
    today = company_date(now)
    due = Autoship.objects.filter(status=AutoshipStatus.ACTIVE, next_run_on__lte=today).exclude(runs__run_on=today)
    runs = []
    for autoship in due.order_by("id"):
        try:
            runs.append(autoship_run(autoship=autoship, now=now))
        except AutoshipBusy:
            continue  # another run has it, or its charge awaits payments_reconcile
    return runs


def autoship_card_prepare(*, buyer: Member | Customer, payment_method_id: str) -> dict[str, str]:
    """Make a Stripe customer for the buyer on the company's account and attach the card (a PaymentMethod made by
    Stripe.js). Done before the autoship is written, so a refused card leaves nothing behind."""
    api_key = commerce_settings_get().stripe_secret_key
    try:
        customer_id = stripe_gateway.customer_create(
            api_key=api_key,
            email=buyer.email,
            name=f"{buyer.first_name} {buyer.last_name}".strip(),
            metadata={"kind": "autoship", "buyer_number": str(buyer.number), "schema": current_schema()},
        )
        card = stripe_gateway.card_attach(api_key=api_key, customer_id=customer_id, payment_method_id=payment_method_id)
    except GatewayError as exc:
        raise ValidationError({"payment_method": [str(exc)]}) from exc
    return {"stripe_customer_id": customer_id, "stripe_payment_method_id": card.payment_method_id}


def _locked(autoship: Autoship) -> Autoship:
    return Autoship.objects.select_for_update().get(pk=autoship.pk)


@transaction.atomic
def autoship_pause(*, autoship: Autoship) -> Autoship:
    autoship = _locked(autoship)
    if autoship.status != AutoshipStatus.ACTIVE:
        raise ValidationError(
            {
                "status": [
                    gettext("Only an active autoship can be paused; this one is %(status)s.")
                    % {"status": autoship.status}
                ]
            }
        )
    autoship.status = AutoshipStatus.PAUSED
    autoship.save(update_fields=["status"])
    return autoship


@transaction.atomic
def autoship_resume(*, autoship: Autoship, today: datetime.date | None = None) -> Autoship:
    """Back to active with a clean failure count; a run date that passed while paused moves to today (no catch-up
    orders for the months skipped)."""
    autoship = _locked(autoship)
    if autoship.status != AutoshipStatus.PAUSED:
        raise ValidationError(
            {
                "status": [
                    gettext("Only a paused autoship can be resumed; this one is %(status)s.")
                    % {"status": autoship.status}
                ]
            }
        )
    today = today or company_date(timezone.now())
    autoship.status = AutoshipStatus.ACTIVE
    autoship.failures = 0
    autoship.next_run_on = max(autoship.next_run_on, today)
    autoship.save(update_fields=["status", "failures", "next_run_on"])
    return autoship


@transaction.atomic
def autoship_cancel(*, autoship: Autoship) -> Autoship:
    """Cancelled for good (kept, since its orders point at it)."""
    autoship = _locked(autoship)
    if autoship.status == AutoshipStatus.CANCELLED:
        raise ValidationError({"status": [gettext("This autoship is already cancelled.")]})
    autoship.status = AutoshipStatus.CANCELLED
    autoship.save(update_fields=["status"])
    return autoship


@transaction.atomic
def autoship_create_with_card(
    *,
    buyer: Member | Customer,
    items: list[LineRequest],
    first_run_on: datetime.date,
    interval_months: int = 1,
    ship_country: str = "",
    ship_region: str = "",
    payment_method_id: str = "",
) -> Autoship:
    """Set up an autoship with the card each order is charged to: the card is attached to the buyer on the company's
    Stripe account first (a refused card is a ValidationError on "payment_method" and nothing is written), then the
    autoship is written. Without a payment method the autoship is written without a card. Used by the API and the
    back office."""
    card = autoship_card_prepare(buyer=buyer, payment_method_id=payment_method_id) if payment_method_id else {}
    return autoship_create(
        member=buyer if isinstance(buyer, Member) else None,
        customer=buyer if isinstance(buyer, Customer) else None,
        items=items,
        first_run_on=first_run_on,
        interval_months=interval_months,
        ship_country=ship_country,
        ship_region=ship_region,
        **card,
    )
