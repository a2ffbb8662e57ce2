"""The back-office fee's payment history, as the demotion policy reads it (one query each)."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery

from core.commerce.models import (
    AttemptOutcome,
    BackOfficeSubscription,
    SubscriptionAttempt,
)


def last_paid_subscription_by_member() -> dict[int, datetime.date]:
    """The day (UTC date of the attempt) each member last paid the back-office fee; members who never paid are
    absent. One query."""
    rows = (
        SubscriptionAttempt.objects.filter(outcome=AttemptOutcome.PAID)
        .values("member_id")
        .annotate(last=Max("attempted_at"))
    )
    return {r["member_id"]: r["last"].date() for r in rows}


def first_unpaid_failure_by_member() -> dict[int, datetime.date]:
    """For members whose latest attempts failed: the day of the first failure since their last payment (the start
    of a decline grace period). One query."""
    last_paid = (
        SubscriptionAttempt.objects.filter(member_id=OuterRef("member_id"), outcome=AttemptOutcome.PAID)
        .order_by("-attempted_at")
        .values("attempted_at")[:1]
    )
    rows = (
        SubscriptionAttempt.objects.exclude(outcome__in=[AttemptOutcome.PAID, AttemptOutcome.IN_FLIGHT])
        .annotate(last_paid=Subquery(last_paid))
        .filter(Q(last_paid__isnull=True) | Q(attempted_at__gt=F("last_paid")))
        .values("member_id")
        .annotate(first=Min("attempted_at"))
    )
    return {r["member_id"]: r["first"].date() for r in rows}


def subscription_of(*, member) -> BackOfficeSubscription | None:
    return BackOfficeSubscription.objects.filter(member=member).first()


def subscription_attempts_of(*, member) -> QuerySet[SubscriptionAttempt]:
    return SubscriptionAttempt.objects.filter(member=member).order_by("-attempted_at", "-id")


def subscriptions_list(*, status: str = "") -> QuerySet[BackOfficeSubscription]:
    found = BackOfficeSubscription.objects.select_related("member").order_by("next_due_on", "id")
    return found.filter(status=status) if status else found


def subscription_status_counts() -> dict[str, int]:
    return dict(BackOfficeSubscription.objects.values_list("status").annotate(n=Count("id")))


def subscription_attempts_recent(*, limit: int = 20) -> QuerySet[SubscriptionAttempt]:
    return SubscriptionAttempt.objects.select_related("member").order_by("-attempted_at", "-id")[:limit]
