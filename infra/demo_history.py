"""The demo company's last three months, replayed day by day through the product's own services with the clock set to
the moment each thing happened, so every record carries its real date: orders placed, paid by card (a payment
attempt, a succeeded Stripe payment) and shipped from the warehouse; stock received there before it is sold; refunds,
one of them clawed back from a posted period; each finished month closed, previewed, approved and posted, the first
one paid out.

Nothing here goes to Stripe: the demo's history never charged a card. A card payment is written as the card path
writes it (an attempt under its idempotency key, settled with a PaymentIntent id ``pi_…`` derived from that key, and
its Payment; in bulk per day, the day's volume rebuilt at the period's close), and the refund service's call to Stripe
answers with a refund id ``re_…``. Refunding a card on the running demo goes to the Stripe emulator as usual: the
stand-in is in place only while history replays. The order plan and the deliveries come from infra.demo_plan.
"""

from __future__ import annotations

import datetime
import hashlib
import heapq
import itertools
import random
import string
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from infra.demo_plan import PlannedOrder, month_starts, orders_plan, receipts_plan

PAYOUT_THRESHOLD = Decimal("25.00")


# ---------------------------------------------------------------------------------------------------- the clock


class ReplayClock:
    """While running, ``django.utils.timezone.now()`` answers the replayed moment: every service stamps what it
    writes (placed, paid, shipped, posted, audit entries) with the time it happened in the company's history."""

    def __init__(self, at: datetime.datetime) -> None:
        self.at = at

    @contextmanager
    def running(self) -> Iterator[ReplayClock]:
        with mock.patch.object(timezone, "now", lambda: self.at):
            yield self


def _stripe_id(prefix: str, key: str) -> str:
    alphabet = string.ascii_letters + string.digits
    number = int(hashlib.sha256(key.encode()).hexdigest(), 16)
    chars = []
    for _ in range(24):
        number, digit = divmod(number, len(alphabet))
        chars.append(alphabet[digit])
    return f"{prefix}_3{''.join(chars)}"


@contextmanager
def stripe_refunds_stand_in() -> Iterator[None]:
    """Stripe's answer to the replayed refunds: accepted, with an id shaped like Stripe's."""
    from core.commerce.gateways import stripe as gateway

    def refund(*, payment_intent_id: str, metadata: dict, **_) -> str:
        return _stripe_id("re", f"{payment_intent_id}-{metadata.get('refund', '')}")

    with mock.patch.object(gateway, "refund_create", refund):
        yield


@dataclass(order=True)
class Event:
    """Something that happens at ``at`` (ties: in the order planned). A ``batched`` event (an order, a delivery, the
    day's shipping) commits with the rest of its day; the others (the commission chain, a refund) run on their own."""

    at: datetime.datetime
    seq: int
    action: Callable[[], None] = field(compare=False)
    batched: bool = field(default=True, compare=False)


