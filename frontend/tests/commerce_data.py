"""Commerce data for page tests: a small catalogue with stock, and alpha's Stripe key pointed at the emulator."""

from __future__ import annotations

from decimal import Decimal

from core.commerce.services.catalogue import product_create
from core.commerce.services.commerce_settings import commerce_settings_get
from core.commerce.services.stock import stock_receive, warehouse_default


def catalogue_make() -> dict:
    warehouse = warehouse_default()
    shake = product_create(
        sku="SHAKE",
        name="Protein Shake",
        retail_price=Decimal("49.99"),
        preferred_price=Decimal("44.99"),
        distributor_price=Decimal("39.99"),
        pv=Decimal("40"),
        cv=Decimal("35"),
        low_stock_threshold=5,
    )
    bar = product_create(
        sku="BAR",
        name="Energy Bar",
        retail_price=Decimal("10.00"),
        distributor_price=Decimal("8.00"),
        pv=Decimal("8"),
        cv=Decimal("7"),
    )
    stock_receive(product=shake, warehouse=warehouse, quantity=20)
    stock_receive(product=bar, warehouse=warehouse, quantity=3)
    return {"shake": shake, "bar": bar, "warehouse": warehouse}


def stripe_key_set(api_key: str) -> None:
    row = commerce_settings_get()
    row.stripe_secret_key = api_key
    row.save()
