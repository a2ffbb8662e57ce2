"""`make demo`'s company looks like a real one (infra.demo_data, infra.demo_history), here on a small demo (60
distributors, 25 customers) whose history ends on 30 Nov 2026 at 17:00: orders over three months with their own
placed, paid and shipped moments, a card payment behind every paid order, stock received before it is sold, refunds
(one clawed back), one month paid out, one posted, the current one previewed, and more people joining each month."""

import datetime
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from django_tenants.utils import schema_context

from core.commerce.gateways import stripe as stripe_gateway
from core.commerce.models import (
    VOLUME_STATUSES,
    ClawbackFlag,
    MovementKind,
    Order,
    OrderLine,
    OrderStatus,
    PaymentAttemptStatus,
    PaymentStatus,
    RefundLine,
    StockLevel,
    StockMovement,
)
from core.commerce.selectors.reports import sales_totals
from core.commerce.selectors.stock import low_stock
from core.members.models import Member
from frontend.tests.conftest import signed_in
from infra.demo_data import demo_company_populate
from plans.models import CommissionPeriod, MoneyAuditEntry, PayoutBatch

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 30, 17, 0, tzinfo=datetime.UTC)


def _at(month: int, day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=datetime.UTC)


@pytest.fixture
def demo(alpha):
    clock, refund = timezone.now, stripe_gateway.refund_create
    with schema_context(alpha.schema):
        assert demo_company_populate(now=NOW, members=60, customers=25, log=lambda line: None)
    # The replay's clock and Stripe's stand-in are gone: a card refunded on the running demo goes to Stripe.
    assert (timezone.now, stripe_gateway.refund_create) == (clock, refund)
    return alpha


def test_a_small_demo_is_a_believable_company(demo):
    with schema_context(demo.schema):
        _orders_span_three_months_with_their_own_dates()
        _every_paid_order_has_its_card_payment()
        _on_hand_is_received_minus_sold_for_every_product()
        _refunds_and_a_clawback()
        _one_month_paid_out_one_posted_the_current_previewed()
        _more_people_join_each_month()
    _pages_show_it(demo)


def _orders_span_three_months_with_their_own_dates():
    orders = list(Order.objects.all())
    by_month = Counter(order.placed_at.month for order in orders)
    assert sorted(by_month.items()) == [(9, 37), (10, 53), (11, 58)]
    assert min(o.placed_at for o in orders).date() == datetime.date(2026, 9, 1)
    assert max(o.placed_at for o in orders) <= NOW
    assert len({o.placed_at.date() for o in orders}) > 60  # spread over the days, not one report date
    for order in orders:
        if order.paid_at is not None:
            assert order.placed_at < order.paid_at < order.placed_at + datetime.timedelta(minutes=10)
            assert order.paid_on == order.paid_at.date()
        if order.shipped_at is not None:
            assert order.paid_at < order.shipped_at < order.paid_at + datetime.timedelta(days=3)
            assert order.shipped_at.time() == datetime.time(15, 0)  # the warehouse's afternoon run
    # The sales report counts every paid order on its payment day.
    assert sales_totals(start=datetime.date(2026, 9, 1), end=datetime.date(2026, 11, 30))["orders"] == 148


def _every_paid_order_has_its_card_payment():
    paid = Order.objects.filter(status__in=VOLUME_STATUSES).prefetch_related("payments", "payment_attempts")
    assert paid.count() == 148
    for order in paid:
        succeeded = [p for p in order.payments.all() if p.status == PaymentStatus.SUCCEEDED]
        assert [p.amount for p in succeeded] == [order.total]
        attempt = next(a for a in order.payment_attempts.all() if a.status == PaymentAttemptStatus.SUCCEEDED)
        assert attempt.payment_id == succeeded[0].pk
        assert attempt.idempotency_key == f"order-{order.number}-attempt-{attempt.number}"
        assert re.fullmatch(r"pi_3[A-Za-z0-9]{24}", attempt.stripe_payment_intent_id)
        assert succeeded[0].stripe_payment_intent_id == attempt.stripe_payment_intent_id
        assert attempt.settled_at == order.paid_at == succeeded[0].created_at
    declined = Order.objects.filter(payments__status=PaymentStatus.FAILED).distinct()
    assert [o.payments.get(status=PaymentStatus.FAILED).failure_code for o in declined] == ["card_declined"]