@dataclass
class Replay:
    """The history being replayed: the clock, the admin who works the console, the events in time order, and the card
    payments of the day waiting to be written."""

    clock: ReplayClock
    admin: object
    zone: ZoneInfo
    now: datetime.datetime
    events: list[Event] = field(default_factory=list)
    counter: Iterator[int] = field(default_factory=itertools.count)
    payments: list[tuple] = field(default_factory=list)  # (payment, attempt, paid or declined at)

    def at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.zone)

    def schedule(self, at: datetime.datetime, action: Callable[[], None], *, batched: bool = True) -> None:
        if at <= self.now:  # the future has not happened yet
            heapq.heappush(self.events, Event(at, next(self.counter), action, batched))

    def run(self) -> None:
        """Every event in time order with the clock at its moment; a day's batched events in one transaction."""
        day = None
        with ExitStack() as stack:
            while self.events:
                event = heapq.heappop(self.events)
                if day is not None and (not event.batched or event.at.date() != day):
                    self.payments_write()
                    stack.close()
                    day = None
                self.clock.at = event.at
                if not event.batched:
                    event.action()
                    continue
                if day is None:
                    stack.enter_context(transaction.atomic())
                    day = event.at.date()
                event.action()
            self.payments_write()

    def payments_write(self) -> None:
        """The day's card payments, written as the card path writes them (core.commerce.services.payments): an
        attempt per charge under its idempotency key, settled with the PaymentIntent's id, and its Payment."""
        from core.commerce.models import Payment, PaymentAttempt

        if not self.payments:
            return
        payments = Payment.objects.bulk_create([written for written, _, _ in self.payments])
        for (_, attempt, at), saved in zip(self.payments, payments, strict=True):
            saved.created_at = at
            attempt.payment = saved
            attempt.settled_at = at
        attempts = PaymentAttempt.objects.bulk_create([attempt for _, attempt, _ in self.payments])
        for (_, _, at), attempt in zip(self.payments, attempts, strict=True):
            attempt.created_at = at - datetime.timedelta(seconds=3)  # written before Stripe is called
        Payment.objects.bulk_update(payments, ["created_at"], batch_size=1000)
        PaymentAttempt.objects.bulk_update(attempts, ["created_at"], batch_size=1000)
        self.payments = []

    def card_charge(self, order, *, number: int, at: datetime.datetime, declined: bool = False) -> None:
        """One charge of ``order``'s total on the buyer's card, answered as Stripe answers (ids like Stripe's)."""
        from core.commerce.models import (
            Payment,
            PaymentAttempt,
            PaymentAttemptStatus,
            PaymentMethod,
            PaymentStatus,
        )

        key = f"order-{order.number}-attempt-{number}"
        intent = _stripe_id("pi", key)
        payment = Payment(
            order=order,
            method=PaymentMethod.STRIPE,
            status=PaymentStatus.FAILED if declined else PaymentStatus.SUCCEEDED,
            amount=order.total,
            stripe_payment_intent_id=intent,
            failure_code="card_declined" if declined else "",
            failure_message="Your card was declined." if declined else "",
        )
        attempt = PaymentAttempt(
            order=order,
            number=number,
            idempotency_key=key,
            amount=order.total,
            currency=order.currency,
            status=PaymentAttemptStatus.FAILED if declined else PaymentAttemptStatus.SUCCEEDED,
            stripe_payment_intent_id=intent,
            failure_code=payment.failure_code,
            message=payment.failure_message,
        )
        self.payments.append((payment, attempt, at))


# ---------------------------------------------------------------------------------------------------- the replay


def history_replay(
    rng: random.Random,
    *,
    now: datetime.datetime,
    first_day: datetime.date,
    stopped_after: dict[int, datetime.date],
    log: Callable[[str], None],
) -> None:
    """Replay the company's business from ``first_day`` up to ``now``: deliveries, orders paid and shipped, refunds,
    and the commission chain of each finished month. The caller made the catalogue and the people."""
    from core.accounts.models import Role, User
    from core.company.services import company_settings_get
    from core.members.models import Customer, Member

    zone = ZoneInfo(company_settings_get().timezone)
    today = now.astimezone(zone).date()
    admin = User.objects.filter(role=Role.COMPANY_ADMIN).order_by("id").first()
    replay = Replay(clock=ReplayClock(now), admin=admin, zone=zone, now=now)
    members = list(Member.objects.order_by("number"))
    customers_by_member: dict[int, list] = {}
    for customer in Customer.objects.order_by("number"):
        customers_by_member.setdefault(customer.distributor_id, []).append(customer)
    skus = ["GREENS", "SHAKE", "OMEGA", "SLEEP", "KIT", "BOOK"]
    planned = orders_plan(
        rng, members=members, customers_by_member=customers_by_member, stopped_after=stopped_after,
        first_day=first_day, now=now, zone=zone, skus=skus,
    )  # fmt: skip
    _plan_activate(replay, first_day)
    _stock_schedule(replay, receipts_plan(planned, first_day=first_day, today=today, zone=zone))
    _orders_schedule(replay, planned)
    _shipping_schedule(replay, first_day, today)
    _commissions_schedule(replay, first_day, today)
    _refunds_schedule(replay, first_day, today)
    log(f"    {len(planned):,} orders from {first_day} to {today}, replayed in time order…")
    with replay.clock.running(), stripe_refunds_stand_in():
        replay.run()
        replay.clock.at = now
        _current_period_preview(replay, today)


def _plan_activate(replay: Replay, first_day: datetime.date) -> None:
    import json
    from pathlib import Path

    from plans.services_plan_versions import plan_version_activate, plan_version_create

    def activate() -> None:
        document = json.loads((Path(__file__).resolve().parents[1] / "plans/engine/examples/unilevel.json").read_text())
        version = plan_version_create(document=document, name="Acme unilevel 2026", by=replay.admin)
        plan_version_activate(version=version, effective_from=first_day, by=replay.admin)

    replay.schedule(replay.at(first_day, 6), activate, batched=False)


