"""No double charge (issue 12, item 1): every card charge is an attempt recorded (and committed) before the Stripe
call, with its own idempotency key, under the order's row lock; a second pay of the same order at once is refused,
and an attempt left in flight by a killed process is reconciled from Stripe by our metadata.

The emulator ignores idempotency keys (docs: stack-notes), so these tests show what our own records guarantee.
"Killed right after the Stripe call" is simulated with ``core.commerce.faults.crash_after``."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import stripe
from django.core.exceptions import ValidationError
from django.db import connection

from core.commerce import faults
from core.commerce.faults import SimulatedCrash
from core.commerce.gateways import stripe as stripe_gateway
from core.commerce.models import (
    AttemptOutcome,
    Order,
    OrderStatus,
    PaymentAttempt,
    PaymentAttemptStatus,
    PaymentStatus,
    SubscriptionAttempt,
)
from core.commerce.services.autoship import autoship_create, autoship_run_due
from core.commerce.services.catalogue import product_create
from core.commerce.services.commerce_settings import commerce_settings_get
from core.commerce.services.orders import LineRequest, order_cancel, order_place
from core.commerce.services.payments import order_pay_card
from core.commerce.services.reconcile import payments_reconcile
from core.commerce.services.stock import stock_receive, warehouse_default
from core.commerce.services.subscriptions import subscription_charge, subscription_start
from core.members.services.enrolment import member_enroll
from tests.committed import in_own_connection, run_concurrently, throwaway_company

pytestmark = pytest.mark.django_db

GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"


def card(number: str = GOOD_CARD) -> str:
    return stripe.PaymentMethod.create(
        type="card", card={"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}
    ).id


def intents_of(schema: str, **metadata: str) -> list[tuple[int, str]]:
    """(amount in cents, status) of every PaymentIntent in the emulator carrying this schema and metadata."""
    found = []
    page = stripe.PaymentIntent.list(limit=100)
    while True:
        for intent in page.data:
            meta = intent.metadata.to_dict()
            if meta.get("schema") == schema and all(meta.get(k) == v for k, v in metadata.items()):
                found.append((intent.amount, intent.status))
        if not page.has_more:
            return sorted(found)
        page = stripe.PaymentIntent.list(limit=100, starting_after=page.data[-1].id)


def _shop(api_key: str) -> int:
    """A distributor's 49.99 order (no tax: no rate) in the current company; returns its number."""
    row = commerce_settings_get()
    row.stripe_secret_key = api_key
    row.save()
    product = product_create(
        sku="SHAKE", name="Shake", retail_price=Decimal("49.99"), distributor_price=Decimal("49.99"), pv=Decimal("40")
    )
    stock_receive(product=product, warehouse=warehouse_default(), quantity=10)
    member = member_enroll(
        sponsor=None, username="payer", email="payer@example.test", first_name="Pay", last_name="Er", password="x" * 12
    )
    return order_place(lines=[LineRequest("SHAKE", 1)], placed_by="distributor", buyer_member=member).number


@pytest.fixture
def keyed(in_alpha, stripe_emulator):
    row = commerce_settings_get()
    row.stripe_secret_key = stripe_emulator.api_key
    row.save()


@pytest.fixture
def pending_order(keyed, root, catalogue) -> Order:
    return order_place(lines=[LineRequest("SHAKE", 1)], placed_by="distributor", buyer_member=root)


