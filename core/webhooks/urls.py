from django.urls import path

from core.webhooks import apis

urlpatterns = [
    path("webhooks/endpoints/", apis.WebhookEndpointListApi.as_view(), name="webhook-endpoints"),
    path("webhooks/endpoints/<int:pk>/", apis.WebhookEndpointDetailApi.as_view(), name="webhook-endpoint"),
    path("webhooks/deliveries/", apis.WebhookDeliveryListApi.as_view(), name="webhook-deliveries"),
    path("webhooks/deliveries/<int:pk>/", apis.WebhookDeliveryDetailApi.as_view(), name="webhook-delivery"),
    path(
        "webhooks/deliveries/<int:pk>/redeliver/",
        apis.WebhookDeliveryRedeliverApi.as_view(),
        name="webhook-delivery-redeliver",
    ),
]
