"""Commerce's scheduled work. The beat entry fans out to each active company (tenants.tasks); the per-company
task runs in that company's schema and calls a service. Tasks take ids and ISO strings, and are safe to repeat."""

from __future__ import annotations

import datetime

from celery import shared_task

from config.tenancy import current_schema
from core.commerce.services.autoship import autoship_run_due
from core.commerce.services.reconcile import payments_reconcile
from core.commerce.services.subscriptions import subscription_charge_due, subscriptions_ensure


@shared_task(name="core.commerce.tasks.subscription_charges_run")
def subscription_charges_run(now_iso: str) -> dict:
    """Start the subscriptions of distributors who have none, then charge this company's due back-office fees (once
    per subscription per day, so a retried task is harmless)."""
    now = datetime.datetime.fromisoformat(now_iso)
    started = subscriptions_ensure(now=now)
    attempts = subscription_charge_due(now=now)
    outcomes: dict[str, int] = {}
    for attempt in attempts:
        outcomes[attempt.outcome] = outcomes.get(attempt.outcome, 0) + 1
    return {"schema": current_schema(), "started": started, "attempts": len(attempts), "outcomes": outcomes}


@shared_task(name="core.commerce.tasks.autoships_run")
def autoships_run(now_iso: str) -> dict:
    """Run this company's due autoships (each at most once a day, so a retried task is harmless)."""
    runs = autoship_run_due(now=datetime.datetime.fromisoformat(now_iso))
    return {"schema": current_schema(), "runs": len(runs), "succeeded": sum(r.succeeded for r in runs)}


@shared_task(name="core.commerce.tasks.payments_reconcile_run")
def payments_reconcile_run() -> dict:
    """Settle this company's card charges left in flight (a killed process, a network error): safe to repeat."""
    return {"schema": current_schema(), **payments_reconcile()}
