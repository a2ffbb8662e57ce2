"""Reads for the provider console's billing pages: revenue and usage per month across companies, what closing a
month would bill (before it is closed) and how far a close has got (while the workers run it).

Currencies are never added together: every money figure is per currency."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from billing import fees
from billing.models import Invoice, InvoiceStatus, UsageRecord
from billing.selectors import (
    days_in_month,
    fee_segments,
    month_before,
    month_start,
    plan_periods,
    revenue_by_month,
    usage_count,
)
from tenants.models import Company
from tenants.selectors import companies_by_name

ZERO = Decimal("0.00")


@dataclass
class MonthFigures:
    """One month across every company: money per currency, usage summed over the companies' frozen records."""

    month: datetime.date
    invoiced: dict[str, Decimal] = field(default_factory=dict)
    collected: dict[str, Decimal] = field(default_factory=dict)
    invoices: int = 0
    companies: int = 0
    active_members: int = 0
    orders: int = 0

    @property
    def money_rows(self) -> list[tuple[str, Decimal, Decimal]]:
        """(currency, invoiced, collected) for each currency billed this month."""
        return [
            (currency, self.invoiced[currency], self.collected.get(currency, ZERO))
            for currency in sorted(self.invoiced)
        ]


def finished_months(*, count: int = 12, today: datetime.date | None = None) -> list[datetime.date]:
    """The last ``count`` months that have ended, newest first (the months a provider may close)."""
    month = month_before(month_start(today or timezone.localdate()))
    months = []
    for _ in range(count):
        months.append(month)
        month = month_before(month)
    return months


def months_overview(*, count: int = 12, today: datetime.date | None = None) -> list[MonthFigures]:
    """Revenue (invoiced and collected, per currency) and usage per month for the last ``count`` finished months
    and the running one, oldest first (the order of a chart's axis)."""
    today = today or timezone.localdate()
    months = [month_start(today), *finished_months(count=count, today=today)][::-1]
    figures = {month: MonthFigures(month=month) for month in months}
    for row in revenue_by_month(month_from=months[0], month_to=months[-1]):
        entry = figures[row["month"]]
        currency = row["currency"]
        entry.invoiced[currency] = entry.invoiced.get(currency, ZERO) + row["invoiced"]
        entry.collected[currency] = entry.collected.get(currency, ZERO) + row["collected"]
        entry.invoices += row["invoices"]
    usage = (
        UsageRecord.objects.filter(month__gte=months[0], month__lte=months[-1], frozen_at__isnull=False)
        .values("month")
        .annotate(companies=Count("id"), active_members=Sum("active_members"), orders=Sum("orders"))
    )
    for row in usage:
        entry = figures[row["month"]]
        entry.companies, entry.active_members, entry.orders = row["companies"], row["active_members"], row["orders"]
    return [figures[month] for month in months]


def revenue_chart_rows(figures: list[MonthFigures]) -> list[dict]:
    """One bar chart per currency (frontend/static/frontend/charts.js rows): invoiced and collected per month."""
    currencies = sorted({currency for entry in figures for currency in entry.invoiced})
    return [
        {
            "currency": currency,
            "element_id": f"chart-revenue-{currency.lower()}",
            "rows": [
                {
                    "label": f"{entry.month:%Y-%m}",
                    "values": [str(entry.invoiced.get(currency, ZERO)), str(entry.collected.get(currency, ZERO))],
                }
                for entry in figures
            ],
        }
        for currency in currencies
    ]


def usage_chart_rows(figures: list[MonthFigures]) -> list[dict]:
    return [{"label": f"{entry.month:%Y-%m}", "values": [entry.active_members, entry.orders]} for entry in figures]


class CloseState:
    WILL_BILL = "will_bill"
    INVOICED = "invoiced"
    NO_PLAN = "no_plan"


@dataclass(frozen=True)
class ClosePreviewRow:
    company: Company
    state: str  # CloseState
    plan_name: str = ""
    currency: str = ""
    active_members: int = 0
    orders: int = 0
    lines: list[fees.FeeLine] = field(default_factory=list)
    total: Decimal = ZERO
    invoice: Invoice | None = None


