"""Counting a company's usage from its own schema. Every function here runs inside the company's schema context
(the caller sets it) and only reads.

Members are users with the distributor role (customers are not members, see /work/shared/domain.md).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q

from core.accounts.models import Role, User
from core.commerce.selectors.billing import billable_activity_between


@dataclass(frozen=True)
class CommerceActivity:
    """What the commerce app knows about a month: orders placed, and which members ordered or paid a subscription."""

    orders: int = 0
    ordering_user_ids: frozenset[int] = field(default_factory=frozenset)
    subscription_payer_user_ids: frozenset[int] = field(default_factory=frozenset)


def commerce_activity(*, start: datetime.datetime, end: datetime.datetime) -> CommerceActivity:
    """The seam to the commerce app: orders paid in [start, end), and the users (User ids in this schema) of the
    distributors who ordered for themselves or paid their back-office fee in it; the plan's active-member rule
    decides which sets count."""
    activity = billable_activity_between(start=start, end=end)
    return CommerceActivity(
        orders=activity.orders,
        ordering_user_ids=activity.ordering_user_ids,
        subscription_payer_user_ids=activity.subscription_payer_user_ids,
    )


def members_logged_in(*, start: datetime.datetime, end: datetime.datetime) -> frozenset[int]:
    """Distributors who logged in during [start, end) (UTC midnights: the billing month).

    Every login leaves a LoginDay (core.accounts), so a later login never hides an earlier one. `last_login` in the
    month counts too: it covers logins from before LoginDay existed.
    """
    first_day, after_last_day = start.astimezone(datetime.UTC).date(), end.astimezone(datetime.UTC).date()
    ids = (
        User.objects.filter(role=Role.DISTRIBUTOR)
        .filter(
            Q(login_days__day__gte=first_day, login_days__day__lt=after_last_day)
            | Q(last_login__gte=start, last_login__lt=end)
        )
        .values_list("id", flat=True)
        .distinct()
    )
    return frozenset(ids)


def member_ids(user_ids: frozenset[int]) -> frozenset[int]:
    """The subset of `user_ids` that are distributors."""
    if not user_ids:
        return frozenset()
    return frozenset(User.objects.filter(id__in=user_ids, role=Role.DISTRIBUTOR).values_list("id", flat=True))
