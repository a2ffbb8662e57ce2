"""Writes of the plans app: plan versions, periods, runs (preview -> approve -> post), adjustments, payouts.

The calculation itself is the pure engine (plans.engine); these functions load its input (plans.loader), store its
output (RunLine / RunMemberResult by binary COPY) and turn an approved run into immutable ledger lines.
"""

from __future__ import annotations

import datetime
import logging
import time
from decimal import Decimal

import numpy as np
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext

from config.telemetry import run_progress_set
from config.tenancy import current_schema
from core.accounts.models import User
from core.bulk import foreign_keys_checked_by_caller
from core.commerce.public import (
    Party,
    company_date,
    period_end_for,
    period_start_for,
)
from core.company.services import company_settings_get
from core.members.models import Member
from plans import tasks
from plans.audit import audit_record, expected_check
from plans.engine import Plan, PlanError, Reason, Result, Rule, Snapshot, calculate, plan_from_document
from plans.engine.calculate import streamable
from plans.engine.document import Message
from plans.history import attach_history
from plans.leases import lease_queued, lease_stalled, run_leased, runs_working
from plans.loader import load_snapshot
from plans.models import (
    CommissionPeriod,
    CommissionRun,
    LedgerKind,
    LedgerLine,
    MoneyAction,
    PeriodStatus,
    PlanVersion,
    RunKind,
    RunLease,
    RunLine,
    RunMemberResult,
    RunStatus,
    RunWork,
)
from plans.runstore import (
    LineWriter,
    member_results_write,
    partitions_attach,
    partitions_create,
    partitions_keep,
    partitions_lost,
    pieces_unattached_drop,
    run_rows_drop,
)
from plans.selectors import plan_version_for
from plans.selectors_freshness import period_fingerprint
from plans.services_clawbacks import clawbacks_post
from plans.services_periods import period_open_refusal
from plans.services_rates import run_rates_carry, run_rates_required
from plans.synthetic import MAX_MEMBERS, generated_snapshot

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
RULE_NAMES = [Rule(v).name.lower() for v in range(1, max(Rule) + 1)]  # index rule - 1
TOP_EARNERS = 10


def cents(value: int) -> Decimal:
    return (Decimal(int(value)) / 100).quantize(CENT)


# ---------------------------------------------------------------------------------------------------- plan versions


def plan_document_check(*, document) -> Plan:
    """The validated plan, or a ValidationError naming every bad field (``document.components[1].rates[2]``), each
    reason in the active language."""
    try:
        return plan_from_document(document)
    except PlanError as exc:
        raise ValidationError(
            {f"document.{path}": [plan_message(reason) for reason in reasons] for path, reasons in exc.errors.items()}
        ) from exc


def plan_message(message: str) -> str:
    """An engine's validation message in the active language: the engine (pure, no Django) keeps each message's
    English template and parameters (``plans.engine.document.Message``); its templates are in the catalogue."""
    if not isinstance(message, Message):
        return message
    params = {name: plan_message(value) if isinstance(value, str) else value for name, value in message.params.items()}
    return gettext(message.template) % params if params else gettext(message.template)


@transaction.atomic
def plan_version_create(*, document: dict, name: str = "", by: User | None = None) -> PlanVersion:
    """A new draft version (validated now, so only a valid document is ever stored)."""
    plan = plan_document_check(document=document)
    number = (PlanVersion.objects.select_for_update().aggregate(m=Max("number"))["m"] or 0) + 1
    return PlanVersion.objects.create(
        number=number, name=name or plan.name, document=document, is_draft=True, created_by=by
    )


