"""Beat entry points that fan work out to every active company, each task running in that company's schema."""

import datetime

from celery import shared_task
from django.utils import timezone
from django_tenants.utils import schema_context

from core.commerce.tasks import autoships_run, payments_reconcile_run, subscription_charges_run
from core.company.tasks import company_daily_jobs
from tenants.selectors import active_companies


@shared_task(name="tenants.tasks.fan_out_daily_jobs")
def fan_out_daily_jobs(day_iso: str | None = None) -> list[str]:
    """Send the daily job to each active company (suspended ones are skipped). Safe to repeat for a day."""
    day = day_iso or timezone.localdate().isoformat()
    datetime.date.fromisoformat(day)
    sent = []
    for company in active_companies():
        with schema_context(company.schema_name):
            company_daily_jobs.delay(day)
        sent.append(company.schema_name)
    return sent


@shared_task(name="tenants.tasks.commerce_daily_fan_out")
def commerce_daily_fan_out() -> list[str]:
    """Send each active company its back-office fee charges and its autoships (suspended companies are skipped)."""
    sent = []
    now_iso = timezone.now().isoformat()
    for company in active_companies():
        with schema_context(company.schema_name):
            subscription_charges_run.delay(now_iso)
            autoships_run.delay(now_iso)
        sent.append(company.schema_name)
    return sent


@shared_task(name="tenants.tasks.payments_reconcile_fan_out")
def payments_reconcile_fan_out() -> list[str]:
    """Beat, every five minutes: each active company settles its in-flight card charges (suspended ones skipped)."""
    sent = []
    for company in active_companies():
        with schema_context(company.schema_name):
            payments_reconcile_run.delay()
        sent.append(company.schema_name)
    return sent
