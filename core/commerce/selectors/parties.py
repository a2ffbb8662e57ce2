"""Which parties a user may see, with each party's order count and sales."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet, Sum

from core.accounts.models import User
from core.accounts.selectors import actor_for
from core.commerce.models import (
    Order,
    OrderStatus,
    Party,
)


def parties_visible_to(user: User | AnonymousUser) -> QuerySet[Party]:
    """Staff see every party; a consultant their own. With each party's order count and sales (cancelled excluded)."""
    parties = (
        Party.objects.select_related("consultant", "host_member", "host_customer")
        .annotate(
            orders_count=Count("orders", filter=~Q(orders__status=OrderStatus.CANCELLED)),
            sales_total=Sum("orders__total", filter=~Q(orders__status=OrderStatus.CANCELLED)),
        )
        .order_by("-held_on", "-id")
    )
    actor = actor_for(user)
    if actor.is_company_staff:
        return parties
    return parties.filter(consultant=actor.member) if actor.member is not None else parties.none()


def parties_visible_in_status(user, *, status: str = "") -> QuerySet[Party]:
    """``parties_visible_to(user)``, only those in ``status`` when given."""
    parties = parties_visible_to(user)
    return parties.filter(status=status) if status else parties


def party_orders(*, party: Party) -> QuerySet[Order]:
    return Order.objects.filter(party=party).order_by("-placed_at", "-id")