@transaction.atomic
def plan_version_activate(
    *, version: PlanVersion, effective_from: datetime.date, by: User | None = None
) -> PlanVersion:
    """Make a draft the plan from the period starting ``effective_from``. Posted periods keep their own version."""
    version = PlanVersion.objects.select_for_update().get(pk=version.pk)
    if not version.is_draft:
        raise ValidationError(
            {
                "version": [
                    gettext("Version %(number)s is already active from %(effective_from)s.")
                    % {"number": version.number, "effective_from": version.effective_from}
                ]
            }
        )
    if period_start_for(effective_from) != effective_from:
        raise ValidationError(
            {
                "effective_from": [
                    gettext(
                        "%(effective_from)s is not the start of a commission period (the period "
                        "containing it starts %(period_start_for)s)."
                    )
                    % {"effective_from": effective_from, "period_start_for": period_start_for(effective_from)}
                ]
            }
        )
    closed = CommissionPeriod.objects.filter(
        start__gte=effective_from, status__in=[PeriodStatus.POSTED, PeriodStatus.PAID]
    ).first()
    if closed is not None:
        raise ValidationError(
            {
                "effective_from": [
                    gettext(
                        "The period starting %(start)s is already posted; a new version can only take "
                        "effect after the last posted period."
                    )
                    % {"start": closed.start}
                ]
            }
        )
    if PlanVersion.objects.filter(is_draft=False, effective_from=effective_from).exists():
        raise ValidationError(
            {
                "effective_from": [
                    gettext("Another version already takes effect from %(effective_from)s.")
                    % {"effective_from": effective_from}
                ]
            }
        )
    plan_document_check(document=version.document)
    version.is_draft = False
    version.effective_from = effective_from
    version.activated_at = timezone.now()
    version.activated_by = by
    version.save(update_fields=["is_draft", "effective_from", "activated_at", "activated_by"])
    return version


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


def _lines_expected(run: CommissionRun) -> bool:
    """Whether the run stored lines at all (a period with no volume pays and forfeits nothing)."""
    return run.line_count > 0 or run.total_forfeited > 0


def pieces_orphaned_drop() -> None:
    """The beat job's sweep: pieces of lines that runs no longer being calculated left unattached."""
    _pieces_left_drop(None)


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