@dataclass(frozen=True)
class ClosePreview:
    month: datetime.date
    rows: list[ClosePreviewRow]

    @property
    def to_bill(self) -> list[ClosePreviewRow]:
        return [row for row in self.rows if row.state == CloseState.WILL_BILL]

    @property
    def totals(self) -> dict[str, Decimal]:
        """What the close will newly bill, per currency (invoices already made are not billed again)."""
        totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for row in self.to_bill:
            totals[row.currency] += row.total
        return dict(sorted(totals.items()))

    @property
    def signature(self) -> str:
        """What the confirmation page showed, as text ("1:USD 150.00"): the close refuses to start when the
        preview no longer says the same (a company onboarded or a plan changed in between)."""
        amounts = " ".join(f"{currency} {total}" for currency, total in self.totals.items())
        return f"{len(self.to_bill)}:{amounts}"


def month_close_preview(*, month: datetime.date) -> ClosePreview:
    """What closing ``month`` would bill each company, by the same counting and fee rules as the close
    (billing.services.company_month_close): an invoice already made for the month is shown as it is and is not
    billed again; a company with no price plan that month gets no invoice. Counts each company's schema."""
    month = month_start(month)
    existing = {invoice.company_id: invoice for invoice in Invoice.objects.filter(month=month).select_related("plan")}
    frozen = {record.company_id: record for record in UsageRecord.objects.filter(month=month, frozen_at__isnull=False)}
    rows = []
    for company in companies_by_name():
        invoice = existing.get(company.pk)
        if invoice is not None:
            usage = frozen.get(company.pk)
            rows.append(
                ClosePreviewRow(
                    company=company,
                    state=CloseState.INVOICED,
                    plan_name=invoice.plan.name,
                    currency=invoice.currency,
                    active_members=usage.active_members if usage else 0,
                    orders=usage.orders if usage else 0,
                    total=invoice.total,
                    invoice=invoice,
                )
            )
            continue
        periods = plan_periods(company=company, month=month)
        if not periods:
            rows.append(ClosePreviewRow(company=company, state=CloseState.NO_PLAN))
            continue
        plan = periods[-1].plan
        record = frozen.get(company.pk)
        if record is not None:
            active_members, orders = record.active_members, record.orders
        else:
            counts = usage_count(company=company, month=month)
            active_members, orders = counts.active_members(plan.active_member_rule), counts.orders
        lines = fees.month_fees(
            segments=fee_segments(periods),
            days_in_month=days_in_month(month),
            active_members=active_members,
            transactions=orders,
        )
        rows.append(
            ClosePreviewRow(
                company=company,
                state=CloseState.WILL_BILL,
                plan_name=plan.name,
                currency=plan.currency,
                active_members=active_members,
                orders=orders,
                lines=lines,
                total=fees.money(fees.lines_total(lines)),
            )
        )
    return ClosePreview(month=month, rows=rows)


@dataclass(frozen=True)
class CloseProgress:
    month: datetime.date
    companies: int
    closed: int  # companies whose usage for the month is frozen (the close's first step)
    invoices: list[Invoice]
    waiting: list[str]  # names of companies not closed yet

    @property
    def by_status(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for invoice in self.invoices:
            counts[invoice.status] += 1
        return dict(counts)

    @property
    def unsent(self) -> int:
        """Invoices made but not yet in Stripe and charged (the close's last steps still to run)."""
        return sum(1 for invoice in self.invoices if invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.OPEN))

    @property
    def done(self) -> bool:
        return self.closed == self.companies and self.unsent == 0

    @property
    def percent(self) -> int:
        if not self.companies:
            return 100
        steps = self.companies * 2  # usage frozen, then invoice sent (or no invoice to send)
        finished = self.closed + (self.closed - self.unsent)
        return min(100, round(finished * 100 / steps))


def month_close_progress(*, month: datetime.date) -> CloseProgress:
    """How far the close of ``month`` has got, read while the workers run it."""
    month = month_start(month)
    companies = list(companies_by_name())
    closed_ids = set(
        UsageRecord.objects.filter(month=month, frozen_at__isnull=False).values_list("company_id", flat=True)
    )
    invoices = list(
        Invoice.objects.filter(month=month).select_related("company", "plan").order_by("company__name", "id")
    )
    return CloseProgress(
        month=month,
        companies=len(companies),
        closed=sum(1 for company in companies if company.pk in closed_ids),
        invoices=invoices,
        waiting=[company.name for company in companies if company.pk not in closed_ids],
    )