def _on_hand_is_received_minus_sold_for_every_product():
    levels = {level.product.sku: level.on_hand for level in StockLevel.objects.select_related("product")}
    received = dict(
        StockMovement.objects.filter(kind=MovementKind.RECEIPT)
        .values_list("product__sku")
        .annotate(q=Sum("quantity"))
        .values_list("product__sku", "q")
    )
    sold = Counter()
    for sku, quantity in OrderLine.objects.values_list("sku", "quantity"):
        sold[sku] += quantity
    restocked = Counter()
    for sku, quantity in RefundLine.objects.filter(refund__restocked=True).values_list("line__sku", "quantity"):
        restocked[sku] += quantity
    assert set(levels) == {"GREENS", "SHAKE", "OMEGA", "SLEEP", "KIT", "BOOK"}
    for sku, on_hand in levels.items():
        assert on_hand == received[sku] - sold[sku] + restocked[sku], sku
    assert levels == {"GREENS": 138, "SHAKE": 118, "OMEGA": 9, "SLEEP": 14, "KIT": 59, "BOOK": 34}
    assert [(level.product.sku, level.warehouse.code) for level in low_stock()] == [
        ("OMEGA", "MAIN"),
        ("SLEEP", "MAIN"),
    ]
    first_receipt = StockMovement.objects.filter(kind=MovementKind.RECEIPT).order_by("created_at").first()
    assert first_receipt.created_at == _at(9, 1, 6, 30)  # before the first order


def _refunds_and_a_clawback():
    refunded = Order.objects.filter(refunds__isnull=False).order_by("refunds__created_at")
    assert [(o.status, o.refunds.get().created_at) for o in refunded] == [
        (OrderStatus.REFUNDED, _at(10, 10, 11)),
        (OrderStatus.PARTIALLY_REFUNDED, _at(10, 22, 14)),
        (OrderStatus.REFUNDED, _at(11, 25, 10)),
    ]
    assert all(re.fullmatch(r"re_3[A-Za-z0-9]{24}", o.refunds.get().stripe_refund_id) for o in refunded)
    flag = ClawbackFlag.objects.get()  # the September order returned after September was posted
    assert (flag.period_start, flag.order_id) == (datetime.date(2026, 9, 1), refunded[0].pk)
    assert flag.resolution.startswith("Clawed back in commission run")


def _one_month_paid_out_one_posted_the_current_previewed():
    periods = [
        (p.start, p.status, p.closed_at, p.posted_at, p.paid_at) for p in CommissionPeriod.objects.order_by("start")
    ]
    assert periods == [
        (datetime.date(2026, 9, 1), "paid", _at(10, 1, 7), _at(10, 3, 9, 30), _at(10, 7, 11)),
        (datetime.date(2026, 10, 1), "posted", _at(11, 1, 7), _at(11, 3, 9, 30), None),
        (datetime.date(2026, 11, 1), "previewed", None, None, None),
    ]
    batch = PayoutBatch.objects.get()
    assert (batch.period.start, batch.status, batch.created_at, batch.paid_at) == (
        datetime.date(2026, 9, 1), "paid", _at(10, 5, 10), _at(10, 7, 11),
    )  # fmt: skip
    assert batch.total > Decimal("0.00") and batch.item_count > 0
    log = [(e.action, e.at) for e in MoneyAuditEntry.objects.order_by("at", "id")]
    assert log == [
        ("period_close", _at(10, 1, 7)),
        ("run_approve", _at(10, 2, 16, 30)),
        ("run_post", _at(10, 3, 9, 30)),
        ("payout_create", _at(10, 5, 10)),
        ("payout_paid", _at(10, 7, 11)),
        ("period_close", _at(11, 1, 7)),
        ("run_approve", _at(11, 2, 16, 30)),
        ("run_post", _at(11, 3, 9, 30)),
    ]
    october_post = MoneyAuditEntry.objects.get(action="run_post", at=_at(11, 3, 9, 30))
    assert october_post.detail["clawback_lines"] > 0  # the returned September order, clawed back in October


def _more_people_join_each_month():
    joined = Counter(m.joined_at.month for m in Member.objects.filter(joined_at__date__gte=datetime.date(2026, 9, 1)))
    assert sorted(joined.items()) == [(9, 4), (10, 6), (11, 8)]
    jane = Member.objects.get(username="jane")
    assert (jane.full_name, jane.city, jane.region) == ("Jane Demo", "Austin", "TX")


def _pages_show_it(demo):
    client = signed_in(demo, demo.admin_email)
    with schema_context(demo.schema):
        order = Order.objects.filter(status=OrderStatus.SHIPPED).order_by("placed_at").first()
        payment = order.payments.get()
    page = client.get(f"/console/orders/{order.number}/").content.decode()
    assert "Sep 1, 2026 7:40\u202fPM" in page  # placed
    assert "Card (Stripe) $" in page and "Succeeded" in page and payment.stripe_payment_intent_id in page
    assert "None yet" not in page
    inventory = client.get("/console/inventory/").content.decode()
    assert "No stock recorded" not in inventory and "OMEGA" in inventory
    payouts = client.get("/console/commissions/payouts/").content.decode()
    assert "Paid" in payouts
