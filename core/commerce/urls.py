from django.urls import path

from core.commerce import apis

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
]
