from django.urls import path

from core.commerce import apis, apis_admin, apis_field, apis_history

urlpatterns = [
    path("commerce/products/", apis.ProductListApi.as_view(), name="commerce-products"),
    path("commerce/orders/", apis.OrderListApi.as_view(), name="commerce-orders"),
    path("commerce/orders/<int:number>/", apis.OrderDetailApi.as_view(), name="commerce-order"),
    path("commerce/orders/<int:number>/pay/", apis.OrderPayApi.as_view(), name="commerce-order-pay"),
    path(
        "commerce/orders/<int:number>/offline-payment/",
        apis.OrderOfflinePaymentApi.as_view(),
        name="commerce-order-offline-payment",
    ),
    path("commerce/orders/<int:number>/cancel/", apis.OrderCancelApi.as_view(), name="commerce-order-cancel"),
    path("commerce/orders/<int:number>/ship/", apis.OrderShipApi.as_view(), name="commerce-order-ship"),
    path("commerce/orders/<int:number>/refunds/", apis.OrderRefundApi.as_view(), name="commerce-order-refund"),
    path("commerce/volume/", apis.VolumeApi.as_view(), name="commerce-volume"),
    path("commerce/stock/low/", apis.LowStockApi.as_view(), name="commerce-low-stock"),
    path("commerce/subscription/", apis.SubscriptionApi.as_view(), name="commerce-subscription"),
    path("commerce/subscription/card/", apis.SubscriptionCardApi.as_view(), name="commerce-subscription-card"),
    path("commerce/subscription/pay/", apis.SubscriptionPayApi.as_view(), name="commerce-subscription-pay"),
    path("commerce/imports/", apis.SalesImportApi.as_view(), name="commerce-imports"),
    path(
        "commerce/imports/order-history/",
        apis_history.OrderHistoryImportApi.as_view(),
        name="commerce-imports-order-history",
    ),
    path(
        "commerce/exports/order-history/",
        apis_history.OrderHistoryExportApi.as_view(),
        name="commerce-exports-order-history",
    ),
    # catalogue
    path("commerce/products/<str:sku>/", apis_admin.ProductDetailApi.as_view(), name="commerce-product"),
    path("commerce/products/<str:sku>/retire/", apis_admin.ProductRetireApi.as_view(), name="commerce-product-retire"),
    path("commerce/products/<str:sku>/images/", apis_admin.ProductImageListApi.as_view(), name="commerce-images"),
    path(
        "commerce/products/<str:sku>/images/<int:pk>/",
        apis_admin.ProductImageDetailApi.as_view(),
        name="commerce-image",
    ),
    path("commerce/categories/", apis_admin.CategoryListApi.as_view(), name="commerce-categories"),
    path("commerce/categories/<int:pk>/", apis_admin.CategoryDetailApi.as_view(), name="commerce-category"),
    # stock
    path("commerce/warehouses/", apis_admin.WarehouseListApi.as_view(), name="commerce-warehouses"),
    path("commerce/warehouses/<str:code>/", apis_admin.WarehouseDetailApi.as_view(), name="commerce-warehouse"),
    path("commerce/stock/", apis_admin.StockLevelListApi.as_view(), name="commerce-stock"),
    path("commerce/stock/movements/", apis_admin.StockMovementListApi.as_view(), name="commerce-movements"),
    path("commerce/stock/receipts/", apis_admin.StockReceiptApi.as_view(), name="commerce-stock-receipts"),
    path("commerce/stock/adjustments/", apis_admin.StockAdjustmentApi.as_view(), name="commerce-stock-adjustments"),
    path("commerce/stock/transfers/", apis_admin.StockTransferApi.as_view(), name="commerce-stock-transfers"),
    # tax, coupons, settings
    path("commerce/tax-rates/", apis_admin.TaxRateListApi.as_view(), name="commerce-tax-rates"),
    path("commerce/tax-rates/<int:pk>/", apis_admin.TaxRateDetailApi.as_view(), name="commerce-tax-rate"),
    path("commerce/coupons/", apis_admin.CouponListApi.as_view(), name="commerce-coupons"),
    path("commerce/coupons/<int:pk>/", apis_admin.CouponDetailApi.as_view(), name="commerce-coupon"),
    path("commerce/settings/", apis_admin.CommerceSettingsApi.as_view(), name="commerce-settings"),
    # parties
    path("commerce/parties/", apis_field.PartyListApi.as_view(), name="commerce-parties"),
    path("commerce/parties/<int:pk>/", apis_field.PartyDetailApi.as_view(), name="commerce-party"),
    path("commerce/parties/<int:pk>/orders/", apis_field.PartyOrderApi.as_view(), name="commerce-party-orders"),
    path("commerce/parties/<int:pk>/close/", apis_field.PartyCloseApi.as_view(), name="commerce-party-close"),
    # autoship
    path("commerce/autoships/", apis_field.AutoshipListApi.as_view(), name="commerce-autoships"),
    path("commerce/autoships/<int:pk>/", apis_field.AutoshipDetailApi.as_view(), name="commerce-autoship"),
    *[
        path(
            f"commerce/autoships/<int:pk>/{action}/",
            apis_field.AutoshipActionApi.as_view(action=action),
            name=f"commerce-autoship-{action}",
        )
        for action in ("pause", "resume", "cancel")
    ],
]