def test_two_payments_of_one_order_at_once_charge_once(stripe_emulator):
    with throwaway_company() as schema:
        number = in_own_connection(schema, lambda: _shop(stripe_emulator.api_key))
        methods = [card(), card()]

        def pay(method: str):
            def work():
                return order_pay_card(order=Order.objects.get(number=number), payment_method_id=method).status

            return work

        outcomes = run_concurrently(schema, pay(methods[0]), pay(methods[1]))

        assert intents_of(schema, order_number=str(number)) == [(4999, "succeeded")]  # before the fix: two
        paid = [o.value for o in outcomes if o.error is None]
        refused = [o.error for o in outcomes if o.error is not None]
        assert paid == [PaymentStatus.SUCCEEDED]
        assert len(refused) == 1 and isinstance(refused[0], ValidationError)
        assert refused[0].messages in (
            ["A payment for this order is already in progress."],
            [f"Order {number} is already paid."],
        )

        def state():
            order = Order.objects.get(number=number)
            return (
                order.status,
                list(order.payments.values_list("status", "amount")),
                list(PaymentAttempt.objects.values_list("idempotency_key", "status", "amount", "currency")),
            )

        assert in_own_connection(schema, state) == (
            OrderStatus.PAID,
            [(PaymentStatus.SUCCEEDED, Decimal("49.99"))],
            [(f"order-{number}-attempt-1", PaymentAttemptStatus.SUCCEEDED, Decimal("49.99"), "USD")],
        )


def test_a_paid_order_paid_again_is_refused_and_not_charged(pending_order):
    order_pay_card(order=pending_order, payment_method_id=card())
    with pytest.raises(ValidationError) as refused:
        order_pay_card(order=pending_order, payment_method_id=card())
    assert refused.value.messages == [f"Order {pending_order.number} is already paid."]
    assert intents_of(connection.schema_name, order_number=str(pending_order.number)) == [(3999, "succeeded")]


def test_a_declined_attempt_then_a_good_card_uses_a_new_key_and_names_the_attempt(pending_order):
    declined = order_pay_card(order=pending_order, payment_method_id=card(DECLINED_CARD))
    paid = order_pay_card(order=pending_order, payment_method_id=card())
    assert (declined.status, paid.status) == (PaymentStatus.FAILED, PaymentStatus.SUCCEEDED)
    attempts = list(PaymentAttempt.objects.filter(order=pending_order).order_by("number"))
    assert [(a.idempotency_key, a.status) for a in attempts] == [
        (f"order-{pending_order.number}-attempt-1", PaymentAttemptStatus.FAILED),
        (f"order-{pending_order.number}-attempt-2", PaymentAttemptStatus.SUCCEEDED),
    ]
    intent = stripe.PaymentIntent.retrieve(attempts[1].stripe_payment_intent_id)
    assert intent.metadata.to_dict() == {
        "kind": "order",
        "order_number": str(pending_order.number),
        "attempt_id": str(attempts[1].pk),
        "attempt_key": f"order-{pending_order.number}-attempt-2",
        "schema": connection.schema_name,
    }


def test_a_payment_killed_after_the_charge_is_recorded_once_by_reconciliation(pending_order):
    faults.crash_after.add("order_charged")
    with pytest.raises(SimulatedCrash):
        order_pay_card(order=pending_order, payment_method_id=card())
    assert faults.crash_after == set()
    (attempt,) = PaymentAttempt.objects.filter(order=pending_order)
    assert (attempt.status, attempt.stripe_payment_intent_id) == (PaymentAttemptStatus.IN_FLIGHT, "")
    with pytest.raises(ValidationError) as refused:  # a retry while it is in flight charges nothing
        order_pay_card(order=pending_order, payment_method_id=card())
    assert refused.value.messages == ["A payment for this order is already in progress."]

    report = payments_reconcile(older_than=datetime.timedelta(0))
    assert report == {"orders_recorded": 1, "orders_refunded": 0, "failed": 0, "fees_recorded": 0}
    assert payments_reconcile(older_than=datetime.timedelta(0)) == {
        "orders_recorded": 0,
        "orders_refunded": 0,
        "failed": 0,
        "fees_recorded": 0,
    }
    pending_order.refresh_from_db()
    attempt.refresh_from_db()
    assert pending_order.status == OrderStatus.PAID
    assert list(pending_order.payments.values_list("status", "amount", "stripe_payment_intent_id")) == [
        (PaymentStatus.SUCCEEDED, Decimal("39.99"), attempt.stripe_payment_intent_id)
    ]
    assert attempt.status == PaymentAttemptStatus.SUCCEEDED
    assert intents_of(connection.schema_name, order_number=str(pending_order.number)) == [(3999, "succeeded")]


