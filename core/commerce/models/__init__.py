"""Commerce, per company schema: products and price tiers, stock, orders with their price/volume snapshot, payments,
refunds, the volume each order creates for members per commission period, and the back-office subscription.

Volume rules (see services.volume_recompute and selectors):
* An order counts from the day it is paid (``paid_on``, in the company's time zone), in the commission period that
  contains that day (``period_start``). Refunds reduce the order's own net figures (``refunded_pv`` ...), so the
  volume of the order's original period goes down; if that period was already closed for commissions, a
  ``ClawbackFlag`` records what the plan engine must claw back in a later period.
* PV: a distributor's own orders. PSV: PV plus the orders of the distributor's customers. CV: the commissionable value
  of every order credited to the member (own and customers'). Coupons reduce money, never volume.

The models live in one module per concern; this package re-exports every one of them, so `core.commerce.models`
stays the one import path (Django finds the models through it; the app label stays `commerce`).
"""

from core.commerce.models.base import (
    ZERO,
    CommerceSettings,
    money_field,
    volume_field,
)
from core.commerce.models.catalogue import (
    Coupon,
    CouponKind,
    MarketPrice,
    MovementKind,
    Product,
    ProductCategory,
    ProductImage,
    ProductStatus,
    ShippingMethod,
    StockLevel,
    StockMovement,
    TaxRate,
    Warehouse,
)
from core.commerce.models.imports import (
    ImportStatus,
    SalesImport,
)
from core.commerce.models.orders import (
    REFUNDABLE_STATUSES,
    VOLUME_STATUSES,
    Order,
    OrderLine,
    OrderStatus,
    Party,
    PartyStatus,
    Payment,
    PaymentAttempt,
    PaymentAttemptStatus,
    PaymentMethod,
    PaymentStatus,
    PlacedBy,
    PriceTier,
    Refund,
    RefundLine,
)
from core.commerce.models.recurring import (
    AttemptOutcome,
    Autoship,
    AutoshipItem,
    AutoshipRun,
    AutoshipStatus,
    BackOfficeSubscription,
    SubscriptionAttempt,
    SubscriptionStatus,
)
from core.commerce.models.volume import (
    ClawbackFlag,
    CommissionPeriodClose,
    MemberVolume,
)

__all__ = [
    "AttemptOutcome",
    "Autoship",
    "AutoshipItem",
    "AutoshipRun",
    "AutoshipStatus",
    "BackOfficeSubscription",
    "ClawbackFlag",
    "CommerceSettings",
    "CommissionPeriodClose",
    "Coupon",
    "CouponKind",
    "MarketPrice",
    "ImportStatus",
    "MemberVolume",
    "MovementKind",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Party",
    "PartyStatus",
    "Payment",
    "PaymentAttempt",
    "PaymentAttemptStatus",
    "PaymentMethod",
    "PaymentStatus",
    "PlacedBy",
    "PriceTier",
    "Product",
    "ProductCategory",
    "ProductImage",
    "ProductStatus",
    "REFUNDABLE_STATUSES",
    "Refund",
    "RefundLine",
    "SalesImport",
    "StockLevel",
    "ShippingMethod",
    "StockMovement",
    "SubscriptionAttempt",
    "SubscriptionStatus",
    "TaxRate",
    "VOLUME_STATUSES",
    "Warehouse",
    "ZERO",
    "money_field",
    "volume_field",
]
