"""Writes of the plans app: commission periods and runs (previews, simulations, projections).

The calculation itself is the pure engine (plans.engine); these functions load its input (plans.loader) and store
its output (RunLine / RunMemberResult by binary COPY). Approving and posting a run (plans.services_posting) turns
it into immutable ledger lines.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from decimal import Decimal

import numpy as np
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from config.telemetry import run_progress_set
from config.tenancy import current_schema
from core.accounts.models import User
from core.commerce.public import (
    company_date,
    period_end_for,
    period_start_for,
)
from core.company.services import company_settings_get
from plans import tasks
from plans.engine import Plan, Reason, Result, Snapshot, calculate, plan_from_document
from plans.engine.calculate import streamable
from plans.history import attach_history
from plans.leases import lease_queued, lease_stalled, run_leased, runs_working
from plans.loader import load_snapshot
from plans.models import (
    CommissionPeriod,
    CommissionRun,
    PeriodStatus,
    PlanVersion,
    RunKind,
    RunLease,
    RunStatus,
    RunWork,
)
from plans.runstore import (
    LineWriter,
    member_results_write,
    partitions_attach,
    partitions_create,
    pieces_unattached_drop,
    run_rows_drop,
)
from plans.runstore_posted import partitions_lost
from plans.selectors import plan_version_for
from plans.selectors_freshness import period_fingerprint
from plans.services_plan_versions import plan_document_check
from plans.services_rates import run_rates_carry
from plans.synthetic import MAX_MEMBERS, generated_snapshot

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
TOP_EARNERS = 10


def cents(value: int) -> Decimal:
    return (Decimal(int(value)) / 100).quantize(CENT)


# ---------------------------------------------------------------------------------------------------- periods


@transaction.atomic
def period_get_or_create(*, day: datetime.date) -> CommissionPeriod:
    """The period containing ``day``, by the company's commission_period setting (monthly or weekly)."""
    length = company_settings_get().commission_period
    start = period_start_for(day, period=length)
    existing = CommissionPeriod.objects.filter(start__lte=day, end__gte=day).first()
    if existing is not None:
        return existing
    end = period_end_for(start, period=length)
    overlapping = CommissionPeriod.objects.filter(start__lte=end, end__gte=start).first()
    if overlapping is not None:
        raise ValidationError(
            {
                "day": [
                    gettext("%(day)s falls next to %(overlapping)s, created with another period length.")
                    % {"day": day, "overlapping": overlapping}
                ]
            }
        )
    return CommissionPeriod.objects.create(start=start, end=end, length=length)


# ---------------------------------------------------------------------------------------------------- runs


def _progress(run: CommissionRun, percent: int, note: str) -> None:
    """Autocommitted at once (outside the store transaction) so a client polling the run sees it."""
    CommissionRun.objects.filter(pk=run.pk).update(progress=percent, progress_note=note)
    run_progress_set(company=current_schema(), run=run.pk, percent=percent)  # the Prometheus gauge


def run_task_send(*, run: CommissionRun, work: str, by_id: int | None = None) -> None:
    """Send the run's task after commit and note it on the run's lease (plans.leases), so a task that is lost or
    whose worker dies is found and sent again by the beat job."""
    lease_queued(run_id=run.pk, work=work, by_id=by_id)
    if work == RunWork.POST:
        transaction.on_commit(lambda: tasks.commission_run_post.delay(run.pk, by_id))
    else:
        transaction.on_commit(lambda: tasks.commission_run_execute.delay(run.pk))


@transaction.atomic
def runs_requeue_stalled(*, now: datetime.datetime | None = None) -> list[int]:
    """Send the task again for every working run whose worker stopped beating (or never started). Returns the
    run ids. The dead holder's lease is cleared, so the new task can take it at once."""
    now = now or timezone.now()
    requeued = []
    for run in runs_working(CommissionRun.objects.select_related("lease").select_for_update(of=("self",))):
        lease: RunLease | None = getattr(run, "lease", None)
        if lease is None or not lease_stalled(lease, now):  # no lease: sent before leases existed
            continue
        run_task_send(run=run, work=lease.work, by_id=lease.requested_by_id)
        RunLease.objects.filter(pk=lease.pk).update(owner="", requeued_at=now, queued_at=now)
        requeued.append(run.pk)
    return requeued