def _stock_schedule(replay: Replay, receipts: list) -> None:
    from core.commerce.models import Product
    from core.commerce.services.stock import stock_receive, warehouse_default

    products = {p.sku: p for p in Product.objects.all()}
    warehouse = warehouse_default()
    for at, sku, quantity, note in receipts:
        replay.schedule(
            at,
            lambda sku=sku, quantity=quantity, note=note: stock_receive(
                product=products[sku], warehouse=warehouse, quantity=quantity, note=note, by=replay.admin
            ),
        )


def _destination(buyer, methods: dict, *, express: bool):
    from core.commerce.addresses import Address
    from core.commerce.services.orders import Destination

    address = Address(
        name=f"{buyer.first_name} {buyer.last_name}",
        line1=buyer.address_line1,
        city=buyer.city,
        postal_code=buyer.postal_code,
        region=buyer.region,
        country=buyer.country,
    )
    return Destination(ship=address, bill=address, method=methods[(buyer.country, express and buyer.country == "US")])


def _orders_schedule(replay: Replay, planned: list[PlannedOrder]) -> None:
    from core.commerce.models import PlacedBy, ShippingMethod
    from core.commerce.services.orders import LineRequest, order_place
    from core.commerce.services.payments import order_mark_paid
    from core.members.models import Member

    methods = {}
    for method in ShippingMethod.objects.order_by("sort_order", "id"):
        methods.setdefault((method.country, "Express" in method.name), method)
    methods.setdefault(("US", True), methods[("US", False)])

    def place(planned_order: PlannedOrder) -> None:
        buyer = planned_order.buyer
        is_member = isinstance(buyer, Member)
        order = order_place(
            lines=[LineRequest(sku=sku, quantity=quantity) for sku, quantity in planned_order.lines],
            placed_by=PlacedBy.DISTRIBUTOR if is_member else PlacedBy.CUSTOMER,
            buyer_member=buyer if is_member else None,
            buyer_customer=None if is_member else buyer,
            destination=_destination(buyer, methods, express=planned_order.express),
            placed_at=planned_order.at,
        )
        if planned_order.unpaid:
            return
        at = planned_order.at + datetime.timedelta(seconds=planned_order.pay_after)
        number = 1
        if planned_order.declined_first:
            replay.card_charge(order, number=1, at=at, declined=True)
            at, number = at + datetime.timedelta(minutes=2), 2
        replay.card_charge(order, number=number, at=at)
        order_mark_paid(order=order, paid_at=at, recompute_volume=False)  # volume: rebuilt per period (the close)

    for planned_order in planned:
        replay.schedule(planned_order.at, lambda p=planned_order: place(p))


def _shipping_schedule(replay: Replay, first_day: datetime.date, today: datetime.date) -> None:
    """The warehouse ships at 3 pm, Monday to Saturday, every order paid before noon."""
    from core.commerce.models import Order, OrderStatus
    from core.commerce.services.orders import order_ship

    def ship(noon: datetime.datetime) -> None:
        with transaction.atomic():
            for order in Order.objects.filter(status=OrderStatus.PAID, paid_at__lt=noon).order_by("paid_at", "id"):
                order_ship(order=order)

    day = first_day
    while day <= today:
        if day.weekday() != 6:
            noon = replay.at(day, 12)
            replay.schedule(replay.at(day, 15), lambda noon=noon: ship(noon))
        day += datetime.timedelta(days=1)


# 1 unit of the base currency (USD) in each market currency the demo may pay in, as an admin would enter them.
DEMO_EXCHANGE_RATES = {"EUR": "0.9137", "GBP": "0.7865", "CAD": "1.3612", "MXN": "17.05", "JPY": "149.53"}


