"""Which orders a user may see (the API's and the pages' scoping): staff all, a distributor their own and those
credited to them, a customer their own."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from core.accounts.models import User
from core.accounts.selectors import actor_for
from core.commerce.models import Order


def orders_visible_to(user: User | AnonymousUser) -> QuerySet[Order]:
    """Staff see every order; a distributor their own orders and those credited to them (customers, parties);
    a customer their own orders. Anyone else sees nothing."""
    orders = Order.objects.select_related("credited_member", "buyer_member", "buyer_customer")
    actor = actor_for(user)
    if actor.is_company_staff:
        return orders
    if actor.member is not None:
        return orders.filter(Q(credited_member=actor.member) | Q(buyer_member=actor.member))
    if actor.customer is not None:
        return orders.filter(buyer_customer=actor.customer)
    return orders.none()
