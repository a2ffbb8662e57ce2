"""Commerce writes, one module per concern (HackSoft-style services: keyword-only, typed, `<entity>_<action>`):

commerce_settings  the company's commerce settings            catalogue      products, categories, pictures, price tiers
stock              warehouses and the stock ledger            tax            tax rates
coupons            coupons and the locked look-up at order    orders         order_place (validate -> quote -> persist),
payments           offline, card and free payments                           cancel, ship, webhook payload
refunds            refunds with stock, volume and clawback    volume         member volume, period close, clawback flags
parties            parties and the guest order + payment      autoship       autoships and their daily runs
subscriptions      the back-office fee                        partner_imports  a partner's sales CSV
history            historic orders import (COPY)

Pricing itself is the pure core.commerce.pricing.order_quote. Import from the modules; this package only re-exports
what frontend/ imported from the old services.py.
"""

# re-exports for frontend/ until it imports the modules directly
from core.commerce.models import VOLUME_STATUSES
from core.commerce.services.catalogue import (
    customer_price_tier,
    member_price_tier,
    product_category_create,
    product_category_rename,
    product_create,
    product_image_add,
    product_image_remove,
    product_retire,
    product_update,
    unit_price_for,
)
from core.commerce.services.commerce_settings import commerce_settings_get
from core.commerce.services.coupons import coupon_create, coupon_update
from core.commerce.services.orders import LineRequest, order_cancel, order_place, order_ship
from core.commerce.services.parties import party_close, party_create, party_guest_order_place
from core.commerce.services.payments import OFFLINE_METHODS, order_pay_card, order_pay_offline
from core.commerce.services.refunds import order_refund
from core.commerce.services.stock import stock_adjust, stock_receive, warehouse_default
from core.commerce.services.tax import tax_rate_create, tax_rate_delete, tax_rate_update

__all__ = [
    "LineRequest",
    "OFFLINE_METHODS",
    "VOLUME_STATUSES",
    "commerce_settings_get",
    "coupon_create",
    "coupon_update",
    "customer_price_tier",
    "member_price_tier",
    "order_cancel",
    "order_pay_card",
    "order_pay_offline",
    "order_place",
    "order_refund",
    "order_ship",
    "party_close",
    "party_create",
    "party_guest_order_place",
    "product_category_create",
    "product_category_rename",
    "product_create",
    "product_image_add",
    "product_image_remove",
    "product_retire",
    "product_update",
    "stock_adjust",
    "stock_receive",
    "tax_rate_create",
    "tax_rate_delete",
    "tax_rate_update",
    "unit_price_for",
    "warehouse_default",
]