def _commissions_schedule(replay: Replay, first_day: datetime.date, today: datetime.date) -> None:
    """Each finished month: closed on the 1st, previewed and approved on the 2nd, posted on the 3rd. The first month
    is paid out (a batch on the 5th, marked paid on the 7th); the next waits for its payout."""
    from core.commerce.services.volume import volume_recompute_period
    from plans.selectors_rates import run_rates_missing
    from plans.services import period_get_or_create, run_preview
    from plans.services_payouts import payout_batch_create, payout_batch_mark_paid
    from plans.services_periods import period_close
    from plans.services_posting import run_approve, run_post
    from plans.services_rates import run_rate_set

    runs: dict[datetime.date, object] = {}
    batches: dict[datetime.date, object] = {}
    finished = [m for m in month_starts(first_day, today) if m < today.replace(day=1)]
    for index, month in enumerate(finished):
        close_day = (month + datetime.timedelta(days=32)).replace(day=1)

        def close(month=month, close_day=close_day) -> None:
            volume_recompute_period(period_start=month)  # the orders were paid without a per-order rebuild
            period_close(period=period_get_or_create(day=month), by=replay.admin, today=close_day)

        def preview(month=month) -> None:
            runs[month] = run_preview(period=period_get_or_create(day=month), by=replay.admin)

        def approve(month=month) -> None:
            runs[month] = run_approve(run=runs[month], by=replay.admin)
            # Members in markets with another currency are paid at a rate the admin records (docs/currencies.md).
            for code in run_rates_missing(run=runs[month]):
                if code in DEMO_EXCHANGE_RATES:
                    run_rate_set(run=runs[month], currency=code, rate=DEMO_EXCHANGE_RATES[code], by=replay.admin)

        def post(month=month) -> None:
            runs[month] = run_post(run=runs[month], by=replay.admin)

        def payout(month=month) -> None:
            batches[month] = payout_batch_create(
                threshold=PAYOUT_THRESHOLD, by=replay.admin, period=period_get_or_create(day=month)
            )

        def paid(month=month) -> None:
            payout_batch_mark_paid(batch=batches[month], by=replay.admin)

        day = datetime.timedelta(days=1)
        replay.schedule(replay.at(close_day, 7), close, batched=False)
        replay.schedule(replay.at(close_day + day, 10), preview, batched=False)
        replay.schedule(replay.at(close_day + day, 16, 30), approve, batched=False)
        replay.schedule(replay.at(close_day + 2 * day, 9, 30), post, batched=False)
        if index == 0 and len(finished) > 1:
            replay.schedule(replay.at(close_day + 4 * day, 10), payout, batched=False)
            replay.schedule(replay.at(close_day + 6 * day, 11), paid, batched=False)


def _refund_candidate(*, period_start: datetime.date, placed_by: str, multi: bool = False):
    from django.db.models import F

    from core.commerce.models import Order, OrderStatus

    orders = Order.objects.filter(
        period_start=period_start, status=OrderStatus.SHIPPED, placed_by=placed_by, total__lte=Decimal("250.00")
    )
    if multi:
        orders = orders.filter(lines__quantity__gte=2)
    return orders.order_by(F("cv_total").desc(), "number").first()


def _refunds_schedule(replay: Replay, first_day: datetime.date, today: datetime.date) -> None:
    """A return from a month already posted (clawed back when the next month posts), a damaged item in the next
    month, and an order placed twice by mistake this month."""
    from core.commerce.models import PlacedBy
    from core.commerce.services.refunds import order_refund

    months = month_starts(first_day, today)

    def returned() -> None:
        order = _refund_candidate(period_start=months[0], placed_by=PlacedBy.DISTRIBUTOR)
        if order is not None:
            order_refund(order=order, reason="Returned unopened within 30 days", restock=True, by=replay.admin)

    def damaged() -> None:
        order = _refund_candidate(period_start=months[1], placed_by=PlacedBy.DISTRIBUTOR, multi=True)
        if order is not None:
            line = order.lines.filter(quantity__gte=2).order_by("id").first()
            order_refund(
                order=order, lines={line.pk: 1}, restock=False, by=replay.admin,
                reason="One tub arrived damaged; the buyer kept the rest",
            )  # fmt: skip

    def twice() -> None:
        order = _refund_candidate(period_start=months[-1], placed_by=PlacedBy.CUSTOMER)
        if order is not None:
            order_refund(order=order, reason="Ordered twice by mistake", restock=True, by=replay.admin)

    if len(months) >= 3:
        replay.schedule(replay.at(months[1] + datetime.timedelta(days=9), 11), returned, batched=False)
        replay.schedule(replay.at(months[1] + datetime.timedelta(days=21), 14), damaged, batched=False)
        replay.schedule(replay.at(max(today - datetime.timedelta(days=5), months[-1]), 10), twice, batched=False)


def _current_period_preview(replay: Replay, today: datetime.date) -> None:
    """The month in progress: previewed (pending), its projection refreshed for the distributors' dashboards."""
    from core.commerce.services.volume import volume_recompute_period
    from plans.services import period_get_or_create, period_projection_refresh, run_preview

    period = period_get_or_create(day=today)
    volume_recompute_period(period_start=period.start)
    run_preview(period=period, by=replay.admin)
    period_projection_refresh()