def test_a_charge_whose_order_was_cancelled_meanwhile_is_refunded_by_reconciliation(pending_order):
    faults.crash_after.add("order_charged")
    with pytest.raises(SimulatedCrash):
        order_pay_card(order=pending_order, payment_method_id=card())
    order_cancel(order=pending_order, reason="changed my mind")

    report = payments_reconcile(older_than=datetime.timedelta(0))

    assert report == {"orders_recorded": 0, "orders_refunded": 1, "failed": 0, "fees_recorded": 0}
    (attempt,) = PaymentAttempt.objects.filter(order=pending_order)
    assert attempt.status == PaymentAttemptStatus.REFUNDED
    refunds = stripe.Refund.list(limit=100).data
    assert [(r.amount, r.payment_intent) for r in refunds if r.payment_intent == attempt.stripe_payment_intent_id] == [
        (3999, attempt.stripe_payment_intent_id)
    ]
    pending_order.refresh_from_db()
    assert (pending_order.status, pending_order.payments.count()) == (OrderStatus.CANCELLED, 0)


def test_an_attempt_that_never_reached_stripe_is_marked_failed_and_the_order_can_be_paid(pending_order):
    faults.crash_before.add("order_charge")
    with pytest.raises(SimulatedCrash):
        order_pay_card(order=pending_order, payment_method_id=card())

    assert payments_reconcile(older_than=datetime.timedelta(0))["failed"] == 1

    assert order_pay_card(order=pending_order, payment_method_id=card()).status == PaymentStatus.SUCCEEDED
    assert list(PaymentAttempt.objects.filter(order=pending_order).values_list("status", flat=True)) == [
        PaymentAttemptStatus.FAILED,
        PaymentAttemptStatus.SUCCEEDED,
    ]


def test_an_emulator_that_is_down_gives_a_plain_sentence_and_the_order_can_be_paid_again(
    pending_order, settings, caplog
):
    """The connection could not be made, so Stripe never saw the request: the attempt (recorded before the call,
    with its idempotency key) is failed at once, not left to reconciliation, and paying again works."""
    base = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port
    with pytest.raises(ValidationError) as refused:
        order_pay_card(order=pending_order, payment_method_id=card())
    assert refused.value.messages == [
        "We could not reach the payment service; nothing was charged. Please try again in a minute."
    ]
    # The details are in the log, with the order and the attempt's idempotency key, not in front of the customer.
    key = f"order-{pending_order.number}-attempt-1"
    assert any(key in r.getMessage() and "Connection refused" in r.getMessage() for r in caplog.records)
    (attempt,) = PaymentAttempt.objects.filter(order=pending_order)
    assert (attempt.status, attempt.idempotency_key) == (PaymentAttemptStatus.FAILED, key)
    settings.STRIPE_API_BASE = base
    assert order_pay_card(order=pending_order, payment_method_id=card()).status == PaymentStatus.SUCCEEDED


def test_a_request_that_may_have_reached_stripe_is_left_to_reconciliation(pending_order, monkeypatch):
    """A read timeout (the request was sent, the answer never came) may follow a charge: the attempt stays in flight
    for reconciliation and the buyer is told to check back rather than pay again."""

    def timed_out(*args, **kwargs):
        raise stripe.APIConnectionError("Request timed out")

    monkeypatch.setattr(stripe_gateway, "_client", lambda api_key: _Raising(timed_out))
    with pytest.raises(ValidationError) as refused:
        order_pay_card(order=pending_order, payment_method_id=card())
    assert refused.value.messages == [
        "The payment service did not answer in time. If your card was charged, the payment is recorded within a few "
        "minutes; please check back before trying again."
    ]
    (attempt,) = PaymentAttempt.objects.filter(order=pending_order)
    assert attempt.status == PaymentAttemptStatus.IN_FLIGHT


