from django.urls import path

import config.converters  # noqa: F401 - the <id:…> path converter
from core.webhooks import apis

urlpatterns = [
    path("webhooks/endpoints/", apis.WebhookEndpointListApi.as_view(), name="webhook-endpoints"),
    path("webhooks/endpoints/<id:pk>/", apis.WebhookEndpointDetailApi.as_view(), name="webhook-endpoint"),
    path("webhooks/deliveries/", apis.WebhookDeliveryListApi.as_view(), name="webhook-deliveries"),
    path("webhooks/deliveries/<id:pk>/", apis.WebhookDeliveryDetailApi.as_view(), name="webhook-delivery"),
    path(
        "webhooks/deliveries/<id:pk>/redeliver/",
        apis.WebhookDeliveryRedeliverApi.as_view(),
        name="webhook-delivery-redeliver",
    ),
]
