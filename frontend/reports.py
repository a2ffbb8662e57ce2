"""The console's reports with CSV export: sales by day and by product for a date range (paid orders, net of
refunds), and volumes per member for a commission period (the MemberVolume rows commerce keeps). Read-only
aggregates, one query each."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Sum
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.commerce.models import MemberVolume, Order, OrderLine
from core.commerce.periods import company_date, period_end_for, period_start_for
from core.commerce.services import VOLUME_STATUSES
from core.members.importing import rows_to_csv
from frontend.access import console_page
from frontend.paging import paginate

REPORTS = {"sales-day": "Sales by day", "sales-product": "Sales by product", "volumes": "Volumes per member"}


def _date(value: str | None, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def sales_by_day(start: datetime.date, end: datetime.date):
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


def sales_by_product(start: datetime.date, end: datetime.date):
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


def volumes_for_period(period_start: datetime.date):
    return (
        MemberVolume.objects.filter(period_start=period_start)
        .select_related("member")
        .order_by("member__number")
        .values("member__number", "member__first_name", "member__last_name", "pv", "psv", "cv")
    )


COLUMNS = {
    "sales-day": [
        ("paid_on", "day"),
        ("orders", "orders"),
        ("net_sales", "net_sales"),
        ("tax", "tax"),
        ("pv", "pv"),
        ("cv", "cv"),
    ],
    "sales-product": [("sku", "sku"), ("name", "name"), ("units", "units"), ("sales", "sales"), ("pv", "pv")],
    "volumes": [
        ("member__number", "member_number"),
        ("member__first_name", "first_name"),
        ("member__last_name", "last_name"),
        ("pv", "pv"),
        ("psv", "psv"),
        ("cv", "cv"),
    ],
}


@console_page
def reports(request):
    kind = request.GET.get("report", "sales-day")
    kind = kind if kind in REPORTS else "sales-day"
    today = company_date(timezone.now())
    end = _date(request.GET.get("end"), today)
    start = _date(request.GET.get("start"), end.replace(day=1))
    period = period_start_for(_date(request.GET.get("period"), today))
    if kind == "sales-day":
        rows = sales_by_day(start, end)
    elif kind == "sales-product":
        rows = sales_by_product(start, end)
    else:
        rows = volumes_for_period(period)
    columns = COLUMNS[kind]
    if request.GET.get("export") == "csv":

        def lines():
            yield [header for _, header in columns]
            for row in rows.iterator(chunk_size=5000):
                yield [row[key] for key, _ in columns]

        response = StreamingHttpResponse(rows_to_csv(lines()), content_type="text/csv")
        suffix = period.isoformat() if kind == "volumes" else f"{start.isoformat()}-{end.isoformat()}"
        response["Content-Disposition"] = f'attachment; filename="{kind}-{suffix}.csv"'
        return response
    context = paginate(request, rows)
    context["page_obj"].object_list = [[row[key] for key, _ in columns] for row in context["page_obj"].object_list]
    return render(
        request,
        "console/reports.html",
        {
            "kind": kind,
            "reports": REPORTS,
            "start": start,
            "end": end,
            "period": period,
            "period_end": period_end_for(period),
            "headers": [header.replace("_", " ") for _, header in columns],
            **context,
        },
    )
