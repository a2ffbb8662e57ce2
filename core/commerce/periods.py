"""Commission periods and money rounding shared by commerce services and selectors."""

from __future__ import annotations

import calendar
import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from core.company.models import CommissionPeriod
from core.company.services import company_settings_get

CENT = Decimal("0.01")


def q2(value) -> Decimal:
    """Money and volume: two places, half up (never banker's rounding)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_minor_units(amount: Decimal) -> int:
    return int((q2(amount) * 100).to_integral_value(rounding=ROUND_HALF_UP))


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


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))
