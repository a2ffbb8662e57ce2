"""Billing's Celery beat entries (merged into CELERY_BEAT_SCHEDULE by config/settings/base.py)."""

from celery.schedules import crontab

BILLING_BEAT_SCHEDULE = {
    # 02:00 UTC on the 1st: every company's previous month is closed, invoiced and charged.
    "billing-monthly-close": {
        "task": "billing.tasks.close_month",
        "schedule": crontab(minute=0, hour=2, day_of_month=1),
        "options": {"expires": 20 * 3600},
    },
    # 06:00 UTC daily: dunning retries and (if enabled) suspensions.
    "billing-dunning": {
        "task": "billing.tasks.run_dunning",
        "schedule": crontab(minute=0, hour=6),
        "options": {"expires": 12 * 3600},
    },
}
