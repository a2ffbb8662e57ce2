"""Outgoing webhooks, per company schema: the URLs a company registered for events, and a log of every delivery
(one row per event and endpoint, with every attempt counted on it).

Any domain app may emit an event (services.event_emit); this app imports no domain app, so core.members and
core.commerce can both call it without importing each other."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy


class WebhookEvent(models.TextChoices):
    ORDER_CREATED = "order.created", gettext_lazy("Order created")
    ORDER_PAID = "order.paid", gettext_lazy("Order paid")
    ORDER_REFUNDED = "order.refunded", gettext_lazy("Order refunded")
    MEMBER_JOINED = "member.joined", gettext_lazy("Member joined")


class WebhookEndpoint(models.Model):
    """Never deleted once it has deliveries (the log points at it): deactivate it instead."""

    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, help_text="Signs every delivery (HMAC-SHA256); shown once on creation.")
    events = models.JSONField(default=list, help_text="The event names this endpoint receives.")
    description = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Pending (queued or waiting for a retry)")
    DELIVERED = "delivered", gettext_lazy("Delivered")
    FAILED = "failed", gettext_lazy("Failed (gave up after the last attempt)")


class WebhookDelivery(models.Model):
    """One event for one endpoint. The payload is frozen when the event happens; retries resend the same bytes."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.CharField(max_length=1000, blank=True, help_text="The start of the last response.")
    error = models.CharField(max_length=500, blank=True, help_text="The last connection error, if any.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint_idx")]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """Every try of a delivery, so an admin can see each failure and its backoff."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    attempted_at = models.DateTimeField()
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.CharField(max_length=1000, blank=True)
    error = models.CharField(max_length=500, blank=True)
    succeeded = models.BooleanField()
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="When the retry after this try runs.")

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_once")]

    def __str__(self) -> str:
        return f"Attempt {self.number} of {self.delivery_id}"
