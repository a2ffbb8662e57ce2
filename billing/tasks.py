"""Billing's scheduled work. It runs in the public schema (billing's data lives there); metering enters each
company's schema explicitly. Every task is idempotent: re-running a month or a day bills nothing twice."""

import datetime

from celery import shared_task
from django.utils import timezone

from billing import services
from billing.selectors import month_before, month_start
from billing.stripe_gateway import TRANSIENT_ERRORS
from tenants.selectors import company_list


@shared_task(name="billing.tasks.close_month")
def close_month(month_iso: str | None = None) -> list[int]:
    """Beat, on the 1st: close the previous month (or `month_iso`) with one task per company."""
    month = month_start(datetime.date.fromisoformat(month_iso) if month_iso else month_before(timezone.localdate()))
    company_ids = list(company_list().values_list("id", flat=True))
    for company_id in company_ids:
        close_company_month.delay(company_id, month.isoformat())
    return company_ids


@shared_task(
    name="billing.tasks.close_company_month",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=8,
)
def close_company_month(company_id: int, month_iso: str) -> int | None:
    company = company_list().get(pk=company_id)
    invoice = services.company_month_close(company=company, month=datetime.date.fromisoformat(month_iso))
    return invoice.pk if invoice else None


@shared_task(name="billing.tasks.run_dunning", autoretry_for=TRANSIENT_ERRORS, retry_backoff=300, max_retries=5)
def run_dunning(day_iso: str | None = None) -> dict:
    """Beat, daily: retry due failed charges, auto-suspend past grace if enabled."""
    day = datetime.date.fromisoformat(day_iso) if day_iso else timezone.localdate()
    report = services.dunning_run(today=day)
    return {"retried": [i.pk for i in report.retried], "suspended": [i.pk for i in report.suspended]}