def pieces_orphaned_drop() -> None:
    """The beat job's sweep: pieces of lines that runs no longer being calculated left unattached (a queued or
    running run's writers may be at work on theirs)."""

    def calculating(run_ids: set[int]) -> list[int]:
        return list(
            CommissionRun.objects.filter(pk__in=run_ids, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).values_list(
                "pk", flat=True
            )
        )

    _pieces_left_drop(None, spare=calculating)


def previews_lost_fail() -> list[int]:
    """Previews whose lines a database crash emptied (their tables are unlogged: plans.runstore) are marked failed,
    saying so, so no one reviews or approves an empty run; the period is previewed again. Returns the run ids."""
    lost = []
    candidates = CommissionRun.objects.filter(
        Q(line_count__gt=0) | Q(total_forfeited__gt=0),
        kind=RunKind.PREVIEW,
        status__in=[RunStatus.DONE, RunStatus.APPROVED],
    )
    with connection.cursor() as cursor:
        for run_id in candidates.values_list("pk", flat=True):
            if partitions_lost(cursor, run_id):
                lost.append(run_id)
    if lost:
        CommissionRun.objects.filter(pk__in=lost).update(
            status=RunStatus.FAILED, error=gettext("Its lines were lost in a database restart; preview again.")
        )
    return lost


def _carry_run(period: CommissionPeriod) -> CommissionRun | None:
    return (
        CommissionRun.objects.filter(status=RunStatus.POSTED, period__start__lt=period.start)
        .order_by("-period__start")
        .first()
    )


@transaction.atomic
def run_preview_request(*, period: CommissionPeriod, by: User | None = None, send: bool = True) -> CommissionRun:
    """Queue a preview of the period with the version in effect; the Celery task does the work (``send=False``: the
    caller calculates it in its own process, see ``run_preview``)."""
    period = CommissionPeriod.objects.select_for_update().get(pk=period.pk)
    if period.status in (PeriodStatus.POSTED, PeriodStatus.PAID):
        raise ValidationError(
            {"period": [gettext("The period starting %(start)s is already posted.") % {"start": period.start}]}
        )
    version = plan_version_for(period.start)
    if version is None:
        raise ValidationError(
            {"plan_version": [gettext("No active plan version takes effect by %(start)s.") % {"start": period.start}]}
        )
    run = CommissionRun.objects.create(
        period=period, plan_version=version, plan_document=version.document, kind=RunKind.PREVIEW, created_by=by
    )
    run_rates_carry(run=run)  # the exchange rates entered on the preview this one replaces
    if send:
        run_task_send(run=run, work=RunWork.EXECUTE)
    return run


@transaction.atomic
def run_simulation_request(
    *,
    period: CommissionPeriod | None = None,
    version: PlanVersion | None = None,
    document: dict | None = None,
    generated: dict | None = None,
    by: User | None = None,
    send: bool = True,
) -> CommissionRun:
    """What-if: any version or an unsaved draft document, on a past period's real data or on a generated company.
    Nothing is posted and no member's rank changes; the run keeps only its totals for the comparison."""
    if (version is None) == (document is None):
        raise ValidationError({"document": [gettext("Give either a plan version or a draft document, not both.")]})
    if document is not None:
        plan_document_check(document=document)
    if (period is None) == (generated is None):
        raise ValidationError(
            {"period": [gettext("Give either a period (real data) or a generated company, not both.")]}
        )
    if generated is not None:
        generated = _generated_check(generated)
    run = CommissionRun.objects.create(
        period=period,
        plan_version=version,
        plan_document=version.document if version is not None else document,
        kind=RunKind.SIMULATION,
        generated=generated,
        created_by=by,
    )
    if send:
        run_task_send(run=run, work=RunWork.EXECUTE)
    return run


