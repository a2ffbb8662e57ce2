"""Reads for provider billing: which plan applies when, invoices, usage and revenue."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tenants.utils import schema_context

from billing import fees, metering
from billing.models import (
    ActiveMemberRule,
    DunningSettings,
    Invoice,
    InvoiceStatus,
    PlanAssignment,
    PricePlan,
    UsageRecord,
)
from tenants.models import Company


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_after(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def month_before(month: datetime.date) -> datetime.date:
    return (month.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def days_in_month(month: datetime.date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


@dataclass(frozen=True)
class PlanPeriod:
    plan: PricePlan
    start: datetime.date  # inclusive
    end: datetime.date  # exclusive
    first_on_plan: bool  # the company goes onto this plan for the first time at `start`


def plan_history(*, company: Company) -> list[PlanAssignment]:
    """Assignments in effect order. A company onboarded with a plan and never reassigned has an implied one."""
    history = list(company.plan_assignments.select_related("plan").order_by("effective_from", "id"))
    if not history and company.price_plan_id:
        history = [PlanAssignment(company=company, plan=company.price_plan, effective_from=company.created_at.date())]
    return history


def plan_in_force(*, company: Company, day: datetime.date) -> PricePlan | None:
    current = None
    for assignment in plan_history(company=company):
        if assignment.effective_from <= day:
            current = assignment.plan
    return current


def plan_periods(*, company: Company, month: datetime.date) -> list[PlanPeriod]:
    """The plans a company was on during `month`, in date order (several when the plan changed mid-month)."""
    start, end = month_start(month), month_after(month)
    history = plan_history(company=company)
    periods: list[PlanPeriod] = []
    seen_plan_ids: set[int] = set()
    for index, assignment in enumerate(history):
        following = history[index + 1].effective_from if index + 1 < len(history) else None
        first = assignment.plan_id not in seen_plan_ids
        seen_plan_ids.add(assignment.plan_id)
        period_start = max(assignment.effective_from, start)
        period_end = min(following, end) if following else end
        if period_start >= period_end:
            continue  # outside the month, or replaced on the same day
        periods.append(
            PlanPeriod(
                plan=assignment.plan,
                start=period_start,
                end=period_end,
                first_on_plan=first and assignment.effective_from >= start,
            )
        )
    return periods


def plan_terms(plan: PricePlan) -> fees.PlanTerms:
    return fees.PlanTerms(
        code=plan.code,
        currency=plan.currency,
        monthly_hosting_fee=plan.monthly_hosting_fee,
        fee_per_active_member=plan.fee_per_active_member,
        tiers=tuple(
            fees.Tier(above=tier.above_members, fee_per_member=tier.fee_per_member) for tier in plan.tiers.all()
        ),
        fee_per_transaction=plan.fee_per_transaction,
        minimum_monthly_charge=plan.minimum_monthly_charge,
        setup_fee=plan.setup_fee,
    )


def fee_segments(periods: list[PlanPeriod]) -> list[fees.PlanSegment]:
    return [
        fees.PlanSegment(
            terms=plan_terms(period.plan),
            days=(period.end - period.start).days,
            charge_setup_fee=period.first_on_plan,
        )
        for period in periods
    ]


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The month as [start, end) in UTC, the billing time zone for every company."""
    start = datetime.datetime.combine(month_start(month), datetime.time.min, tzinfo=datetime.UTC)
    end = datetime.datetime.combine(month_after(month), datetime.time.min, tzinfo=datetime.UTC)
    return start, end


@dataclass(frozen=True)
class UsageCounts:
    members_logged_in: int
    members_ordered: int
    members_paid_subscription: int
    members_any_activity: int
    orders: int

    def active_members(self, rule: str) -> int:
        return {
            ActiveMemberRule.LOGGED_IN: self.members_logged_in,
            ActiveMemberRule.ORDERED: self.members_ordered,
            ActiveMemberRule.PAID_SUBSCRIPTION: self.members_paid_subscription,
            ActiveMemberRule.ANY_ACTIVITY: self.members_any_activity,
        }[ActiveMemberRule(rule)]


def usage_count(*, company: Company, month: datetime.date) -> UsageCounts:
    """Count a month's activity in the company's own schema."""
    start, end = month_bounds(month)
    with schema_context(company.schema_name):
        logged_in = metering.members_logged_in(start=start, end=end)
        activity = metering.commerce_activity(start=start, end=end)
        ordered = metering.member_ids(activity.ordering_user_ids)
        paid = metering.member_ids(activity.subscription_payer_user_ids)
    return UsageCounts(
        members_logged_in=len(logged_in),
        members_ordered=len(ordered),
        members_paid_subscription=len(paid),
        members_any_activity=len(logged_in | ordered | paid),
        orders=activity.orders,
    )


