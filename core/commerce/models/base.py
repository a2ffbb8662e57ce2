"""What every commerce model shares: money and volume columns (two places) and the company's commerce settings."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

ZERO = Decimal("0.00")


def money_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, default=ZERO, **kwargs)


def volume_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, default=ZERO, **kwargs)


class CommerceSettings(models.Model):
    """One row per company schema (created on first use): its own Stripe account and commerce policies."""

    stripe_secret_key = models.CharField(max_length=200, blank=True, help_text="The company's own Stripe secret key.")
    stripe_publishable_key = models.CharField(max_length=200, blank=True)
    offline_payments_allowed = models.BooleanField(default=True, help_text="Cash/check payments recorded by staff.")
    subscription_enabled = models.BooleanField(default=False)
    subscription_enabled_on = models.DateField(
        null=True,
        blank=True,
        help_text="The day the back-office fee was last switched on: nobody owes it for days before.",
    )
    subscription_fee = money_field(help_text="Monthly back-office fee per distributor.")
    subscription_first_charge_delay_days = models.PositiveSmallIntegerField(
        default=0, help_text="Days after joining before a new distributor's first back-office fee is due."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "commerce settings"

    def __str__(self) -> str:
        return "Commerce settings"
