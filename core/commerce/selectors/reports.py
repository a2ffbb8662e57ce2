"""Sales and volume reports of the console: by day, by product, volumes of a period."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, F, QuerySet, Sum

from config.replica import reads_from_replica
from core.commerce.models import (
    MemberVolume,
    Order,
    OrderLine,
    OrderStatus,
)
from core.commerce.models.orders import VOLUME_STATUSES


@reads_from_replica
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


@reads_from_replica
def sales_totals(*, start: datetime.date, end: datetime.date) -> dict[str, Decimal | int]:
    """The totals row of ``sales_by_day`` over the same range (zeros when nothing was paid): the console home's day and
    period figures are this, so they always equal the report's."""
    totals = Order.objects.filter(status__in=VOLUME_STATUSES, paid_on__gte=start, paid_on__lte=end).aggregate(
        orders=Count("id"),
        net_sales=Sum(F("total") - F("refunded_amount")),
        tax=Sum("tax"),
        pv=Sum(F("pv_total") - F("refunded_pv")),
        cv=Sum(F("cv_total") - F("refunded_cv")),
    )
    return {key: (value if value is not None else Decimal("0.00")) for key, value in totals.items()}


@reads_from_replica
def sales_by_product_totals(*, start: datetime.date, end: datetime.date) -> dict[str, Decimal | int]:
    """The totals row of ``sales_by_product``."""
    totals = OrderLine.objects.filter(
        order__status__in=VOLUME_STATUSES, order__paid_on__gte=start, order__paid_on__lte=end
    ).aggregate(
        units=Sum(F("quantity") - F("refunded_quantity")),
        sales=Sum("line_subtotal"),
        pv=Sum(F("unit_pv") * (F("quantity") - F("refunded_quantity"))),
    )
    return {key: (value if value is not None else Decimal("0.00")) for key, value in totals.items()}


@reads_from_replica
def volumes_totals(*, period_start: datetime.date) -> dict[str, Decimal]:
    """The totals row of ``volumes_for_period``."""
    totals = MemberVolume.objects.filter(period_start=period_start).aggregate(
        pv=Sum("pv"), psv=Sum("psv"), cv=Sum("cv")
    )
    return {key: (value if value is not None else Decimal("0.00")) for key, value in totals.items()}


def orders_waiting_counts() -> dict[str, int]:
    """Orders waiting on the company: placed but not paid, and paid but not shipped."""
    return {
        "awaiting_payment": Order.objects.filter(status=OrderStatus.PENDING).count(),
        "awaiting_shipping": Order.objects.filter(status=OrderStatus.PAID).count(),
    }


@reads_from_replica
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


@reads_from_replica
def volumes_for_period(*, period_start: datetime.date) -> QuerySet:
    return (
        MemberVolume.objects.filter(period_start=period_start)
        .select_related("member")
        .order_by("member__number")
        .values("member__number", "member__first_name", "member__last_name", "pv", "psv", "cv")
    )
