"""Which Celery queue each task goes to, by task name.

Long runs (commission runs, period projections, demotion evaluations, month closes, imports) go to ``<default>.long``
and short jobs (e-mails, webhooks, notifications) to ``<default>.short``; everything else (the beat's fan-outs, the
daily jobs) stays on the default queue. ``make serve`` and the compose file start one worker for the long queue and
one for the default and short queues, so a commission run of a million members never delays a password e-mail.
"""

from __future__ import annotations

LONG_TASKS = (
    "plans.tasks.commission_run_execute",
    "plans.tasks.commission_run_post",
    "plans.tasks.period_projection_refresh",
    "core.demotion.tasks.evaluate_through",
    "billing.tasks.close_company_month",
    "core.members.tasks.*",  # imports
)
SHORT_TASKS = (
    "core.webhooks.tasks.webhook_deliver",
    "core.demotion.tasks.notifications_send",
    "plans.tasks.commissions_posted_notify",
    "*.send_email",
    "*.email_*",
)


def queue_names(default_queue: str) -> tuple[str, str, str]:
    """(default, long, short) queue names derived from the default one."""
    return default_queue, f"{default_queue}.long", f"{default_queue}.short"


def task_routes(default_queue: str) -> dict[str, dict[str, str]]:
    """Celery's ``task_routes``: task name (glob) → queue."""
    _, long_queue, short_queue = queue_names(default_queue)
    routes = {name: {"queue": long_queue} for name in LONG_TASKS}
    routes.update({name: {"queue": short_queue} for name in SHORT_TASKS})
    return routes
