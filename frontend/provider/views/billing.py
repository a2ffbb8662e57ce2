"""The provider console's billing: revenue and usage per month across companies, every company's invoices, and
closing a month (a confirmation page showing what will be billed, then the close on the workers with its progress
polled by htmx). Provider staff only."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from billing.models import InvoiceStatus
from billing.reports import (
    month_close_preview,
    month_close_progress,
    months_overview,
    revenue_chart_rows,
    usage_chart_rows,
)
from billing.selectors import invoice_list
from billing.services import month_close_enqueue
from frontend.common.access import provider_staff_required
from frontend.common.forms import errors_onto
from frontend.common.paging import paginate
from frontend.provider.forms import MonthCloseForm


@provider_staff_required
def billing_overview(request):
    figures = months_overview()
    status = request.GET.get("status", "")
    if status not in InvoiceStatus.values:
        status = ""
    return render(
        request,
        "provider/billing.html",
        {
            "figures": figures[::-1],  # newest first in the table; the charts read oldest first
            "revenue_charts": revenue_chart_rows(figures),
            "usage_chart": usage_chart_rows(figures),
            "statuses": InvoiceStatus.choices,
            "status": status,
            **paginate(request, invoice_list(status=status or None)),
        },
    )


@provider_staff_required
def month_close_confirm(request):
    """GET: pick a month and see what closing it will bill. POST (the confirmation): queue the close."""
    form = MonthCloseForm(request.POST or request.GET or None)
    preview, changed = None, False
    if form.is_valid():
        month = form.cleaned_data["month"]
        preview = month_close_preview(month=month)
        if request.method == "POST":
            changed = request.POST.get("expected", "")[:200] != preview.signature
            if changed:
                form.add_error(
                    None, _("What closing the month bills has changed since you looked: check it and confirm again.")
                )
            else:
                try:
                    month_close_enqueue(month=month)
                except ValidationError as exc:
                    errors_onto(form, exc)
                else:
                    return redirect("provider-month-close-progress", month=f"{month:%Y-%m}")
    return render(
        request,
        "provider/month_close.html",
        {"form": form, "preview": preview},
        status=409 if changed else 400 if form.errors else 200,
    )


@provider_staff_required
def month_close_progress_page(request, month: str):
    try:
        first_day = datetime.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise Http404(_("No such month.")) from None
    progress = month_close_progress(month=first_day)
    template = (
        "provider/_month_close_progress.html"
        if request.headers.get("HX-Request")
        else "provider/month_close_progress.html"
    )
    return render(request, template, {"progress": progress})
