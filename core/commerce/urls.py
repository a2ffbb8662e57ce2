from django.urls import path

import config.converters  # noqa: F401 - the <id:…> path converter
from core.commerce.apis import admin, admin_settings, field, history, markets, shop

urlpatterns = [
    path("commerce/products/", shop.ProductListApi.as_view(), name="commerce-products"),
    path("commerce/orders/", shop.OrderListApi.as_view(), name="commerce-orders"),
    path("commerce/orders/<id:number>/", shop.OrderDetailApi.as_view(), name="commerce-order"),
    path("commerce/orders/<id:number>/pay/", shop.OrderPayApi.as_view(), name="commerce-order-pay"),
    path(
        "commerce/orders/<id:number>/offline-payment/",
        shop.OrderOfflinePaymentApi.as_view(),
        name="commerce-order-offline-payment",
    ),
    path("commerce/orders/<id:number>/cancel/", shop.OrderCancelApi.as_view(), name="commerce-order-cancel"),
    path("commerce/orders/<id:number>/ship/", shop.OrderShipApi.as_view(), name="commerce-order-ship"),
    path("commerce/orders/<id:number>/refunds/", shop.OrderRefundApi.as_view(), name="commerce-order-refund"),
    path("commerce/volume/", shop.VolumeApi.as_view(), name="commerce-volume"),
    path("commerce/stock/low/", shop.LowStockApi.as_view(), name="commerce-low-stock"),
    path("commerce/subscription/", shop.SubscriptionApi.as_view(), name="commerce-subscription"),
    path("commerce/subscription/card/", shop.SubscriptionCardApi.as_view(), name="commerce-subscription-card"),
    path("commerce/subscription/pay/", shop.SubscriptionPayApi.as_view(), name="commerce-subscription-pay"),
    path("commerce/imports/", shop.SalesImportApi.as_view(), name="commerce-imports"),
    path(
        "commerce/imports/order-history/",
        history.OrderHistoryImportApi.as_view(),
        name="commerce-imports-order-history",
    ),
    path(
        "commerce/exports/order-history/",
        history.OrderHistoryExportApi.as_view(),
        name="commerce-exports-order-history",
    ),
    # catalogue
    path("commerce/products/<str:sku>/", admin.ProductDetailApi.as_view(), name="commerce-product"),
    path("commerce/products/<str:sku>/retire/", admin.ProductRetireApi.as_view(), name="commerce-product-retire"),
    path("commerce/products/<str:sku>/images/", admin.ProductImageListApi.as_view(), name="commerce-images"),
    path(
        "commerce/products/<str:sku>/images/<id:pk>/",
        admin.ProductImageDetailApi.as_view(),
        name="commerce-image",
    ),
    path("commerce/categories/", admin.CategoryListApi.as_view(), name="commerce-categories"),
    path("commerce/categories/<id:pk>/", admin.CategoryDetailApi.as_view(), name="commerce-category"),
    # stock
    path("commerce/warehouses/", admin.WarehouseListApi.as_view(), name="commerce-warehouses"),
    path("commerce/warehouses/<str:code>/", admin.WarehouseDetailApi.as_view(), name="commerce-warehouse"),
    path("commerce/stock/", admin.StockLevelListApi.as_view(), name="commerce-stock"),
    path("commerce/stock/movements/", admin.StockMovementListApi.as_view(), name="commerce-movements"),
    path("commerce/stock/receipts/", admin.StockReceiptApi.as_view(), name="commerce-stock-receipts"),
    path("commerce/stock/adjustments/", admin.StockAdjustmentApi.as_view(), name="commerce-stock-adjustments"),
    path("commerce/stock/transfers/", admin.StockTransferApi.as_view(), name="commerce-stock-transfers"),
    # tax, coupons, settings
    path("commerce/tax-rates/", admin_settings.TaxRateListApi.as_view(), name="commerce-tax-rates"),
    path("commerce/tax-rates/<id:pk>/", admin_settings.TaxRateDetailApi.as_view(), name="commerce-tax-rate"),
    path("commerce/coupons/", admin_settings.CouponListApi.as_view(), name="commerce-coupons"),
    path("commerce/coupons/<id:pk>/", admin_settings.CouponDetailApi.as_view(), name="commerce-coupon"),
    path("commerce/settings/", admin_settings.CommerceSettingsApi.as_view(), name="commerce-settings"),
    # markets and their price lists (issue 19)
    path("markets/", markets.MarketListApi.as_view(), name="markets"),
    path("markets/<str:code>/", markets.MarketDetailApi.as_view(), name="market"),
    path("markets/<str:code>/deactivate/", markets.MarketDeactivateApi.as_view(), name="market-deactivate"),
    path("markets/<str:code>/prices/", markets.MarketPriceListApi.as_view(), name="market-prices"),
    path("markets/<str:code>/prices/<str:sku>/", markets.MarketPriceDetailApi.as_view(), name="market-price"),
    # parties
    path("commerce/parties/", field.PartyListApi.as_view(), name="commerce-parties"),
    path("commerce/parties/<id:pk>/", field.PartyDetailApi.as_view(), name="commerce-party"),
    path("commerce/parties/<id:pk>/orders/", field.PartyOrderApi.as_view(), name="commerce-party-orders"),
    path("commerce/parties/<id:pk>/close/", field.PartyCloseApi.as_view(), name="commerce-party-close"),
    # autoship
    path("commerce/autoships/", field.AutoshipListApi.as_view(), name="commerce-autoships"),
    path("commerce/autoships/<id:pk>/", field.AutoshipDetailApi.as_view(), name="commerce-autoship"),
    *[
        path(
            f"commerce/autoships/<id:pk>/{action}/",
            field.AutoshipActionApi.as_view(action=action),
            name=f"commerce-autoship-{action}",
        )
        for action in ("pause", "resume", "cancel")
    ],
]
