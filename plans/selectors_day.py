"""The console home's figures in one place: the company's day and its commission period at a glance.

Every number here comes from the selector the matching console page uses (sales from the sales report's
``sales_totals``, low stock from the low-stock list, transitions from the demotion history), so the home and the
reports never disagree about the same day."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from core.commerce.public import (
    low_stock,
    orders_waiting_counts,
    period_end_for,
    period_start_for,
    sales_by_day,
    sales_totals,
)
from core.company.services import company_settings_get
from core.demotion.selectors import transitions_on
from core.members.selectors import enrolments_by_day, member_counts
from plans.models import CommissionPeriod, CommissionRun, PeriodStatus, RunKind


@dataclass(frozen=True)
class CommissionState:
    """The period an admin works on next: the oldest listed one not yet posted (else the one containing today)."""

    start: datetime.date
    end: datetime.date
    period_id: int | None
    status: str  # the period's status in words
    run_status: str  # the latest run's status in words, "" when there is none
    deadline: datetime.date
    deadline_text: str


@dataclass(frozen=True)
class DaySummary:
    today: datetime.date
    currency: str
    period_start: datetime.date
    period_end: datetime.date
    today_sales: dict
    period_sales: dict
    enrolments_today: int
    enrolments_period: int
    members: int
    active: int
    awaiting_payment: int
    awaiting_shipping: int
    low_stock: int
    transitions_today: int
    commission: CommissionState
    # [{label, values: [net sales]}] and [{label, values: [enrolments]}] per day of the period so far
    sales_chart: list[dict] = field(default_factory=list)
    enrolments_chart: list[dict] = field(default_factory=list)


def _commission_state(*, today: datetime.date, period_start: datetime.date) -> CommissionState:
    pending = (
        CommissionPeriod.objects.filter(start__lte=today)
        .exclude(status__in=[PeriodStatus.POSTED, PeriodStatus.PAID])
        .order_by("start")
        .first()
    )
    if pending is None:
        pending = CommissionPeriod.objects.filter(start=period_start).first()
    if pending is None:
        end = period_end_for(period_start)
        return CommissionState(
            start=period_start, end=end, period_id=None, status=_("Not listed yet"), run_status="",
            deadline=end, deadline_text=_("Period ends"),
        )  # fmt: skip
    run = (
        CommissionRun.objects.filter(period=pending)
        .exclude(kind__in=[RunKind.SIMULATION, RunKind.PROJECTION])
        .order_by("-id")
        .first()
    )
    if pending.status in (PeriodStatus.POSTED, PeriodStatus.PAID):
        deadline, text = pending.end, _("Period ended")
    elif pending.closed_at is None and pending.end >= today:
        deadline, text = pending.end, _("Period ends")
    elif pending.closed_at is None:
        deadline, text = pending.end + datetime.timedelta(days=1), _("Can be closed since")
    else:
        deadline, text = pending.end, _("Closed; its run is waiting to be posted. Period ended")
    return CommissionState(
        start=pending.start, end=pending.end, period_id=pending.pk, status=str(pending.get_status_display()),
        run_status=str(run.get_status_display()) if run else "", deadline=deadline, deadline_text=text,
    )  # fmt: skip


def company_day_summary(*, today: datetime.date) -> DaySummary:
    """The company's ``today`` (a day in its time zone) and its commission period so far."""
    period_start = period_start_for(today)
    enrolments = enrolments_by_day(start=period_start, end=today)
    by_day = {row["paid_on"]: row["net_sales"] for row in sales_by_day(start=period_start, end=today)}
    days = [period_start + datetime.timedelta(days=n) for n in range((today - period_start).days + 1)]
    counts = member_counts()
    waiting = orders_waiting_counts()
    return DaySummary(
        today=today,
        currency=company_settings_get().currency,
        period_start=period_start,
        period_end=period_end_for(period_start),
        today_sales=sales_totals(start=today, end=today),
        period_sales=sales_totals(start=period_start, end=today),
        enrolments_today=enrolments.get(today, 0),
        enrolments_period=sum(enrolments.values()),
        members=counts["members"],
        active=counts["active"],
        awaiting_payment=waiting["awaiting_payment"],
        awaiting_shipping=waiting["awaiting_shipping"],
        low_stock=low_stock().count(),
        transitions_today=transitions_on(day=today),
        commission=_commission_state(today=today, period_start=period_start),
        sales_chart=[{"label": d.isoformat(), "values": [str(by_day.get(d, Decimal("0.00")))]} for d in days],
        enrolments_chart=[{"label": d.isoformat(), "values": [enrolments.get(d, 0)]} for d in days],
    )
