"""Tax rates and coupons as the console lists them."""

from __future__ import annotations

from django.db.models import QuerySet

from core.commerce.models import (
    Coupon,
    TaxRate,
)


def tax_rates_list() -> QuerySet[TaxRate]:
    return TaxRate.objects.order_by("country", "region")


def coupons_list() -> QuerySet[Coupon]:
    return Coupon.objects.order_by("code")
