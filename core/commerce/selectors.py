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


# ---- selectors added for frontend/ (to be relocated by the lead) ----
# The web pages' reads, moved out of frontend/ as they were (same filters, order and related rows). The imports
# sit here, not at the top, so that this block is the only change to the file.

from core.commerce.models import (  # noqa: E402
    Autoship,
    AutoshipItem,
    AutoshipRun,
    BackOfficeSubscription,
    Coupon,
    OrderLine,
    ProductCategory,
    StockMovement,
    TaxRate,
    Warehouse,
)


def products_for_sale_search(*, query: str = "") -> QuerySet[Product]:
    """The shop's catalogue: products for sale by name, or the one whose SKU is ``query``."""
    products = products_for_sale().order_by("name", "sku")
    if query:
        products = products.filter(name__icontains=query) | products.filter(sku__iexact=query)
    return products


def products_for_sale_by_sku(*, skus: list[str]) -> dict[str, Product]:
    return {product.sku: product for product in products_for_sale().filter(sku__in=skus)}


def order_visible_to(user, *, number: int) -> Order | None:
    """One order of ``orders_visible_to(user)`` with its lines, payments and refunds."""
    return (
        orders_visible_to(user)
        .filter(number=number)
        .select_related("coupon")
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


def parties_visible_in_status(user, *, status: str = "") -> QuerySet[Party]:
    """``parties_visible_to(user)``, only those in ``status`` when given."""
    parties = parties_visible_to(user)
    return parties.filter(status=status) if status else parties


def party_orders(*, party: Party) -> QuerySet[Order]:
    return Order.objects.filter(party=party).order_by("-placed_at", "-id")


def autoships_of(*, member) -> QuerySet[Autoship]:
    return Autoship.objects.filter(member=member).prefetch_related("items__product").order_by("-id")


def autoship_items(*, autoship: Autoship) -> QuerySet[AutoshipItem]:
    return autoship.items.select_related("product").order_by("id")


def autoship_runs(*, autoship: Autoship) -> QuerySet[AutoshipRun]:
    return AutoshipRun.objects.filter(autoship=autoship).select_related("order").order_by("-run_on", "-id")


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


def products_all() -> QuerySet[Product]:
    return Product.objects.select_related("category").order_by("sku")


def product_list(*, query: str = "", status: str = "") -> QuerySet[Product]:
    """The console's products: SKU or name containing ``query``, in ``status``."""
    found = products_all()
    if query:
        found = found.filter(Q(sku__icontains=query) | Q(name__icontains=query))
    return found.filter(status=status) if status else found


def product_by_sku(*, sku: str) -> Product | None:
    return Product.objects.filter(sku__iexact=sku.strip()).first()


def product_stock_levels(*, product: Product) -> QuerySet[StockLevel]:
    return StockLevel.objects.filter(product=product).select_related("warehouse").order_by("warehouse_id")


def product_stock_movements(*, product: Product) -> QuerySet[StockMovement]:
    return StockMovement.objects.filter(product=product).select_related("warehouse", "order").order_by("-id")


def product_images(*, product: Product) -> list[ProductImage]:
    return list(product.images.order_by("position", "id"))


def product_image_get(*, product_id: int, image_id: int) -> ProductImage | None:
    return ProductImage.objects.filter(pk=image_id, product_id=product_id).first()


def stock_levels_list(*, query: str = "") -> QuerySet[StockLevel]:
    levels = StockLevel.objects.select_related("product", "warehouse").order_by("product__sku", "warehouse_id")
    if query:
        levels = levels.filter(Q(product__sku__icontains=query) | Q(product__name__icontains=query))
    return levels


def warehouses_active() -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(is_active=True).order_by("id")


def categories_list() -> QuerySet[ProductCategory]:
    return ProductCategory.objects.order_by("name", "id")


def products_in_category(*, category: ProductCategory) -> QuerySet[Product]:
    return Product.objects.filter(category=category).order_by("sku")


def order_list(*, query: str = "", status: str = "") -> QuerySet[Order]:
    """The console's orders: a buyer's name or e-mail, the credited distributor's username, or (digits) an order or
    member number; in ``status``; newest first."""
    found = Order.objects.select_related("credited_member", "buyer_member", "buyer_customer").order_by(
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


def tax_rates_list() -> QuerySet[TaxRate]:
    return TaxRate.objects.order_by("country", "region")


def coupons_list() -> QuerySet[Coupon]:
    return Coupon.objects.order_by("code")


def coupon_orders(*, coupon: Coupon) -> QuerySet[Order]:
    return Order.objects.filter(coupon=coupon).select_related("credited_member").order_by("-placed_at", "-id")


def sales_by_day(*, start: datetime.date, end: datetime.date) -> QuerySet:
    """Paid orders per day, net of refunds."""
    return (
        Order.objects.filter(status__in=VOLUME_STATUSES, paid_on__gte=start, paid_on__lte=end)
        .values("paid_on")
        .annotate(
            orders=Count("id"),
            net_sales=Sum(F("total") - F("refunded_amount")),
            tax=Sum("tax"),
            pv=Sum(F("pv_total") - F("refunded_pv")),
            cv=Sum(F("cv_total") - F("refunded_cv")),
        )
        .order_by("paid_on")
    )


def sales_by_product(*, start: datetime.date, end: datetime.date) -> QuerySet:
    """Units, sales and PV per product of the paid orders, net of refunded units."""
    return (
        OrderLine.objects.filter(order__status__in=VOLUME_STATUSES, order__paid_on__gte=start, order__paid_on__lte=end)
        .values("sku", "name")
        .annotate(
            units=Sum(F("quantity") - F("refunded_quantity")),
            sales=Sum("line_subtotal"),
            pv=Sum(F("unit_pv") * (F("quantity") - F("refunded_quantity"))),
        )
        .order_by("sku", "name")
    )


def volumes_for_period(*, period_start: datetime.date) -> QuerySet:
    return (
        MemberVolume.objects.filter(period_start=period_start)
        .select_related("member")
        .order_by("member__number")
        .values("member__number", "member__first_name", "member__last_name", "pv", "psv", "cv")
    )
