"""Delivering webhooks on the worker. The task is sent from the company's schema (services.event_emit) and runs
there; it takes the delivery id and is safe to repeat (a delivery that is no longer pending is left alone)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from core.webhooks import services
from core.webhooks.models import DeliveryStatus


class DeliveryFailed(Exception):
    """The receiver did not answer 2xx (or could not be reached): Celery retries with exponential backoff."""


@shared_task(
    bind=True,
    name="core.webhooks.tasks.webhook_deliver",
    autoretry_for=(DeliveryFailed,),
    max_retries=settings.WEBHOOKS_MAX_ATTEMPTS - 1,
    retry_backoff=settings.WEBHOOKS_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=settings.WEBHOOKS_RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=False,  # next_attempt_at in the log is then exactly when the retry runs
)
def webhook_deliver(self, delivery_id: int) -> dict:
    final = self.request.retries >= self.max_retries
    delivery = services.delivery_attempt(delivery_id=delivery_id, final=final)
    if delivery.status == DeliveryStatus.PENDING:
        raise DeliveryFailed(f"Delivery {delivery_id}: {delivery.response_code or delivery.error}")
    return {"delivery": delivery_id, "status": delivery.status, "attempts": delivery.attempts}
