"""Recurring money: the back-office subscription (with its attempts) and autoships (with their runs)."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy

from core.commerce.models.base import money_field
from core.commerce.models.catalogue import Product
from core.commerce.models.orders import Order
from core.members.models import Customer, Member


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", gettext_lazy("Active")
    PAST_DUE = "past_due", gettext_lazy("Past due")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")


class BackOfficeSubscription(models.Model):
    member = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="subscription")
    status = models.CharField(max_length=10, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE)
    next_due_on = models.DateField(help_text="The due date of the next (or the unpaid) fee.")
    stripe_customer_id = models.CharField(max_length=100, blank=True)
    stripe_payment_method_id = models.CharField(max_length=100, blank=True)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    card_exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    card_exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Subscription of {self.member_id} due {self.next_due_on}"


class AttemptOutcome(models.TextChoices):
    PAID = "paid", gettext_lazy("Paid")
    DECLINED = "declined", gettext_lazy("Declined")
    EXPIRED_CARD = "expired_card", gettext_lazy("Expired card")
    NO_CARD = "no_card", gettext_lazy("No card on file")
    ERROR = "error", gettext_lazy("Error")
    IN_FLIGHT = "in_flight", gettext_lazy("In flight (being charged or reconciled)")


class SubscriptionAttempt(models.Model):
    """Every charge attempt of a back-office fee; the demotion policy reads this history."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="subscription_attempts")
    due_on = models.DateField()
    attempted_at = models.DateTimeField()
    outcome = models.CharField(max_length=14, choices=AttemptOutcome.choices)
    amount = money_field()
    trigger = models.CharField(max_length=10, default="schedule", help_text="schedule or member (paid by hand)")
    stripe_payment_intent_id = models.CharField(max_length=100, blank=True)
    stripe_customer_id = models.CharField(max_length=100, blank=True)
    failure_code = models.CharField(max_length=100, blank=True)
    message = models.CharField(max_length=500, blank=True)
    idempotency_key = models.CharField(
        max_length=100,
        null=True,
        blank=True,
        unique=True,
        help_text="Sent to Stripe with the charge (fee-<member>-<due>-attempt-<n>); empty when nothing was charged.",
    )

    class Meta:
        ordering = ["attempted_at", "id"]
        indexes = [models.Index(fields=["member", "outcome", "due_on"], name="sub_attempt_member_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(outcome="in_flight"), name="sub_attempt_one_in_flight"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.due_on}: {self.outcome}"


class AutoshipStatus(models.TextChoices):
    ACTIVE = "active", gettext_lazy("Active")
    PAUSED = "paused", gettext_lazy("Paused")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")


class Autoship(models.Model):
    """A recurring order for a member or a customer; placed on next_run_on, retried daily up to max_retries."""

    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="autoships")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="autoships")
    interval_months = models.PositiveSmallIntegerField(default=1)
    next_run_on = models.DateField()
    status = models.CharField(max_length=10, choices=AutoshipStatus.choices, default=AutoshipStatus.ACTIVE)
    failures = models.PositiveSmallIntegerField(default=0)
    max_retries = models.PositiveSmallIntegerField(default=3)
    stripe_customer_id = models.CharField(max_length=100, blank=True)
    stripe_payment_method_id = models.CharField(max_length=100, blank=True)
    ship_country = models.CharField(max_length=2, blank=True)
    ship_region = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(member__isnull=False) ^ models.Q(customer__isnull=False),
                name="autoship_member_xor_customer",
            )
        ]

    def __str__(self) -> str:
        return f"Autoship {self.pk} next {self.next_run_on}"


class AutoshipItem(models.Model):
    autoship = models.ForeignKey(Autoship, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class AutoshipRun(models.Model):
    """One attempt of an autoship (and the notice it produced)."""

    autoship = models.ForeignKey(Autoship, on_delete=models.PROTECT, related_name="runs")
    run_on = models.DateField()
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    succeeded = models.BooleanField()
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Autoship {self.autoship_id} on {self.run_on}: {self.succeeded}"