def _generated_check(generated) -> dict:
    """The generated company's recipe, checked now so a bad one is refused here rather than failing in the task."""
    if not isinstance(generated, dict):
        raise ValidationError({"generated": [gettext('An object such as {"members": 10000, "seed": 1}.')]})
    errors = {}
    unknown = sorted(set(generated) - {"members", "orders_per_member", "seed"})
    if unknown:
        errors["generated"] = [gettext("Unknown field(s): %(choices)s.") % {"choices": ", ".join(map(str, unknown))}]
    size = generated.get("members")
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_MEMBERS:
        errors["generated.members"] = [
            gettext("A whole number of members from 1 to %(max_members)s.") % {"max_members": MAX_MEMBERS}
        ]
    per = generated.get("orders_per_member", 2.0)
    if isinstance(per, bool) or not isinstance(per, int | float) or not 0 < per <= 20:
        errors["generated.orders_per_member"] = [gettext("A number above 0 and at most 20.")]
    seed = generated.get("seed", 1)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        errors["generated.seed"] = [gettext("A whole number of at least 0.")]
    if errors:
        raise ValidationError(errors)
    return {"members": size, "orders_per_member": per, "seed": seed}


def run_execute(*, run_id: int) -> CommissionRun:
    """Load, calculate and store one run (the Celery task's body). Safe to retry: a finished run is left alone."""
    run = CommissionRun.objects.select_related("period").get(pk=run_id)
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.FAILED):
        return run
    CommissionRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now(), error="")
    try:
        plan = plan_from_document(run.plan_document)
        timings = {}
        started = time.perf_counter()
        _progress(run, 5, "loading the period from the database")
        snap, fingerprint = _run_input(run, plan)
        timings["load_s"] = round(time.perf_counter() - started, 3)
        _progress(run, 35, f"calculating {snap.n_members} members, {snap.n_orders} orders and storing the lines")
        _run_calculate_store(run, plan, snap, fingerprint, timings)
        run.refresh_from_db()
        return run
    except Exception as exc:
        CommissionRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}", finished_at=timezone.now()
        )
        _pieces_left_drop(run.pk)
        raise


def _pieces_left_drop(run_id: int | None, spare: Callable[[set[int]], list[int]] | None = None) -> None:
    """Pieces of lines a run's writers committed before it failed (plans.runstore): nothing points at them.
    Best effort after a failure (the database may be what failed); the beat job sweeps what stays."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            pieces_unattached_drop(cursor, run_id, spare=spare)
    except DatabaseError:
        logger.warning("Run %s: its unattached pieces of lines stay for the beat job's sweep", run_id, exc_info=True)


def _generated_baseline(snap: Snapshot) -> dict:
    """What a simulation on a generated company is compared with: the plan in effect today on the same members.
    Calculated here, in the run's task, and stored on the run, so the comparison page only reads it."""
    version = plan_version_for(timezone.localdate())
    if version is None:
        return {"plan_version": None}
    result = calculate(plan_from_document(version.document), snap)
    return {
        "plan_version": version.pk,
        "total_paid": str(Decimal(result.total_paid_cents) / 100),
        "total_cv": str(Decimal(result.total_cv_cents) / 100),
        "payout_ratio": str(result.payout_ratio),
        "by_component": {k: str(Decimal(v) / 100) for k, v in result.totals_by_component.items()},
        "by_rank": {k: str(Decimal(v) / 100) for k, v in result.totals_by_rank.items()},
    }


def _run_input(run: CommissionRun, plan: Plan) -> tuple[Snapshot, list]:
    if run.generated is not None:
        g = run.generated
        snap = generated_snapshot(
            members=g["members"], orders_per_member=g.get("orders_per_member", 2.0), seed=g.get("seed", 1)
        )
        return snap, []
    period = _run_period(run)
    carry = _carry_run(period)
    snap = load_snapshot(plan=plan, start=period.start, end=period.end, carry_run_id=carry.pk if carry else None)
    fingerprint = period_fingerprint(period, snap)
    return attach_history(snap, plan, period.start), fingerprint


def _top_earners(snap: Snapshot, earned: np.ndarray) -> list[dict]:
    k = min(TOP_EARNERS, int((earned > 0).sum()))
    if not k:
        return []
    top = np.argpartition(-earned, k - 1)[:k]
    top = top[np.lexsort((snap.member_id[top], -earned[top]))]
    return [{"member_id": int(snap.member_id[i]), "earned": str(cents(earned[i]))} for i in top]


