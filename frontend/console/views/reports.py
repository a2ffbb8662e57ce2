"""The console's reports with CSV export: sales by day and by product for a date range (paid orders, net of
refunds), and volumes per member for a commission period (the MemberVolume rows commerce keeps). Read-only
aggregates, one query each."""

from __future__ import annotations

import datetime

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.commerce.selectors.periods import company_date, period_end_for, period_start_for
from core.commerce.selectors.reports import (
    sales_by_day,
    sales_by_product,
    sales_by_product_totals,
    sales_totals,
    volumes_for_period,
    volumes_totals,
)
from frontend.common.access import console_page
from frontend.common.csv import csv_response
from frontend.common.paging import paginate

REPORTS = {
    "sales-day": _("Sales by day"),
    "sales-product": _("Sales by product"),
    "volumes": _("Volumes per member"),
}


def _date(value: str | None, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


# (row key, CSV header, page header in words, how the page shows it: day, count, money, volume or text)
COLUMNS = {
    "sales-day": [
        ("paid_on", "day", _("Day paid"), "day"),
        ("orders", "orders", _("Orders"), "count"),
        ("net_sales", "net_sales", _("Net sales"), "money"),
        ("tax", "tax", _("Tax"), "money"),
        ("pv", "pv", _("Personal volume (PV)"), "volume"),
        ("cv", "cv", _("Commissionable volume (CV)"), "volume"),
    ],
    "sales-product": [
        ("sku", "sku", _("SKU"), "text"),
        ("name", "name", _("Product"), "text"),
        ("units", "units", _("Units sold"), "count"),
        ("sales", "sales", _("Sales"), "money"),
        ("pv", "pv", _("Personal volume (PV)"), "volume"),
    ],
    "volumes": [
        ("member__number", "member_number", _("Member number"), "text"),
        ("member__first_name", "first_name", _("First name"), "text"),
        ("member__last_name", "last_name", _("Last name"), "text"),
        ("pv", "pv", _("Personal volume (PV)"), "volume"),
        ("psv", "psv", _("Personal sales volume (PSV)"), "volume"),
        ("cv", "cv", _("Commissionable volume (CV)"), "volume"),
    ],
}
CHART_ROWS = 62  # a chart of more bars than this is unreadable; the table below has every row


def _chart(kind: str, rows) -> tuple[list[dict], str]:
    """The report's bar chart rows ({label, values}) and the series name: net sales per day, sales per product."""
    if kind == "sales-day":
        return [{"label": r["paid_on"].isoformat(), "values": [str(r["net_sales"])]} for r in rows[:CHART_ROWS]], str(
            _("Net sales")
        )
    if kind == "sales-product":
        return [{"label": r["name"], "values": [str(r["sales"])]} for r in rows[:CHART_ROWS]], str(_("Sales"))
    return [], ""


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
        lines = ([row[c[0]] for c in columns] for row in rows.iterator(chunk_size=5000))
        suffix = period.isoformat() if kind == "volumes" else f"{start.isoformat()}-{end.isoformat()}"
        return csv_response(lines, f"{kind}-{suffix}.csv", header=[c[1] for c in columns], request=request)
    if kind == "sales-day":
        totals = sales_totals(start=start, end=end)
    elif kind == "sales-product":
        totals = sales_by_product_totals(start=start, end=end)
    else:
        totals = volumes_totals(period_start=period)
    chart, series = _chart(kind, rows)
    context = paginate(request, rows)
    context["page_obj"].object_list = [[row[c[0]] for c in columns] for row in context["page_obj"].object_list]
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
            "headers": [c[2] for c in columns],
            "cells": [[(c[3], value) for c, value in zip(columns, row, strict=True)] for row in context["page_obj"]],
            "totals": [(c[3], totals.get(c[1], "")) for c in columns],
            "chart": chart,
            "series": series,
            **context,
        },
    )
