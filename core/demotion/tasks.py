"""Demotion work in the background, inside the company's schema."""

import datetime

from celery import shared_task

# Modules, not names: core.demotion.services.evaluation imports this module back (to queue its runs).
from core.demotion.services import evaluation, notices


@shared_task(name="core.demotion.tasks.notifications_send", autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def notifications_send() -> int:
    """Send the queued notices (safe to run twice: each notice is sent at most once)."""
    return notices.notifications_send_pending()


@shared_task(name="core.demotion.tasks.evaluate_through")
def evaluate_through(day_iso: str) -> list[str]:
    """Evaluate up to a day (catching up missed days); the daily job and the admin's "run now" both use it."""
    runs = evaluation.evaluate_through(day=datetime.date.fromisoformat(day_iso))
    return [run.day.isoformat() for run in runs]
