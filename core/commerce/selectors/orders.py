"""Which orders a user may see (the API's and the pages' scoping): staff all, a distributor their own and those
credited to them, a customer their own."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from core.accounts.models import User
from core.accounts.selectors import actor_for
from core.commerce.models import (
    VOLUME_STATUSES,
    Coupon,
    Order,
)


def orders_visible_to(user: User | AnonymousUser) -> QuerySet[Order]:
    """Staff see every order; a distributor their own orders and those credited to them (customers, parties);
    a customer their own orders. Anyone else sees nothing."""
    orders = Order.objects.select_related("credited_member", "buyer_member", "buyer_customer", "market")
    actor = actor_for(user)
    if actor.is_company_staff:
        return orders
    if actor.member is not None:
        return orders.filter(Q(credited_member=actor.member) | Q(buyer_member=actor.member))
    if actor.customer is not None:
        return orders.filter(buyer_customer=actor.customer)
    return orders.none()


def order_visible_to(user, *, number: int) -> Order | None:
    """One order of ``orders_visible_to(user)`` with its lines, payments and refunds."""
    return (
        orders_visible_to(user)
        .filter(number=number)
        .select_related("coupon")
        .prefetch_related("lines", "payments", "refunds")
        .first()
    )


def order_with_number(*, number: int) -> Order | None:
    """An order by number, for a page that checked who may see it otherwise (a guest's order in their session)."""
    return (
        Order.objects.filter(number=number)
        .select_related("coupon", "credited_member", "buyer_customer")
        .prefetch_related("lines", "payments", "refunds")
        .first()
    )


def orders_of_distributor(user, *, member, kind: str = "") -> QuerySet[Order]:
    """A distributor's orders page: ``kind`` "mine" (bought by them), "customers" (credited to them, bought by
    someone else) or "" (every order they may see), newest first."""
    found = orders_visible_to(user)
    if kind == "mine":
        found = found.filter(buyer_member=member)
    elif kind == "customers":
        found = found.filter(credited_member=member).filter(~Q(buyer_member=member) | Q(buyer_member__isnull=True))
    return found.order_by("-placed_at", "-id")


def order_list(*, query: str = "", status: str = "") -> QuerySet[Order]:
    """The console's orders: a buyer's name or e-mail, the credited distributor's username, or (digits) an order or
    member number; in ``status``; newest first."""
    found = Order.objects.select_related("credited_member", "buyer_member", "buyer_customer", "market").order_by(
        "-placed_at", "-id"
    )
    if query:
        match = (
            Q(buyer_name__icontains=query)
            | Q(buyer_customer__email__icontains=query)
            | Q(buyer_customer__last_name__icontains=query)
            | Q(buyer_member__email__icontains=query)
            | Q(buyer_member__last_name__icontains=query)
            | Q(credited_member__username__iexact=query)
        )
        if query.isdigit():
            match |= Q(number=int(query)) | Q(credited_member__number=int(query))
        found = found.filter(match)
    return found.filter(status=status) if status else found


def order_by_number(*, number: int) -> Order | None:
    """One order with everything its console page shows."""
    return (
        Order.objects.filter(number=number)
        .select_related("credited_member", "buyer_member", "buyer_customer", "coupon", "warehouse")
        .prefetch_related("lines", "payments", "refunds")
        .first()
    )


def coupon_orders(*, coupon: Coupon) -> QuerySet[Order]:
    return Order.objects.filter(coupon=coupon).select_related("credited_member").order_by("-placed_at", "-id")


def member_recent_orders(*, member, limit: int = 5) -> list[dict[str, Any]]:
    """A member's own latest paid orders for an upline's view of them: when, amount, currency and PV only (no
    products, addresses or payment details)."""
    rows = (
        Order.objects.filter(buyer_member=member, status__in=VOLUME_STATUSES)
        .order_by("-placed_at", "-id")
        .values("placed_at", "total", "currency", "pv_total")[:limit]
    )
    return [dict(row) for row in rows]
