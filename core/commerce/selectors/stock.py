"""Stock reads: what is running low."""

from __future__ import annotations

from django.db.models import F, QuerySet

from core.commerce.models import ProductStatus, StockLevel


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
