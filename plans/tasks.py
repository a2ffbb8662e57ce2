"""Commission runs in the background. Sent from a company's schema context (services use transaction.on_commit), so
tenant-schemas-celery runs them in that schema; they take ids and are safe to retry. Each holds the run's lease and
beats while it works (plans.leases); a beat job requeues runs whose worker died."""

from celery import shared_task
from django_tenants.utils import schema_context

from plans import leases, services
from plans.models import CommissionRun, RunWork
from tenants.selectors import active_companies


@shared_task(name="plans.tasks.commission_run_execute")
def commission_run_execute(run_id: int) -> dict:
    """Preview or simulation: load, calculate, store, with progress on the run row."""
    with leases.run_leased(run_id=run_id, work=RunWork.EXECUTE) as held:
        if not held:
            return {"run": run_id, "busy": "another worker holds the run"}
        run = services.run_execute(run_id=run_id)
    return {"run": run.pk, "status": run.status, "total_paid": str(run.total_paid)}


@shared_task(name="plans.tasks.commission_run_post")
def commission_run_post(run_id: int, user_id: int | None = None) -> dict:
    """Post an approved run. A retry after success, or a second request, is refused by run_post (exactly once)."""
    from django.core.exceptions import ValidationError

    from core.accounts.models import User
    from plans import services_posting  # at call time: it imports plans.services, which imports this module

    with leases.run_leased(run_id=run_id, work=RunWork.POST) as held:
        if not held:
            return {"run": run_id, "busy": "another worker holds the run"}
        run = CommissionRun.objects.get(pk=run_id)
        by = User.objects.filter(pk=user_id).first() if user_id else None
        CommissionRun.objects.filter(pk=run.pk).update(progress_note="posting to the ledger")
        try:
            run = services_posting.run_post(run=run, by=by)
        except ValidationError as exc:
            CommissionRun.objects.filter(pk=run.pk).exclude(status="posted").update(progress_note="post refused")
            return {"run": run_id, "refused": exc.messages}
        CommissionRun.objects.filter(pk=run.pk).update(progress_note="posted")
    return {"run": run.pk, "status": run.status, "ledger_lines": run.summary.get("ledger_lines")}


@shared_task(name="plans.tasks.runs_requeue_stalled")
def runs_requeue_stalled() -> list[int]:
    """In one company: send again the runs whose worker stopped beating (see plans.leases); previews a database
    crash emptied are marked failed; pieces of lines failed runs left are dropped."""
    services.previews_lost_fail()
    services.pieces_orphaned_drop()
    return services.runs_requeue_stalled()


@shared_task(name="plans.tasks.runs_requeue_stalled_fan_out")
def runs_requeue_stalled_fan_out() -> list[str]:
    """Beat, every minute: check each active company's runs (suspended companies are skipped)."""
    sent = []
    for company in active_companies():
        with schema_context(company.schema_name):
            runs_requeue_stalled.delay()
        sent.append(company.schema_name)
    return sent


@shared_task(name="plans.tasks.commissions_posted_notify", bind=True, max_retries=5)
def commissions_posted_notify(self, period_id: int) -> dict:
    """After a post commits: e-mail each paid distributor (with their statement when the company says so), each
    exactly once however often this runs (the statement notice outbox); e-mails the mail server refused are tried
    again in 10 minutes, five times at most."""
    from plans.models import CommissionPeriod, StatementNotice, StatementNoticeStatus
    from plans.statements.notices import commissions_posted_notify as notify

    period = CommissionPeriod.objects.filter(pk=period_id, status__in=["posted", "paid"]).first()
    if period is None:
        return {"period": period_id, "skipped": "not posted"}
    sent = notify(period=period)
    failed = StatementNotice.objects.filter(period=period, status=StatementNoticeStatus.FAILED).count()
    if failed and self.request.retries < self.max_retries:
        raise self.retry(countdown=600)
    return {"period": period_id, "sent": sent, "failed": failed}


@shared_task(name="plans.tasks.posted_run_analyze")
def posted_run_analyze(run_id: int) -> dict:
    """After a post commits: the planner's statistics on the run's lines, which are now ledger lines that members'
    pages read by payee and the console by line number (plans.runstore_posted.partitions_analyze)."""
    from django.db import connection

    from plans.runstore_posted import partitions_analyze

    with connection.cursor() as cursor:
        partitions_analyze(cursor, run_id)
    return {"run": run_id}


@shared_task(name="plans.tasks.period_projection_refresh")
def period_projection_refresh() -> dict:
    """In one company: calculate the open period as if it closed now (distributors' projected commissions)."""
    run = services.period_projection_refresh()
    return {"run": run.pk if run else None, "status": run.status if run else "no open period with a plan"}


@shared_task(name="plans.tasks.period_projections_fan_out")
def period_projections_fan_out() -> list[str]:
    """Beat, every 15 minutes: refresh each active company's projection (suspended companies are skipped)."""
    sent = []
    for company in active_companies():
        with schema_context(company.schema_name):
            period_projection_refresh.delay()
        sent.append(company.schema_name)
    return sent