def _summary(plan: Plan, snap: Snapshot, result: Result, earned: np.ndarray) -> dict:
    forfeits = result.forfeits
    by_reason: dict[str, str] = {}
    for reason in np.unique(forfeits.reason):
        by_reason[Reason(int(reason)).name.lower()] = str(cents(forfeits.amount_cents[forfeits.reason == reason].sum()))
    ranks_held = np.bincount(result.rank.astype(np.int64) + 1, minlength=len(plan.ranks) + 1)
    return {
        "rank_codes": list(result.rank_codes),
        "component_codes": list(result.component_codes),
        "by_component": {code: str(cents(v)) for code, v in result.totals_by_component.items()},
        "by_rank": {code: str(cents(v)) for code, v in result.totals_by_rank.items()},
        "members_by_rank": {
            code: int(count) for code, count in zip(("none", *result.rank_codes), ranks_held, strict=True)
        },
        "forfeited_by_reason": by_reason,
        "top_earners": _top_earners(snap, earned),
        "paid_members": int((earned > 0).sum()),
        "active_members": int(result.active.sum()),
        "orders": snap.n_orders,
        "pool_shares": result.pool_shares,
    }


def _calculate_writing(cursor, run, plan, snap, writer, store_members: bool) -> tuple[Result, np.ndarray]:
    """The calculation with the lines going to ``writer`` as they are made; then each member's result on the run's
    own connection while the writers finish the last pieces on theirs. Returns the result and each member's pay."""
    result = calculate(plan, snap, sink=writer)
    if writer is not None and not streamable(plan):
        writer(result.lines, False)
        writer(result.forfeits, True)
    if writer is not None:
        writer.flush()
    paid = result.lines.payee_idx >= 0
    earned = np.bincount(
        result.lines.payee_idx[paid], weights=result.lines.amount_cents[paid], minlength=snap.n_members
    ).astype(np.int64)  # exact: a member's total is far below 2**53 cents
    if store_members:
        member_results_write(cursor, run.pk, snap, result, earned, logged=writer is not None and writer.logged)
    return result, earned


def _run_calculate_store(run, plan, snap, fingerprint, timings) -> None:
    """Calculate, and keep the totals always; for previews the lines and per-member results too (projections: the
    member results), replacing the period's older preview. One transaction: the run's tables are created, filled as
    the engine makes the lines (plans.runstore), indexed and attached, and the run marked done, or none of it."""
    store_lines = run.kind == RunKind.PREVIEW
    # Projections keep the member results (the back office reads them), and so do simulations of a real period
    # (a what-if compares members' pay with its baseline's: plans.whatif).
    store_members = run.kind == RunKind.PROJECTION or (run.kind == RunKind.SIMULATION and run.period_id is not None)
    older: list[int] = []
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        # A preview may be posted: its rows go to the WAL as they are written (about a second more at 1M
        # members), so posting has nothing to rewrite (SET LOGGED of 10M lines was 11-25 s of a post).
        writer = LineWriter(cursor, run.pk, snap, logged=True) if store_lines else None
        if store_lines or store_members:
            partitions_create(cursor, run.pk, lines=store_lines)
        try:
            result, earned = _calculate_writing(cursor, run, plan, snap, writer, store_lines or store_members)
        finally:
            if writer is not None:
                writer.close()
        # The calculation, the lines' COPY beside it, and the member results beside the writers' last pieces.
        timings["calc_s"] = round(time.perf_counter() - started, 3)
        store_started = time.perf_counter()
        if run.generated is not None:
            CommissionRun.objects.filter(pk=run.pk).update(baseline=_generated_baseline(snap))
        summary = _summary(plan, snap, result, earned)
        period = None
        if run.kind == RunKind.PROJECTION:
            older = list(
                CommissionRun.objects.filter(kind=RunKind.PROJECTION).exclude(pk=run.pk).values_list("pk", flat=True)
            )
        if run.period_id is not None and store_lines:
            period = _run_period(run, lock=True)
            if period.status in (PeriodStatus.POSTED, PeriodStatus.PAID):
                raise ValidationError({"period": [gettext("The period was posted while this preview ran.")]})
            older = list(
                CommissionRun.objects.filter(period=period, kind=RunKind.PREVIEW)
                .exclude(pk=run.pk)
                .exclude(status__in=[RunStatus.SUPERSEDED, RunStatus.FAILED])
                .values_list("pk", flat=True)
            )
            if older:
                CommissionRun.objects.filter(pk__in=older).update(status=RunStatus.SUPERSEDED)
        if store_lines or store_members:
            partitions_attach(cursor, run.pk, lines=store_lines, pieces=writer.pieces if writer is not None else [])
        timings["store_s"] = round(time.perf_counter() - store_started, 3)
        if writer is not None:
            timings["lines_copied"] = writer.count
            summary["forfeit_ranges"] = writer.forfeit_ranges  # a posted run's ledger pages: PostedRunLedgerInOrder
            timings["lines_copy_s"] = round(writer.seconds, 3)
        summary["timings"] = timings
        summary["fingerprint"] = fingerprint
        CommissionRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE,
            progress=100,
            progress_note="done",
            finished_at=timezone.now(),
            total_paid=cents(result.total_paid_cents),
            total_forfeited=cents(result.total_forfeited_cents),
            total_cv=cents(result.total_cv_cents),
            payout_ratio=result.payout_ratio,
            member_count=snap.n_members,
            line_count=writer.paid_count if writer is not None else 0,
            summary=summary,
        )
        if period is not None:
            period.status = PeriodStatus.PREVIEWED
            period.save(update_fields=["status"])
    if older and run.kind == RunKind.PROJECTION:
        # Only the latest projection is read; the older ones go with their rows (runs still queued are left).
        _run_rows_delete(older)
        CommissionRun.objects.filter(pk__in=older).exclude(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).delete()
    elif older:
        # After the new preview is visible: nothing reads a superseded run's rows; dropping their partitions is
        # quick whatever their size.
        _run_rows_delete(older)


