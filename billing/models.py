"""The provider's price plans for companies (public schema). Metering and invoicing build on these."""

from decimal import Decimal

from django.db import models


class PricePlan(models.Model):
    """What a company pays the provider: hosting per month, plus usage fees defined by billing."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)
    currency = models.CharField(max_length=3, default="USD")
    monthly_hosting_fee = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
