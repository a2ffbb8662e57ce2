"""Commission periods in the company's calendar: which day a moment falls on, where a period starts and ends.

Reads (the company's time zone and period length come from its settings), shared by services, selectors and the
plan engine's loader. Money rounding moved to core.commerce.pricing (q2, to_minor_units)."""

from __future__ import annotations

import calendar
import datetime
from zoneinfo import ZoneInfo

from core.commerce.models import CommissionPeriodClose
from core.company.models import CommissionPeriod
from core.company.services import company_settings_get


def company_date(moment: datetime.datetime) -> datetime.date:
    """The calendar day of `moment` in the company's time zone (a period boundary is local midnight)."""
    return moment.astimezone(ZoneInfo(company_settings_get().timezone)).date()


def period_start_for(day: datetime.date, *, period: str | None = None) -> datetime.date:
    period = period or company_settings_get().commission_period
    if period == CommissionPeriod.WEEKLY:
        return day - datetime.timedelta(days=day.weekday())
    return day.replace(day=1)


def period_end_for(start: datetime.date, *, period: str | None = None) -> datetime.date:
    """The last day (inclusive) of the period starting on `start`."""
    period = period or company_settings_get().commission_period
    if period == CommissionPeriod.WEEKLY:
        return start + datetime.timedelta(days=6)
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def open_period_start_for(day: datetime.date) -> datetime.date:
    """The commission period an order paid on ``day`` counts in: the period containing the day, or, when that period
    is already closed for commissions (a late or back-dated payment), the next period that is not. A closed period
    never receives new volume (docs/plans.md, "Closing a period")."""
    length = company_settings_get().commission_period
    start = period_start_for(day, period=length)
    closed = set(CommissionPeriodClose.objects.filter(period_start__gte=start).values_list("period_start", flat=True))
    while start in closed:
        start = period_start_for(period_end_for(start, period=length) + datetime.timedelta(days=1), period=length)
    return start


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))