class _Raising:
    """A StripeClient stand-in whose every v1 call raises."""

    def __init__(self, raiser):
        self.raiser = raiser

    def __getattr__(self, name):
        return self

    def create(self, *args, **kwargs):
        return self.raiser()


def test_a_fee_charge_killed_after_the_charge_is_recorded_once_by_reconciliation(keyed, root):
    row = commerce_settings_get()
    row.subscription_fee = Decimal("29.95")
    row.save()
    subscription = subscription_start(member=root, first_due_on=datetime.date(2026, 4, 1))
    customer = stripe.Customer.create(email="root@example.test")
    method = card()
    stripe.PaymentMethod.attach(method, customer=customer.id)
    subscription.stripe_customer_id = customer.id
    subscription.stripe_payment_method_id = method
    subscription.save()

    faults.crash_after.add("fee_charged")
    on_the_due_date = datetime.datetime(2026, 4, 1, 12, 0, tzinfo=datetime.UTC)  # paid on time: due again 1 May
    with pytest.raises(SimulatedCrash):
        subscription_charge(subscription=subscription, now=on_the_due_date)
    with pytest.raises(ValidationError) as refused:
        subscription_charge(subscription=subscription)
    assert refused.value.messages == ["A payment of this fee is already in progress."]

    assert payments_reconcile(older_than=datetime.timedelta(0))["fees_recorded"] == 1

    subscription.refresh_from_db()
    (attempt,) = SubscriptionAttempt.objects.filter(member=root)
    assert (attempt.outcome, attempt.amount, attempt.idempotency_key) == (
        AttemptOutcome.PAID,
        Decimal("29.95"),
        f"fee-{root.pk}-2026-04-01-attempt-1",
    )
    assert subscription.next_due_on == datetime.date(2026, 5, 1)
    # This attempt's intents only: other tests in the same company (the back-office pages') charge fees too.
    assert intents_of(connection.schema_name, kind="back_office_fee", attempt_id=str(attempt.pk)) == [
        (2995, "succeeded")
    ]


def test_an_autoship_run_killed_after_its_charge_is_finished_once_by_reconciliation(
    keyed, root, enroll, catalogue, django_capture_on_commit_callbacks
):
    member = enroll(root)
    customer = stripe.Customer.create(email=member.email)
    method = card()
    stripe.PaymentMethod.attach(method, customer=customer.id)
    autoship = autoship_create(
        member=member,
        items=[LineRequest("SHAKE", 1)],
        first_run_on=datetime.date(2026, 4, 1),
        stripe_customer_id=customer.id,
        stripe_payment_method_id=method,
    )
    apr_1 = datetime.datetime(2026, 4, 1, 6, tzinfo=datetime.UTC)
    faults.crash_after.add("order_charged")
    with pytest.raises(SimulatedCrash):
        autoship_run_due(now=apr_1)
    assert autoship_run_due(now=apr_1 + datetime.timedelta(hours=1)) == []  # its order is still being charged

    with django_capture_on_commit_callbacks(execute=True):
        assert payments_reconcile(older_than=datetime.timedelta(0))["orders_recorded"] == 1

    (order,) = Order.objects.filter(autoship=autoship)
    autoship.refresh_from_db()
    assert (order.status, order.total) == (OrderStatus.PAID, Decimal("39.99"))
    assert list(autoship.runs.values_list("succeeded", "order_id")) == [(True, order.pk)]
    assert autoship.next_run_on == datetime.date(2026, 5, 1)
    assert intents_of(connection.schema_name, order_number=str(order.number)) == [(3999, "succeeded")]
    assert autoship_run_due(now=apr_1 + datetime.timedelta(hours=2)) == []
