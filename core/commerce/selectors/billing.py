"""What the provider bills a company for (read by billing.metering)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from core.commerce.models import VOLUME_STATUSES, AttemptOutcome, Order, SubscriptionAttempt


@dataclass(frozen=True)
class BillableActivity:
    orders: int
    ordering_user_ids: frozenset[int]
    subscription_payer_user_ids: frozenset[int]


def billable_activity_between(*, start: datetime.datetime, end: datetime.datetime) -> BillableActivity:
    """What the provider bills a company for in [start, end): orders paid in the window (cancelled and never-paid
    orders do not count; a later refund does not undo the sale), the users of the distributors who bought for
    themselves, and those of the distributors who paid a back-office fee (a zero fee is not a payment). Orders are
    counted when paid, like volume. One query each."""
    paid = Order.objects.filter(status__in=VOLUME_STATUSES, paid_at__gte=start, paid_at__lt=end)
    buyers = (
        paid.filter(buyer_member__isnull=False).values_list("buyer_member__user_id", flat=True).order_by().distinct()
    )
    payers = (
        SubscriptionAttempt.objects.filter(
            outcome=AttemptOutcome.PAID, amount__gt=0, attempted_at__gte=start, attempted_at__lt=end
        )
        .values_list("member__user_id", flat=True)
        .order_by()
        .distinct()
    )
    return BillableActivity(
        orders=paid.count(),
        ordering_user_ids=frozenset(buyers),
        subscription_payer_user_ids=frozenset(payers),
    )
