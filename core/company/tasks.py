"""Daily per-company job, run inside the company's schema by the beat fan-out (tenants.tasks)."""

import datetime

from celery import shared_task
from django.utils import timezone

from config import tenancy
from core.company.models import DailyJobRun


@shared_task(name="core.company.tasks.company_daily_jobs")
def company_daily_jobs(day_iso: str) -> dict:
    """Runs the company's daily jobs once for `day_iso`; a repeat for the same day does nothing."""
    day = datetime.date.fromisoformat(day_iso)
    run, created = DailyJobRun.objects.get_or_create(job="daily", day=day, defaults={"status": "running"})
    if not created and run.status == "done":
        return {"schema": tenancy.current_schema(), "day": day_iso, "ran": False}
    from core.demotion.services.evaluation import evaluate_through
    from core.members.services.enrolment import holding_tank_expire

    holding_tank_expire()
    evaluated = evaluate_through(day=day)
    run.detail = {"demotion_days": [r.day.isoformat() for r in evaluated]}
    run.status = "done"
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at", "detail"])
    return {"schema": tenancy.current_schema(), "day": day_iso, "ran": True}


@shared_task(name="core.company.tasks.current_schema")
def current_schema() -> str:
    """Reports the schema a task runs in (used by the health checks and the isolation tests)."""
    return tenancy.current_schema()
