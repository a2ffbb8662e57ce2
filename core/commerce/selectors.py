"""Reads other parts of Canopy call: volume per member (plans), PSV in a window (demotion), subscription history
(demotion), orders for the plan engine, and the scoped order lists of the API. Each set-based read is one query."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from core.accounts.selectors import actor_for
from core.commerce.models import (
    ZERO,
    AttemptOutcome,
    MemberVolume,
    Order,
    OrderStatus,
    Party,
    Product,
    ProductImage,
    ProductStatus,
    StockLevel,
    SubscriptionAttempt,
)
from core.commerce.services import VOLUME_STATUSES


@dataclass(frozen=True)
class Volume:
    pv: Decimal
    psv: Decimal
    cv: Decimal


def _paid_between(start_date: datetime.date, end_date: datetime.date) -> QuerySet[Order]:
    return Order.objects.filter(status__in=VOLUME_STATUSES, paid_on__gte=start_date, paid_on__lte=end_date)


def volume_by_member(period_start: datetime.date, period_end: datetime.date) -> dict[int, Volume]:
    """PV, PSV and CV per credited member for orders paid from period_start to period_end (both inclusive),
    net of refunds. Members without orders are absent (read a missing key as zero)."""
    personal = Q(buyer_member_id=F("credited_member_id"))
    rows = (
        _paid_between(period_start, period_end)
        .values("credited_member_id")
        .annotate(
            pv=Coalesce(Sum(F("pv_total") - F("refunded_pv"), filter=personal), ZERO),
            psv=Sum(F("pv_total") - F("refunded_pv")),
            cv=Sum(F("cv_total") - F("refunded_cv")),
        )
    )
    return {r["credited_member_id"]: Volume(pv=r["pv"], psv=r["psv"], cv=r["cv"]) for r in rows}


def psv_by_member_between(start_date: datetime.date, end_date: datetime.date) -> dict[int, Decimal]:
    """Net PSV per credited member for orders paid in [start_date, end_date]; one query."""
    rows = (
        _paid_between(start_date, end_date)
        .values("credited_member_id")
        .annotate(psv=Sum(F("pv_total") - F("refunded_pv")))
    )
    return {r["credited_member_id"]: r["psv"] for r in rows}


def pv_by_member_between(start_date: datetime.date, end_date: datetime.date) -> dict[int, Decimal]:
    """Net PV (own purchases only) per member, for policies whose PSV basis is personal purchases; one query."""
    rows = (
        _paid_between(start_date, end_date)
        .filter(buyer_member_id=F("credited_member_id"))
        .values("credited_member_id")
        .annotate(pv=Sum(F("pv_total") - F("refunded_pv")))
    )
    return {r["credited_member_id"]: r["pv"] for r in rows}


def member_volumes(*, member_id: int, limit: int = 24) -> QuerySet[MemberVolume]:
    return MemberVolume.objects.filter(member_id=member_id).order_by("-period_start")[:limit]


def orders_for_commissions(start_date: datetime.date, end_date: datetime.date) -> list[dict]:
    """One row per order paid in the window, net of refunds, with what the plan engine needs (retail profit =
    net retail - net distributor on customers' orders)."""
    return list(
        _paid_between(start_date, end_date)
        .order_by("id")
        .values(
            "id",
            "number",
            "credited_member_id",
            "buyer_member_id",
            "buyer_customer_id",
            "placed_by",
            "price_tier",
            "paid_on",
            "period_start",
            "party_id",
        )
        .annotate(
            net_pv=F("pv_total") - F("refunded_pv"),
            net_cv=F("cv_total") - F("refunded_cv"),
            net_retail=F("retail_total") - F("refunded_retail"),
            net_distributor=F("distributor_total") - F("refunded_distributor"),
            net_subtotal=F("subtotal") - F("discount"),
        )
    )


# ---------------------------------------------------------------------------------------------------- subscription


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
        SubscriptionAttempt.objects.exclude(outcome=AttemptOutcome.PAID)
        .annotate(last_paid=Subquery(last_paid))
        .filter(Q(last_paid__isnull=True) | Q(attempted_at__gt=F("last_paid")))
        .values("member_id")
        .annotate(first=Min("attempted_at"))
    )
    return {r["member_id"]: r["first"].date() for r in rows}


# ---------------------------------------------------------------------------------------------------- API scoping


def orders_visible_to(user) -> QuerySet[Order]:
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


def parties_visible_to(user) -> QuerySet[Party]:
    """Staff see every party; a consultant their own. With each party's order count and sales (cancelled excluded)."""
    parties = (
        Party.objects.select_related("consultant")
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


def products_for_sale() -> QuerySet[Product]:
    return Product.objects.filter(status=ProductStatus.ACTIVE).select_related("category")


def product_images_for_sale() -> QuerySet[ProductImage]:
    """Pictures the public may see: those of products for sale (a retired product's pictures stay private)."""
    return ProductImage.objects.filter(product__status=ProductStatus.ACTIVE).exclude(image="")


def product_first_images(*, product_ids: list[int]) -> dict[int, ProductImage]:
    """product id -> its first picture (lowest position), for a page of products in one query."""
    images = (
        product_images_for_sale()
        .filter(product_id__in=product_ids)
        .order_by("product_id", "position", "id")
        .distinct("product_id")
    )
    return {image.product_id: image for image in images}


def low_stock() -> QuerySet[StockLevel]:
    """Tracked, active products at or below their threshold, per warehouse."""
    return (
        StockLevel.objects.filter(
            product__track_inventory=True,
            product__status=ProductStatus.ACTIVE,
            on_hand__lte=F("product__low_stock_threshold"),
        )
        .select_related("product", "warehouse")
        .order_by("product__sku", "warehouse__code")
    )


# ---------------------------------------------------------------------------------------------------- provider billing


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