def _pieces_left_drop(run_id: int | None) -> None:
    """Pieces of lines a run's writers committed before it failed (plans.runstore): nothing points at them.
    Best effort after a failure (the database may be what failed); the beat job sweeps what stays."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            pieces_unattached_drop(cursor, run_id)
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
        writer = LineWriter(cursor, run.pk, snap) if store_lines else None
        if store_lines or store_members:
            partitions_create(cursor, run.pk, lines=store_lines)
        try:
            result = calculate(plan, snap, sink=writer)
            if writer is not None and not streamable(plan):
                writer(result.lines, False)
                writer(result.forfeits, True)
            timings["calc_s"] = round(time.perf_counter() - started, 3)  # with the lines' COPY overlapping it
        finally:
            if writer is not None:
                writer.close()
        if run.generated is not None:
            CommissionRun.objects.filter(pk=run.pk).update(baseline=_generated_baseline(snap))
        store_started = time.perf_counter()
        paid = result.lines.payee_idx >= 0
        earned = np.bincount(
            result.lines.payee_idx[paid], weights=result.lines.amount_cents[paid], minlength=snap.n_members
        ).astype(np.int64)  # exact: a member's total is far below 2**53 cents
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
            member_results_write(cursor, run.pk, snap, result, earned)
            partitions_attach(cursor, run.pk, lines=store_lines, pieces=writer.pieces if writer is not None else [])
        timings["store_s"] = round(time.perf_counter() - store_started, 3)
        if writer is not None:
            timings["lines_copied"] = writer.count
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


def _check_fresh(run: CommissionRun) -> None:
    if run.summary.get("fingerprint") != period_fingerprint(_run_period(run)):
        raise ValidationError(
            {
                "run": [
                    gettext("The period's orders or members changed since this preview was calculated; preview again.")
                ]
            }
        )


def _paid_members(run: CommissionRun) -> int:
    return int(run.summary.get("paid_members", 0))


@transaction.atomic
def run_approve(
    *, run: CommissionRun, by: User | None = None, expected_total: Decimal | str | None = None
) -> CommissionRun:
    """Approve the latest preview. ``expected_total``: the total the admin confirmed (a different one is refused)."""
    period = _run_period(run, lock=True)
    run = CommissionRun.objects.select_for_update().get(pk=run.pk)
    if run.kind != RunKind.PREVIEW or run.status != RunStatus.DONE:
        raise ValidationError(
            {
                "run": [
                    gettext("Only the period's latest finished preview can be approved (run is %(status)s).")
                    % {"status": run.status}
                ]
            }
        )
    if period.status != PeriodStatus.PREVIEWED:
        raise ValidationError(
            {
                "period": [
                    gettext("The period is %(status)s; it must be previewed to approve.") % {"status": period.status}
                ]
            }
        )
    _check_fresh(run)
    expected_check(expected=expected_total, actual=run.total_paid, payees=_paid_members(run))
    run.status = RunStatus.APPROVED
    run.approved_at = timezone.now()
    run.approved_by = by
    run.save(update_fields=["status", "approved_at", "approved_by"])
    period.status = PeriodStatus.APPROVED
    period.save(update_fields=["status"])
    audit_record(
        action=MoneyAction.RUN_APPROVE, by=by, period=period, run=run, amount=run.total_paid,
        payees=_paid_members(run), detail={"total_cv": str(run.total_cv), "lines": run.line_count},
    )  # fmt: skip
    return run


def _post_check(period: CommissionPeriod, run: CommissionRun) -> None:
    if period.status in (PeriodStatus.POSTED, PeriodStatus.PAID) or run.status == RunStatus.POSTED:
        raise ValidationError(
            {
                "run": [
                    gettext("The period starting %(start)s is already posted; it posts once.") % {"start": period.start}
                ]
            }
        )
    if run.status != RunStatus.APPROVED or period.status != PeriodStatus.APPROVED:
        raise ValidationError(
            {"run": [gettext("Only an approved run can be posted (run is %(status)s).") % {"status": run.status}]}
        )
    refusal = period_open_refusal(period)
    if refusal:
        raise ValidationError({"period": [refusal]})


@transaction.atomic
def run_post_request(
    *, run: CommissionRun, by: User | None = None, expected_total: Decimal | str | None = None
) -> CommissionRun:
    """Check now (a clear refusal for the admin), post in a Celery task (a large run writes millions of lines).
    ``expected_total``: the total the admin confirmed (a different one is refused)."""
    period = _run_period(run, lock=True)
    run = CommissionRun.objects.select_for_update().get(pk=run.pk)
    _post_check(period, run)
    _check_fresh(run)
    expected_check(expected=expected_total, actual=run.total_paid, payees=_paid_members(run))
    _payees_check(run)
    run_rates_required(run=run)
    CommissionRun.objects.filter(pk=run.pk).update(progress_note="queued for posting")
    run_task_send(run=run, work=RunWork.POST, by_id=by.pk if by else None)
    run.refresh_from_db()
    return run


@transaction.atomic
def run_post(*, run: CommissionRun, by: User | None = None) -> CommissionRun:
    """Exactly once per period: the approved run's paid lines become ledger lines, members' ranks are updated,
    refunds flagged against earlier posted periods become clawback lines in this period, and the period closes."""
    period = _run_period(run, lock=True)
    run = CommissionRun.objects.select_for_update().get(pk=run.pk)
    _post_check(period, run)
    _check_fresh(run)
    _payees_check(run)
    run_rates_required(run=run)  # from here the run's rates are fixed: it is posted under this row lock
    now = timezone.now()
    run.kind = RunKind.FINAL
    run.status = RunStatus.POSTED
    run.posted_at = now
    run.posted_by = by
    run.save(update_fields=["kind", "status", "posted_at", "posted_by"])  # the unique constraint backs "once"
    written = _ledger_from_run(run, period, now)
    _member_ranks_update(run)
    clawed = clawbacks_post(run=run, period=period, now=now, by=by)
    run.summary = {**run.summary, "ledger_lines": written, "clawback_lines": clawed}
    run.save(update_fields=["summary"])
    period.status = PeriodStatus.POSTED
    period.plan_version = run.plan_version
    period.posted_at = now
    period.save(update_fields=["status", "plan_version", "posted_at"])
    # The period was closed for new volume (commerce's close) by period_close; _post_check refused it otherwise.
    audit_record(
        action=MoneyAction.RUN_POST, by=by, period=period, run=run, amount=run.total_paid,
        payees=_paid_members(run), detail={"ledger_lines": written, "clawback_lines": clawed},
    )  # fmt: skip
    transaction.on_commit(lambda: tasks.commissions_posted_notify.delay(period.pk))  # the "commissions posted" e-mail
    return run


def _payees_check(run: CommissionRun) -> None:
    """Every paid line must have a payee: a member (payee_id), or for a party host reward the party's host customer.
    A host reward for a party whose host is neither (a guest named only) would post money to no one: refuse, naming
    the lines and parties, before anything is written (the ledger's CHECK constraint is the last guard)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT rl.line_no, rl.source_party_id, p.name, rl.amount_cents
              FROM {RunLine._meta.db_table} rl
              LEFT JOIN {Party._meta.db_table} p ON p.id = rl.source_party_id
             WHERE rl.run_id = %s AND rl.reason = 0 AND rl.payee_id = 0 AND p.host_customer_id IS NULL
             ORDER BY rl.line_no
            """,
            [run.pk],
        )
        orphans = cursor.fetchall()
    if not orphans:
        return
    named = "; ".join(
        f"line {line_no} ({cents(amount)}" + (f', party {party_id} "{name}")' if party_id else ")")
        for line_no, party_id, name, amount in orphans[:10]
    )
    more = f" and {len(orphans) - 10} more" if len(orphans) > 10 else ""
    raise ValidationError(
        {
            "run": [
                gettext(
                    "Run %(pk)s cannot be posted: %(count)s line(s) have no payee: %(named)s%(more)s. "
                    "Give each party a host who is a member or a customer, then run the period again."
                )
                % {"pk": run.pk, "count": len(orphans), "named": named, "more": more}
            ]
        }
    )


def _references_check(cursor, run: CommissionRun) -> None:
    """What the ledger's foreign keys would check row by row, for the whole run at once, on distinct ids: every
    member a line names (payee, source) is one of the run's members, so the run's member results (one row per
    member, in id order) are checked against the members table; the parties named are checked once each. Orders
    are covered by the fingerprint (_check_fresh: a missing order changes the period's count)."""
    cursor.execute(
        f"""
        SELECT (SELECT count(*) FROM {RunMemberResult._meta.db_table} r
                 WHERE r.run_id = %s AND NOT EXISTS (SELECT 1 FROM {Member._meta.db_table} m WHERE m.id = r.member_id)),
               (SELECT count(*) FROM (SELECT DISTINCT source_party_id FROM {RunLine._meta.db_table}
                                       WHERE run_id = %s AND reason = 0 AND source_party_id <> 0) p
                 WHERE NOT EXISTS (SELECT 1 FROM {Party._meta.db_table} x WHERE x.id = p.source_party_id))
        """,
        [run.pk, run.pk],
    )
    members, parties = cursor.fetchone()
    if members or parties:
        raise ValidationError(
            {
                "run": [
                    gettext(
                        "Run %(pk)s names %(members)s member(s) and %(parties)s part(ies) that no longer "
                        "exist; preview again."
                    )
                    % {"pk": run.pk, "members": members, "parties": parties}
                ]
            }
        )


def _ledger_from_run(run: CommissionRun, period: CommissionPeriod, now) -> int:
    """One INSERT ... SELECT: no row travels through Python, and no explanation JSON is built per line.

    The ledger's foreign keys are checked for the whole run at once (_references_check) and, where the role may,
    the INSERT runs without the per-row triggers that would check them again one row at a time (10M lookups and row
    locks at 1M members: core.bulk.foreign_keys_checked_by_caller). Members, orders and parties are never deleted
    (every reference to them is PROTECT), so the check made in this transaction holds at its commit. CHECK
    constraints (one payee) are not triggers: they hold for every row either way."""
    codes = run.summary["component_codes"]
    with connection.cursor() as cursor:
        if _lines_expected(run) and partitions_lost(cursor, run.pk):
            raise ValidationError(
                {"run": [gettext("Run %(pk)s lost its lines in a database restart; preview again.") % {"pk": run.pk}]}
            )
        _references_check(cursor, run)
        # The explanation is left empty: its keys are this row's own columns and the numbers of its order and
        # member, read back by plans.selectors_explanations.ledger_explanations (building them here was half the
        # post's time).
        # Lines go in line order, so the ledger's indexes grow at their end: a run's rows are stored in that order
        # (plans.runstore: pieces in line-number order, each written in it), so a sequential scan reads them so,
        # started at the beginning (not joined to a scan already running), with no sort (10M rows spilled to disk
        # for 15 s) and no index. Each keeps its line_no, which is how the ledger finds it by order
        # (plans.selectors_commission_lines.commission_lines_of_orders).
        cursor.execute("SET LOCAL synchronize_seqscans = off")
        with foreign_keys_checked_by_caller(cursor):
            cursor.execute(
                f"""
                INSERT INTO {LedgerLine._meta.db_table}
                    (kind, period_id, run_id, payee_id, payee_customer_id, amount, component, rule, source_order_id,
                     source_member_id, source_party_id, line_no, level_raw, level_compressed, rate, basis, explanation,
                     reason, created_at)
                SELECT %s, %s, rl.run_id, NULLIF(rl.payee_id, 0),
                       CASE WHEN rl.payee_id = 0
                            THEN (SELECT p.host_customer_id FROM {Party._meta.db_table} p
                                   WHERE p.id = rl.source_party_id)
                       END,
                       rl.amount_cents / 100.0, (%s::text[])[rl.component + 1], (%s::text[])[rl.rule],
                       NULLIF(rl.source_order_id, 0), NULLIF(rl.source_member_id, 0), NULLIF(rl.source_party_id, 0),
                       rl.line_no, rl.level_raw, rl.level_compressed,
                       CASE WHEN rl.rate_bp >= 0 THEN rl.rate_bp / 100.0 END, rl.basis_cents / 100.0,
                       '{{}}'::jsonb, '', %s
                  FROM {RunLine._meta.db_table} rl
                 WHERE rl.run_id = %s AND rl.reason = 0
                """,
                [LedgerKind.COMMISSION, period.pk, codes, RULE_NAMES, now, run.pk],
            )  # fmt: skip
            written = cursor.rowcount
        partitions_keep(cursor, run.pk)  # the forfeits and member results of a posted run are history
        return written


def _member_ranks_update(run: CommissionRun) -> None:
    codes = run.summary["rank_codes"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Member._meta.db_table} m
               SET paid_as_rank = COALESCE((%s::text[])[r.rank + 1], ''),
                   highest_rank = COALESCE((%s::text[])[r.highest_rank + 1], m.highest_rank)
              FROM {RunMemberResult._meta.db_table} r
             WHERE r.run_id = %s AND r.member_id = m.id
               AND (m.paid_as_rank IS DISTINCT FROM COALESCE((%s::text[])[r.rank + 1], '')
                    OR m.highest_rank IS DISTINCT FROM COALESCE((%s::text[])[r.highest_rank + 1], m.highest_rank))
            """,
            [codes or ["-"], codes or ["-"], run.pk, codes or ["-"], codes or ["-"]],
        )


# ---------------------------------------------------------------------------------------------------- adjustments


@transaction.atomic
def ledger_adjust(
    *, member: Member, amount: Decimal, reason: str, by: User | None, period: CommissionPeriod | None = None
) -> LedgerLine:
    """A manual correction: a new posted line (positive or negative) with the reason and the admin who made it."""
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = [gettext("Say why the adjustment is made.")]
    try:
        amount = Decimal(amount)
    except (ArithmeticError, TypeError, ValueError):
        errors["amount"] = [gettext("A decimal amount such as 25.00 or -10.50.")]
    else:
        if amount != amount.quantize(CENT) or not amount:
            errors["amount"] = [gettext("A non-zero amount with at most two decimal places.")]
    if by is None:
        errors["by"] = [gettext("An adjustment records the admin who made it.")]
    if errors or by is None:
        raise ValidationError(errors)
    if period is None:
        period = period_get_or_create(day=timezone.localdate())
    line = LedgerLine.objects.create(
        kind=LedgerKind.ADJUSTMENT,
        period=period,
        payee=member,
        amount=amount.quantize(CENT),
        component="adjustment",
        reason=reason.strip()[:500],
        explanation={"adjustment": True, "by": by.email, "reason": reason.strip()[:500]},
        created_by=by,
        created_at=timezone.now(),
    )
    audit_record(
        action=MoneyAction.ADJUSTMENT, by=by, period=period, member_id=member.pk, amount=line.amount, payees=1,
        note=line.reason, detail={"ledger_line": line.pk, "member_number": member.number},
    )  # fmt: skip
    return line
