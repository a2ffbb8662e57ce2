"""Commerce data for page tests: a small catalogue with stock."""

from __future__ import annotations

from core.commerce.services.stock import warehouse_default
from tests.factories.catalogue import BarFactory, ShakeFactory


def catalogue_make() -> dict:
    """SHAKE with 20 in stock (low below 5) and BAR with 3."""
    warehouse = warehouse_default()
    shake = ShakeFactory(low_stock_threshold=5, stock=20)
    bar = BarFactory(stock=3)
    return {"shake": shake, "bar": bar, "warehouse": warehouse}
