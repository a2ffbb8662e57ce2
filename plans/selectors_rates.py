"""Reads of exchange rates (issue 19, docs/currencies.md): which currencies a run's payees are paid in, the rates
recorded with a run, and the rate a payout through a period converts at."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from core.company.models import Market
from core.company.services import company_settings_get
from core.members.models import Member
from plans.currencies import Conversion, conversion
from plans.models import CommissionPeriod, CommissionRun, RunExchangeRate, RunMemberResult, RunStatus


def base_currency() -> str:
    return company_settings_get().currency


def run_currencies_needed(*, run: CommissionRun) -> list[dict]:
    """``[{currency, payees, base_total}]`` for every currency other than the base that members paid by ``run`` are
    paid in (their market's), by currency code. Read from the run's per-member results (one row per member)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT mk.currency, count(*), COALESCE(sum(r.earned_cents), 0)
              FROM {RunMemberResult._meta.db_table} r
              JOIN {Member._meta.db_table} m ON m.id = r.member_id
              JOIN {Market._meta.db_table} mk ON mk.id = m.market_id
             WHERE r.run_id = %s AND r.earned_cents > 0 AND mk.currency <> %s
             GROUP BY mk.currency ORDER BY mk.currency
            """,
            [run.pk, base_currency()],
        )
        rows = cursor.fetchall()
    return [
        {"currency": code, "payees": payees, "base_total": (Decimal(cents) / 100).quantize(Decimal("0.01"))}
        for code, payees, cents in rows
    ]


def run_rates(*, run: CommissionRun) -> list[RunExchangeRate]:
    return list(RunExchangeRate.objects.filter(run=run).select_related("entered_by").order_by("currency"))


def run_rates_overview(*, run: CommissionRun) -> list[dict]:
    """What the run's page lists: each needed currency with its payees, their base total and the rate recorded
    (None: missing), then any rate recorded for a currency no payee needs any more."""
    rates = {rate.currency: rate for rate in run_rates(run=run)}
    rows = [
        {**need, "rate": rates.pop(need["currency"], None), "needed": True} for need in run_currencies_needed(run=run)
    ]
    rows += [{"currency": code, "payees": 0, "base_total": None, "rate": rate, "needed": False}
             for code, rate in sorted(rates.items())]  # fmt: skip
    return rows


def run_rates_missing(*, run: CommissionRun) -> list[str]:
    have = set(RunExchangeRate.objects.filter(run=run).values_list("currency", flat=True))
    return [need["currency"] for need in run_currencies_needed(run=run) if need["currency"] not in have]


def payout_rate_for(*, period: CommissionPeriod, currency: str) -> RunExchangeRate | None:
    """The rate a payout through ``period`` pays ``currency`` at: the one recorded with the posted run of
    ``period``, else of the latest posted period before it that has one (a member paid nothing in ``period`` may be
    paid an older balance)."""
    return (
        RunExchangeRate.objects.filter(
            currency=currency, run__status=RunStatus.POSTED, run__period__start__lte=period.start
        )
        .select_related("run__period")
        .order_by("-run__period__start")
        .first()
    )


def member_currency(*, member: Member) -> str:
    """The currency a member is paid in: their market's, else the company's base currency."""
    market = Market.objects.filter(members=member).values_list("currency", flat=True).first()
    return market or base_currency()


def period_conversion(*, member: Member, period: CommissionPeriod, base_amount: Decimal) -> Conversion | None:
    """``base_amount`` of ``period`` in the member's currency at the rate recorded with the period's posted run
    (what a statement shows beside the base amount); None when the member is paid in the base currency or the run
    recorded no rate for their currency (the member moved to another market after posting)."""
    base = base_currency()
    currency = member_currency(member=member)
    if currency == base:
        return None
    rate = (
        RunExchangeRate.objects.filter(run__period=period, run__status=RunStatus.POSTED, currency=currency)
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        return None
    return conversion(base_amount, base_currency=base, rate=rate, currency=currency)


def period_conversions(*, member: Member, totals: dict[int, Decimal]) -> dict[int, Conversion]:
    """``period_conversion`` for many periods at once (the earnings page): period id -> the total in the member's
    currency at the rate of that period's posted run; periods without such a rate are left out."""
    base = base_currency()
    currency = member_currency(member=member)
    if currency == base or not totals:
        return {}
    rates = dict(
        RunExchangeRate.objects.filter(
            run__period_id__in=list(totals), run__status=RunStatus.POSTED, currency=currency
        ).values_list("run__period_id", "rate")
    )
    return {
        period: conversion(total, base_currency=base, rate=rates[period], currency=currency)
        for period, total in totals.items()
        if period in rates
    }
