"""What the demo company's last three months hold, decided before anything is written: who orders what and when
(a new member starts with the Starter Kit, most reorder monthly, their customers buy), and the warehouse's deliveries
that cover those orders. Random but repeatable (the caller's seeded generator); no database access."""

from __future__ import annotations

import datetime
import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DECLINED_SHARE = 0.02  # a first card declined, the second accepted
UNPAID_SHARE = 0.04  # of the last two days' orders: still waiting for payment
CASE = 24  # stock arrives in cases
# Stock left after the last delivery, per SKU: two products run low (under their threshold), the rest are comfortable.
LOW_STOCK_LEFT = {"OMEGA": 9, "SLEEP": 14}
LOW_STOCK_THRESHOLD = {"GREENS": 60, "SHAKE": 48, "OMEGA": 30, "SLEEP": 30, "KIT": 24, "BOOK": 12}
SUPPLIER = {
    "GREENS": "Northwind Nutrition",
    "SHAKE": "Northwind Nutrition",
    "OMEGA": "Bluewater Oils",
    "SLEEP": "Hillside Tea Co.",
    "KIT": "Acme fulfilment",
    "BOOK": "Printwell Press",
}
# Hours of the day people order at (weights): evenings more than mornings.
HOURS = [7, 8, 9, 10, 11, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 20, 20, 21, 21, 22]


@dataclass
class PlannedOrder:
    at: datetime.datetime
    buyer: object  # a Member or a Customer
    lines: list[tuple[str, int]]
    declined_first: bool = False
    unpaid: bool = False
    express: bool = False
    pay_after: int = 60  # seconds from placing to paying


def month_starts(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def orders_plan(
    rng: random.Random,
    *,
    members: list,
    customers_by_member: dict[int, list],
    stopped_after: dict[int, datetime.date],
    first_day: datetime.date,
    now: datetime.datetime,
    zone: ZoneInfo,
    skus: list[str],
) -> list[PlannedOrder]:
    """Who buys what when: a new member starts with the Starter Kit; most members reorder their staples each month
    (about 140 PV, enough to stay qualified); half of their customers buy each month. Those who stopped buy no more."""
    today = now.astimezone(zone).date()
    planned: list[PlannedOrder] = []

    def moment(day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(rng.choice(HOURS), rng.randint(0, 59)), tzinfo=zone)

    for member in members:
        joined = member.joined_at.date()
        last_active = min(today, stopped_after.get(member.pk, today))
        if joined >= first_day:
            planned.append(PlannedOrder(moment(joined), member, [("KIT", 1), (rng.choice(skus[:3]), 1)]))
        for month in month_starts(first_day, today):
            day = month + datetime.timedelta(days=rng.randint(0, 27))
            if day > today or day <= joined or day > last_active:
                continue
            if rng.random() < 0.85:
                lines = [(rng.choice([*skus[:3], "KIT"]), rng.randint(2, 4))]
                if rng.random() < 0.2:
                    lines.append((rng.choice(["SLEEP", "BOOK"]), 1))
                planned.append(PlannedOrder(moment(day), member, lines))
            for customer in customers_by_member.get(member.pk, []):
                if rng.random() < 0.5 and customer.joined_at.date() <= day:
                    planned.append(PlannedOrder(moment(day), customer, [(rng.choice(skus[:4]), rng.randint(1, 2))]))
    planned = [p for p in planned if p.at <= now - datetime.timedelta(minutes=5)]  # paid within minutes
    planned.sort(key=lambda p: p.at)
    recent = now - datetime.timedelta(days=2)
    for order in planned:
        order.declined_first = rng.random() < DECLINED_SHARE
        order.unpaid = order.at > recent and rng.random() < UNPAID_SHARE
        order.express = rng.random() < 0.15
        order.pay_after = rng.randint(40, 240)
    return planned


def receipts_plan(
    planned: list[PlannedOrder], *, first_day: datetime.date, today: datetime.date, zone: ZoneInfo
) -> list[tuple[datetime.datetime, str, int, str]]:
    """Deliveries to the warehouse on the 1st and the 16th: enough for the next half month's orders and a margin,
    in whole cases; the opening stock on the first day. Two products are bought lean and run low."""
    windows = []
    for month in month_starts(first_day, today):
        windows += [month, month.replace(day=16)]
    windows = [w for w in windows if first_day <= w <= today]
    demand: dict[datetime.date, Counter] = defaultdict(Counter)
    for order in planned:
        day = order.at.astimezone(zone).date()
        window = max(w for w in windows if w <= day)
        for sku, quantity in order.lines:
            demand[window][sku] += quantity
    on_hand: Counter = Counter()
    receipts = []
    for index, window in enumerate(windows):
        for sku in SUPPLIER:
            need = demand[window][sku]
            if sku in LOW_STOCK_LEFT:  # bought lean, in exact quantities: it ends each half month nearly out
                quantity = max(need + LOW_STOCK_LEFT[sku] - on_hand[sku], 0)
            else:
                margin = max(math.ceil(need * 0.3), 2 * LOW_STOCK_THRESHOLD[sku])
                quantity = max(math.ceil((need + margin - on_hand[sku]) / CASE) * CASE, 0)
            if quantity:
                note = "Opening stock, counted on moving to Canopy" if index == 0 else f"Delivery from {SUPPLIER[sku]}"
                at = datetime.datetime.combine(window, datetime.time(6, 30), tzinfo=zone)  # before the first order
                receipts.append((at, sku, quantity, note))
            on_hand[sku] += quantity - need
    return receipts
