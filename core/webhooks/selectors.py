"""Reads for the webhook admin API."""

from __future__ import annotations

from django.db.models import QuerySet

from core.webhooks.models import WebhookDelivery, WebhookEndpoint


def endpoints_list() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.order_by("id")


def deliveries_list(*, endpoint_id: int | None = None, event: str = "", status: str = "") -> QuerySet[WebhookDelivery]:
    """The delivery log, newest first, optionally narrowed to one endpoint, event or status."""
    deliveries = WebhookDelivery.objects.select_related("endpoint").order_by("-created_at", "-id")
    if endpoint_id is not None:
        deliveries = deliveries.filter(endpoint_id=endpoint_id)
    if event:
        deliveries = deliveries.filter(event=event)
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries


def delivery_attempts(*, delivery: WebhookDelivery) -> QuerySet:
    """A delivery's attempts, first to last."""
    return delivery.attempt_log.order_by("number")