@dataclass(frozen=True)
class UsageToDate:
    """The current month's usage so far and what it would be billed if the month closed now. Counted live, never
    stored: the frozen UsageRecord and the Invoice are made only at month close."""

    month: datetime.date
    plan: PricePlan | None  # the plan in force on the month's last day, as the history stands today
    active_member_rule: str
    active_members: int
    members_logged_in: int
    members_ordered: int
    members_paid_subscription: int
    orders: int
    lines: list[fees.FeeLine]
    estimated_total: Decimal

    @property
    def currency(self) -> str:
        return self.plan.currency if self.plan else ""

    @property
    def active_member_rule_label(self) -> str:
        return str(ActiveMemberRule(self.active_member_rule).label)


def usage_to_date(*, company: Company, today: datetime.date | None = None) -> UsageToDate:
    """Month-to-date usage and estimated charge: the same counting and fee rules as the month close
    (services.usage_record_refresh and _invoice_prepare), applied to the month that is still running."""
    month = month_start(today or timezone.now().astimezone(datetime.UTC).date())
    periods = plan_periods(company=company, month=month)
    plan = periods[-1].plan if periods else None
    rule = plan.active_member_rule if plan else ActiveMemberRule.LOGGED_IN
    counts = usage_count(company=company, month=month)
    active_members = counts.active_members(rule)
    lines = (
        fees.month_fees(
            segments=fee_segments(periods),
            days_in_month=days_in_month(month),
            active_members=active_members,
            transactions=counts.orders,
        )
        if periods
        else []
    )
    return UsageToDate(
        month=month,
        plan=plan,
        active_member_rule=rule,
        active_members=active_members,
        members_logged_in=counts.members_logged_in,
        members_ordered=counts.members_ordered,
        members_paid_subscription=counts.members_paid_subscription,
        orders=counts.orders,
        lines=lines,
        estimated_total=fees.money(fees.lines_total(lines)),
    )


def dunning_settings() -> DunningSettings:
    settings_row, _ = DunningSettings.objects.get_or_create(pk=1)
    return settings_row


def invoice_list(
    *, company: Company | None = None, month: datetime.date | None = None, status: str | None = None
) -> QuerySet[Invoice]:
    invoices = Invoice.objects.select_related("company", "plan").prefetch_related("lines")
    if company is not None:
        invoices = invoices.filter(company=company)
    if month is not None:
        invoices = invoices.filter(month=month_start(month))
    if status:
        invoices = invoices.filter(status=status)
    return invoices.order_by("-month", "company__name", "id")


def invoices_past_grace(*, today: datetime.date) -> QuerySet[Invoice]:
    """Unpaid invoices whose grace period has ended and which have not suspended their company yet."""
    grace = datetime.timedelta(days=dunning_settings().grace_period_days)
    return invoice_list(status=InvoiceStatus.PAYMENT_FAILED).filter(
        first_failed_on__lte=today - grace, suspended_company_at__isnull=True
    )


def usage_list(*, company: Company | None = None, month: datetime.date | None = None) -> QuerySet[UsageRecord]:
    records = UsageRecord.objects.select_related("company", "plan")
    if company is not None:
        records = records.filter(company=company)
    if month is not None:
        records = records.filter(month=month_start(month))
    return records.order_by("-month", "company__name", "id")


def revenue_by_month(
    *, month_from: datetime.date | None = None, month_to: datetime.date | None = None
) -> QuerySet[Invoice, Any]:
    """Invoiced and collected amounts per month, company and plan (one row each; currencies are never summed)."""
    invoices = Invoice.objects.all()
    if month_from:
        invoices = invoices.filter(month__gte=month_start(month_from))
    if month_to:
        invoices = invoices.filter(month__lte=month_start(month_to))
    zero = Value(fees.ZERO, output_field=DecimalField(max_digits=14, decimal_places=2))
    return (
        invoices.values(
            "month", "company_id", "company__name", "company__schema_name", "plan__code", "plan__name", "currency"
        )
        .annotate(
            invoices=Count("id"),
            invoiced=Coalesce(Sum("total"), zero),
            collected=Coalesce(Sum("total", filter=Q(status=InvoiceStatus.PAID)), zero),
        )
        .order_by("-month", "company__name", "plan__code")
    )


def price_plans() -> QuerySet[PricePlan]:
    """Every price plan by name (the onboarding form's choices)."""
    return PricePlan.objects.order_by("name")


def price_plans_with_tiers() -> QuerySet[PricePlan]:
    """Every price plan by name, with its member tiers (the price list)."""
    return PricePlan.objects.prefetch_related("tiers")
