"""Commission runs in the background. Sent from a company's schema context (services use transaction.on_commit), so
tenant-schemas-celery runs them in that schema; they take ids and are safe to retry."""

from celery import shared_task

from plans import services
from plans.models import CommissionRun


@shared_task(name="plans.tasks.commission_run_execute")
def commission_run_execute(run_id: int) -> dict:
    """Preview or simulation: load, calculate, store, with progress on the run row."""
    run = services.run_execute(run_id=run_id)
    return {"run": run.pk, "status": run.status, "total_paid": str(run.total_paid)}


@shared_task(name="plans.tasks.commission_run_post")
def commission_run_post(run_id: int, user_id: int | None = None) -> dict:
    """Post an approved run. A retry after success, or a second request, is refused by run_post (exactly once)."""
    from django.core.exceptions import ValidationError

    from core.accounts.models import User

    run = CommissionRun.objects.get(pk=run_id)
    by = User.objects.filter(pk=user_id).first() if user_id else None
    CommissionRun.objects.filter(pk=run.pk).update(progress_note="posting to the ledger")
    try:
        run = services.run_post(run=run, by=by)
    except ValidationError as exc:
        CommissionRun.objects.filter(pk=run.pk).exclude(status="posted").update(progress_note="post refused")
        return {"run": run_id, "refused": exc.messages}
    CommissionRun.objects.filter(pk=run.pk).update(progress_note="posted")
    return {"run": run.pk, "status": run.status, "ledger_lines": run.summary.get("ledger_lines")}
