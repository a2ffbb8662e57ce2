"""Catalogue factories: categories, products (with stock when asked), warehouses, stock receipts, tax rates, coupons.

``ProductFactory(stock=20)`` receives 20 units into the default warehouse (``stock__warehouse=w`` for another).
``ShakeFactory``, ``BarFactory``, ``BookFactory`` and ``KitFactory`` are the products the tests' stories are told with
(their prices and volumes are in the assertions of many tests, so they are declared once, here)."""

from __future__ import annotations

from decimal import Decimal

import factory

from core.commerce.models import Coupon, CouponKind, Product, ProductCategory, StockMovement, TaxRate, Warehouse
from core.commerce.services.catalogue import product_category_create, product_create
from core.commerce.services.coupons import coupon_create
from core.commerce.services.stock import stock_receive, warehouse_create, warehouse_default
from core.commerce.services.tax import tax_rate_create


class CategoryFactory(factory.Factory):
    class Meta:
        model = ProductCategory

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")

    @classmethod
    def _create(cls, model_class, **kwargs) -> ProductCategory:
        return product_category_create(**kwargs)


class WarehouseFactory(factory.Factory):
    class Meta:
        model = Warehouse

    code = factory.Sequence(lambda n: f"WH{n}")
    name = factory.Sequence(lambda n: f"Warehouse {n}")
    country = ""

    @classmethod
    def _create(cls, model_class, **kwargs) -> Warehouse:
        return warehouse_create(**kwargs)


class ProductFactory(factory.Factory):
    """A product priced 10.00 retail / 8.00 distributor, no volume, taxable, stock tracked (and none received)."""

    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    retail_price = Decimal("10.00")
    distributor_price = Decimal("8.00")
    preferred_price = None
    pv = Decimal("0")
    cv = Decimal("0")
    description = ""
    category = None
    taxable = True
    track_inventory = True
    allow_backorder = False
    low_stock_threshold = 0

    @classmethod
    def _create(cls, model_class, **kwargs) -> Product:
        return product_create(**kwargs)

    @factory.post_generation
    def stock(product, create, extracted, **kwargs):  # factory_boy passes the built product first
        """``stock=N``: N units received into ``stock__warehouse`` (default: the company's default warehouse)."""
        if create and extracted:
            stock_receive(product=product, warehouse=kwargs.get("warehouse") or warehouse_default(), quantity=extracted)


class ShakeFactory(ProductFactory):
    """SHAKE: 49.99 retail, 44.99 preferred, 39.99 distributor; 40 PV, 35 CV."""

    sku = "SHAKE"
    name = "Protein Shake"
    retail_price = Decimal("49.99")
    preferred_price = Decimal("44.99")
    distributor_price = Decimal("39.99")
    pv = Decimal("40")
    cv = Decimal("35")


class BarFactory(ProductFactory):
    """BAR: 10.00 retail, 8.00 distributor; 8 PV, 7 CV."""

    sku = "BAR"
    name = "Energy Bar"
    retail_price = Decimal("10.00")
    distributor_price = Decimal("8.00")
    pv = Decimal("8")
    cv = Decimal("7")


class BookFactory(ProductFactory):
    """BOOK: 20.00 retail, 15.00 distributor; no PV, 10 CV; not taxable."""

    sku = "BOOK"
    name = "Recipe book"
    retail_price = Decimal("20.00")
    distributor_price = Decimal("15.00")
    pv = Decimal("0")
    cv = Decimal("10")
    taxable = False


class KitFactory(ProductFactory):
    """KIT, the plan tests' product: 125.00 retail, 100.00 distributor; 100 PV and 100 CV, so one kit makes a
    member active (100 PV) and pays 10 % = 10.00 a level up; no stock kept, no tax."""

    sku = "KIT"
    name = "Kit"
    retail_price = Decimal("125.00")
    distributor_price = Decimal("100.00")
    pv = Decimal("100")
    cv = Decimal("100")
    track_inventory = False
    taxable = False


class StockReceiptFactory(factory.Factory):
    """Units received into a warehouse (one ledger row, the level raised)."""

    class Meta:
        model = StockMovement

    product = factory.SubFactory(ProductFactory)
    warehouse = factory.LazyFunction(warehouse_default)
    quantity = 10
    note = ""

    @classmethod
    def _create(cls, model_class, **kwargs) -> StockMovement:
        return stock_receive(**kwargs)


class TaxRateFactory(factory.Factory):
    class Meta:
        model = TaxRate

    country = "US"
    region = ""
    rate = Decimal("0.0500")
    name = ""
    is_active = True

    @classmethod
    def _create(cls, model_class, **kwargs) -> TaxRate:
        return tax_rate_create(**kwargs)


class CouponFactory(factory.Factory):
    """A 10 % coupon; other fields (``min_subtotal``, ``max_uses``, dates…) pass through to ``coupon_create``."""

    class Meta:
        model = Coupon

    code = factory.Sequence(lambda n: f"SAVE{n}")
    kind = CouponKind.PERCENT
    value = Decimal("10")

    @classmethod
    def _create(cls, model_class, **kwargs) -> Coupon:
        return coupon_create(**kwargs)