def _run_rows_delete(run_ids: list[int]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        run_rows_drop(cursor, run_ids)


def period_projection_refresh(*, day: datetime.date | None = None) -> CommissionRun | None:
    """Calculate the open period as if it closed now and keep it as the period's projection (the beat job's body,
    run in the worker: a page only reads the stored result). None when there is no plan in effect or the period
    containing ``day`` (default: today in the company's time zone) is already posted."""
    day = day or company_date(timezone.now())
    period = period_get_or_create(day=day)
    if period.status in (PeriodStatus.POSTED, PeriodStatus.PAID):
        return None
    version = plan_version_for(period.start)
    if version is None:
        return None
    run = CommissionRun.objects.create(
        period=period, plan_version=version, plan_document=version.document, kind=RunKind.PROJECTION
    )
    return run_execute(run_id=run.pk)


def run_preview(*, period: CommissionPeriod, by: User | None = None) -> CommissionRun:
    """Preview synchronously (tests, the bench, the demo): request, then execute in this process."""
    run = run_preview_request(period=period, by=by, send=False)
    return _run_execute_here(run.pk)


def run_simulate(**kwargs) -> CommissionRun:
    run = run_simulation_request(**kwargs, send=False)
    return _run_execute_here(run.pk)


def _run_execute_here(run_id: int) -> CommissionRun:
    """Calculate a run in this process under its lease, with no task sent for it: a worker used to compute the same
    run at the same time and could finish after an approval, turning the approved run back into a preview. If this
    process dies, the lease goes stale and the beat job sends the run to a worker."""
    with run_leased(run_id=run_id, work=RunWork.EXECUTE) as held:
        if not held:
            raise ValidationError({"run": [gettext("A worker is already calculating this run.")]})
        return run_execute(run_id=run_id)


def _run_period(run: CommissionRun, *, lock: bool = False) -> CommissionPeriod:
    """The period of a run on real data; a simulation on a generated company has none, so it is refused here."""
    if run.period_id is None:
        raise ValidationError({"run": [gettext("This run is a simulation on a generated company; it has no period.")]})
    periods = CommissionPeriod.objects.select_for_update() if lock else CommissionPeriod.objects
    return periods.get(pk=run.period_id)
