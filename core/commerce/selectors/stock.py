"""Stock reads: what is running low."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet, Sum

from core.commerce.models import (
    Product,
    ProductStatus,
    StockLevel,
    StockMovement,
    Warehouse,
)


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


FEW_LEFT_AT = 5  # "Only 3 left" from this many down; more reads "In stock"


@dataclass(frozen=True)
class StockState:
    """What a shopper is told about a product's stock: ``left`` is set only when few are left."""

    in_stock: bool
    left: int | None = None


def stock_states(*, products: list[Product]) -> dict[int, StockState]:
    """product id -> its stock state for shoppers, in one query: untracked or backorderable products are always in
    stock; others count what the active warehouses hold (orders leave from the default one, which is active)."""
    tracked = [p.pk for p in products if p.track_inventory and not p.allow_backorder]
    on_hand = dict(
        StockLevel.objects.filter(product_id__in=tracked, warehouse__is_active=True)
        .values("product_id")
        .annotate(total=Sum("on_hand"))
        .values_list("product_id", "total")
    )
    states = {}
    for product in products:
        if product.pk not in tracked:
            states[product.pk] = StockState(in_stock=True)
            continue
        count = max(on_hand.get(product.pk) or 0, 0)
        states[product.pk] = StockState(in_stock=count > 0, left=count if 0 < count <= FEW_LEFT_AT else None)
    return states


def product_stock_levels(*, product: Product) -> QuerySet[StockLevel]:
    return StockLevel.objects.filter(product=product).select_related("warehouse").order_by("warehouse_id")


def product_stock_movements(*, product: Product) -> QuerySet[StockMovement]:
    return StockMovement.objects.filter(product=product).select_related("warehouse", "order").order_by("-id")


def stock_levels_list(*, query: str = "") -> QuerySet[StockLevel]:
    levels = StockLevel.objects.select_related("product", "warehouse").order_by("product__sku", "warehouse_id")
    if query:
        levels = levels.filter(Q(product__sku__icontains=query) | Q(product__name__icontains=query))
    return levels


def warehouses_active() -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(is_active=True).order_by("id")


def warehouses_list() -> QuerySet[Warehouse]:
    return Warehouse.objects.order_by("id")


def warehouse_by_code(*, code: str) -> Warehouse | None:
    return Warehouse.objects.filter(code__iexact=code).first()


def stock_levels_by_codes(*, sku: str = "", warehouse: str = "") -> QuerySet[StockLevel]:
    """Quantities on hand by SKU and warehouse code (each optional, case-insensitive)."""
    levels = StockLevel.objects.select_related("product", "warehouse").order_by("product__sku", "warehouse__code")
    if sku:
        levels = levels.filter(product__sku__iexact=sku)
    if warehouse:
        levels = levels.filter(warehouse__code__iexact=warehouse)
    return levels


def stock_movements_by_codes(*, sku: str = "", warehouse: str = "", kind: str = "") -> QuerySet[StockMovement]:
    """The movement ledger, newest first, by SKU, warehouse code (case-insensitive) and kind (each optional)."""
    movements = StockMovement.objects.select_related("product", "warehouse", "order", "created_by").order_by("-id")
    if sku:
        movements = movements.filter(product__sku__iexact=sku)
    if warehouse:
        movements = movements.filter(warehouse__code__iexact=warehouse)
    if kind:
        movements = movements.filter(kind=kind)
    return movements
