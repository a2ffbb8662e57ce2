"""Tax rates and coupons as the console lists them."""

from __future__ import annotations

from django.db.models import QuerySet

from core.commerce.models import (
    Coupon,
    TaxRate,
)


def tax_rates_list() -> QuerySet[TaxRate]:
    return TaxRate.objects.order_by("country", "region", "id")


def coupons_list(*, active: bool | None = None) -> QuerySet[Coupon]:
    """Coupons by code, only the active (or inactive) ones when ``active`` is given."""
    coupons = Coupon.objects.order_by("code", "id")
    return coupons if active is None else coupons.filter(is_active=active)
