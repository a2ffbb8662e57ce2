"""Sales and volume reports of the console: by day, by product, volumes of a period."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, QuerySet, Sum

from core.commerce.models import (
    MemberVolume,
    Order,
    OrderLine,
)
from core.commerce.models.orders import VOLUME_STATUSES


def sales_by_day(*, start: datetime.date, end: datetime.date) -> QuerySet:
    """Paid orders per day, net of refunds."""
    return (
        Order.objects.filter(status__in=VOLUME_STATUSES, paid_on__gte=start, paid_on__lte=end)
        .values("paid_on")
        .annotate(
            orders=Count("id"),
            net_sales=Sum(F("total") - F("refunded_amount")),
            tax=Sum("tax"),
            pv=Sum(F("pv_total") - F("refunded_pv")),
            cv=Sum(F("cv_total") - F("refunded_cv")),
        )
        .order_by("paid_on")
    )


def sales_by_product(*, start: datetime.date, end: datetime.date) -> QuerySet:
    """Units, sales and PV per product of the paid orders, net of refunded units."""
    return (
        OrderLine.objects.filter(order__status__in=VOLUME_STATUSES, order__paid_on__gte=start, order__paid_on__lte=end)
        .values("sku", "name")
        .annotate(
            units=Sum(F("quantity") - F("refunded_quantity")),
            sales=Sum("line_subtotal"),
            pv=Sum(F("unit_pv") * (F("quantity") - F("refunded_quantity"))),
        )
        .order_by("sku", "name")
    )


def volumes_for_period(*, period_start: datetime.date) -> QuerySet:
    return (
        MemberVolume.objects.filter(period_start=period_start)
        .select_related("member")
        .order_by("member__number")
        .values("member__number", "member__first_name", "member__last_name", "pv", "psv", "cv")
    )
