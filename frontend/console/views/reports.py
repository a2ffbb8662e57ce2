"""The console's reports with CSV export: sales by day and by product for a date range (paid orders, net of
refunds), and volumes per member for a commission period (the MemberVolume rows commerce keeps). Read-only
aggregates, one query each."""

from __future__ import annotations

import datetime

from django.shortcuts import render
from django.utils import timezone

from core.commerce.selectors.periods import company_date, period_end_for, period_start_for
from core.commerce.selectors.reports import sales_by_day, sales_by_product, volumes_for_period
from frontend.common.access import console_page
from frontend.common.csv import csv_response
from frontend.common.paging import paginate

REPORTS = {"sales-day": "Sales by day", "sales-product": "Sales by product", "volumes": "Volumes per member"}


def _date(value: str | None, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


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


@console_page()
def reports(request):
    kind = request.GET.get("report", "sales-day")
    kind = kind if kind in REPORTS else "sales-day"
    today = company_date(timezone.now())
    end = _date(request.GET.get("end"), today)
    start = _date(request.GET.get("start"), end.replace(day=1))
    period = period_start_for(_date(request.GET.get("period"), today))
    if kind == "sales-day":
        rows = sales_by_day(start=start, end=end)
    elif kind == "sales-product":
        rows = sales_by_product(start=start, end=end)
    else:
        rows = volumes_for_period(period_start=period)
    columns = COLUMNS[kind]
    if request.GET.get("export") == "csv":
        lines = ([row[key] for key, _ in columns] for row in rows.iterator(chunk_size=5000))
        suffix = period.isoformat() if kind == "volumes" else f"{start.isoformat()}-{end.isoformat()}"
        return csv_response(lines, f"{kind}-{suffix}.csv", header=[header for _, header in columns])
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
