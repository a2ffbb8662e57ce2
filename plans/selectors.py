"""Reads of the plans app: wallets and payouts, run reviews and comparisons, reports, the console's lists."""

from __future__ import annotations

import datetime
import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, DecimalField, F, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Least

from core.csv_safe import csv_writer
from core.members.models import Member
from plans.currencies import minor_unit
from plans.models import (
    CommissionPeriod,
    CommissionRun,
    LedgerKind,
    LedgerLine,
    MoneyAuditEntry,
    PayoutBatch,
    PayoutItem,
    PayoutStatus,
    PlanVersion,
    RunKind,
    RunMemberResult,
    RunStatus,
)
from plans.selectors_rank_progress import latest_reference_run

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)


# ---------------------------------------------------------------------------------------------------- wallets


def wallet_balances() -> QuerySet:
    """Rows ``{payee_id, earned, paid_out, balance}``: posted ledger lines minus payout items not cancelled."""
    paid_out = (
        PayoutItem.objects.filter(member_id=OuterRef("payee_id"))
        .exclude(batch__status=PayoutStatus.CANCELLED)
        .values("member_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        LedgerLine.objects.filter(payee__isnull=False)
        .values("payee_id")
        .annotate(earned=Sum("amount"), paid_out=Coalesce(Subquery(paid_out, output_field=MONEY), Value(ZERO)))
        .annotate(balance=F("earned") - F("paid_out"))
        .order_by()
    )


def payout_due_through(*, period: CommissionPeriod) -> list[dict]:
    """Per member with something due, ordered by member id: ``{payee_id, earned_through, paid_before, last_line,
    due}``. ``earned_through``: their ledger lines in periods up to and including ``period`` (``last_line`` the newest
    of them); ``paid_before``: what batches not cancelled paid them; ``due`` = earned_through - paid_before, never
    more than their whole balance (a clawback in a later period is netted first)."""
    through = Q(period__start__lte=period.start)
    paid_out = (
        PayoutItem.objects.filter(member_id=OuterRef("payee_id"))
        .exclude(batch__status=PayoutStatus.CANCELLED)
        .values("member_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    rows = (
        LedgerLine.objects.filter(payee__isnull=False)
        .values("payee_id")
        .annotate(
            earned_through=Coalesce(Sum("amount", filter=through), Value(ZERO), output_field=MONEY),
            earned=Sum("amount"),
            last_line=Max("id", filter=through),
            paid_before=Coalesce(Subquery(paid_out, output_field=MONEY), Value(ZERO)),
        )
        .annotate(due=Least(F("earned_through") - F("paid_before"), F("earned") - F("paid_before")))
        .filter(due__gt=0)
        .order_by("payee_id")
    )
    return [
        {key: row[key] for key in ("payee_id", "earned_through", "paid_before", "last_line", "due")} for row in rows
    ]


def payout_item_lines(*, item: PayoutItem) -> QuerySet:
    """The ledger lines a payout item settles (with what earlier batches paid of them)."""
    period = item.batch.period
    lines = LedgerLine.objects.filter(payee_id=item.member_id).select_related("period")
    if period is None or item.last_line_id is None:
        return lines.none()
    return lines.filter(period__start__lte=period.start, id__lte=item.last_line_id).order_by("id")


def money_audit_entries() -> QuerySet:
    """The money audit log, newest first."""
    return MoneyAuditEntry.objects.select_related("period", "member", "batch").order_by("-at", "-id")


def wallet_balance(*, member: Member) -> dict:
    rows = list(wallet_balances().filter(payee_id=member.pk))
    row = rows[0] if rows else None
    if row is None:
        return {"earned": ZERO, "paid_out": ZERO, "balance": ZERO}
    return {"earned": row["earned"], "paid_out": row["paid_out"], "balance": row["balance"]}


# ---------------------------------------------------------------------------------------------------- runs


def _totals(run: CommissionRun) -> dict[str, Any]:
    return {
        "run": run.pk,
        "kind": run.kind,
        "status": run.status,
        "total_paid": run.total_paid,
        "total_cv": run.total_cv,
        "payout_ratio": run.payout_ratio,
        "by_component": run.summary.get("by_component", {}),
        "by_rank": run.summary.get("by_rank", {}),
    }


def _difference(new: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any] | None:
    if old is None:
        return None

    def delta(a: dict, b: dict) -> dict:
        keys = list(dict.fromkeys([*a, *b]))
        return {k: str(Decimal(a.get(k, "0")) - Decimal(b.get(k, "0"))) for k in keys}

    change = new["total_paid"] - old["total_paid"]
    percent = (change * 100 / old["total_paid"]).quantize(Decimal("0.01")) if old["total_paid"] else None
    return {
        "total_paid": change,
        "total_paid_percent": percent,
        "payout_ratio": new["payout_ratio"] - old["payout_ratio"],
        "by_component": delta(new["by_component"], old["by_component"]),
        "by_rank": delta(new["by_rank"], old["by_rank"]),
    }


def period_reference_run(period: CommissionPeriod | None) -> CommissionRun | None:
    """The run a period is judged by: the posted one, else its latest finished preview."""
    if period is None:
        return None
    runs = CommissionRun.objects.filter(period=period)
    return runs.filter(status=RunStatus.POSTED).first() or (
        runs.filter(kind=RunKind.PREVIEW, status__in=[RunStatus.DONE, RunStatus.APPROVED]).order_by("-id").first()
    )


def run_review(*, run: CommissionRun) -> dict:
    """What an admin checks before approving: totals, payout ratio, by rank and bonus, top earners, and the change
    against the previous period's run."""
    summary = run.summary
    top = summary.get("top_earners", [])
    members = {m.pk: m for m in Member.objects.filter(pk__in=[t["member_id"] for t in top])}
    previous = None
    period = run.period
    if period is not None:
        earlier = CommissionPeriod.objects.filter(start__lt=period.start).order_by("-start").first()
        previous = period_reference_run(earlier)
    totals = _totals(run)
    previous_totals = _totals(previous) if previous is not None else None
    return {
        **totals,
        "period_start": period.start if period is not None else None,
        "total_forfeited": run.total_forfeited,
        "forfeited_by_reason": summary.get("forfeited_by_reason", {}),
        "members_by_rank": summary.get("members_by_rank", {}),
        "member_count": run.member_count,
        "paid_members": summary.get("paid_members", 0),
        "line_count": run.line_count,
        "top_earners": [
            {
                "number": members[t["member_id"]].number if t["member_id"] in members else None,
                "name": members[t["member_id"]].full_name if t["member_id"] in members else "",
                "earned": Decimal(t["earned"]),
            }
            for t in top
        ],
        "previous": previous_totals,
        "change": _difference(totals, previous_totals),
    }


def simulation_compare(*, run: CommissionRun) -> dict:
    """A simulation against what actually ran: the period's posted run (or latest preview); on a generated company,
    the plan that was in effect when the simulation ran, on the same generated members (the run's task calculated
    it and stored it in ``run.baseline``: nothing is calculated here). ``baseline_missing`` is True for a generated
    run finished before baselines were stored (``actual`` is then None)."""
    sim = _totals(run)
    baseline_missing = False
    actual: dict[str, Any] | None = None
    whatif_base = (run.baseline or {}).get("base_run") if run.generated is None else None
    if whatif_base is not None:  # a what-if of one option: its own baseline run (plans.whatif)
        base = CommissionRun.objects.filter(pk=whatif_base).first()
        actual = _totals(base) if base is not None and base.status == RunStatus.DONE else None
    elif run.generated is None:
        reference = period_reference_run(run.period)
        actual = _totals(reference) if reference is not None else None
    elif run.baseline is None:
        baseline_missing = True
    elif run.baseline.get("plan_version") is not None:
        b = run.baseline
        actual = {
            "run": None,
            "kind": "active_plan_on_generated_company",
            "status": "done",
            "total_paid": Decimal(b["total_paid"]),
            "total_cv": Decimal(b["total_cv"]),
            "payout_ratio": Decimal(b["payout_ratio"]),
            "by_component": b["by_component"],
            "by_rank": b["by_rank"],
        }
    return {
        "simulation": sim,
        "actual": actual,
        "difference": _difference(sim, actual),
        "baseline_missing": baseline_missing,
    }


def plan_version_for(start: datetime.date) -> PlanVersion | None:
    """The published plan version in effect on ``start``."""
    return PlanVersion.objects.filter(is_draft=False, effective_from__lte=start).order_by("-effective_from").first()


# ---------------------------------------------------------------------------------------------------- payout batches


def payout_batch_currencies(*, batch: PayoutBatch) -> list[dict]:
    """``[{currency, payees, base_total, paid_total}]`` of a batch, by the currency its members are paid in."""
    rows = (
        batch.items.values("currency")
        .annotate(payees=Count("id"), base_total=Sum("amount"), paid_total=Sum("paid_amount"))
        .order_by("currency")
    )
    return [dict(row) for row in rows]


def payout_batch_csv(*, batch) -> str:
    """One row per payee: what a payment provider's bulk-payment import needs. ``amount`` and ``currency`` are what
    the member is paid (their market's currency, to its minor unit: 1128.02 EUR, 1136 JPY); ``base_amount``,
    ``base_currency`` and ``rate`` are what it was converted from (docs/currencies.md). Numbers are written the
    machine way (a point for decimals, no thousands separator), whatever the reader's language."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["batch", "member_number", "name", "email", "amount", "currency", "base_amount", "base_currency",
                     "rate", "reference"])  # fmt: skip
    items = batch.items.select_related("member").order_by("member__number")
    for item in items.iterator(chunk_size=2000):
        m = item.member
        paid = item.paid_amount.quantize(minor_unit(item.currency))
        writer.writerow([batch.pk, m.number, m.full_name, m.email, f"{paid:f}", item.currency, f"{item.amount:.2f}",
                         batch.currency, f"{item.rate.normalize():f}", f"payout-{batch.pk}-{m.number}"])  # fmt: skip
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------- reports


def commissions_by_member(*, period: CommissionPeriod, member_number: int | None = None) -> QuerySet:
    """Rows ``{number, first_name, last_name, component, kind, total, lines}`` of a period's ledger, by payee and
    bonus (party hosts who are customers are left out: they are not members)."""
    rows = LedgerLine.objects.filter(period=period, payee__isnull=False)
    if member_number is not None:
        rows = rows.filter(payee__number=member_number)
    return (
        rows.values(
            "component",
            "kind",
            number=F("payee__number"),
            first_name=F("payee__first_name"),
            last_name=F("payee__last_name"),
        )
        .annotate(total=Sum("amount"), lines=Count("id"))
        .order_by("number", "component", "kind")
    )


def ranks_in_run(*, run: CommissionRun) -> QuerySet:
    """Members of a run with their paid-as and highest rank index and volumes (hundredths), by member number."""
    return (
        RunMemberResult.objects.filter(run_id=run.pk)
        .values("member_id", "rank", "highest_rank", "pv", "psv", "gv", "active", "earned_cents",
                number=F("member__number"), first_name=F("member__first_name"), last_name=F("member__last_name"))
        .order_by("number")
    )  # fmt: skip


def income_disclosure(*, year: int) -> dict:
    """An income disclosure statement for a calendar year: members of the year's posted runs grouped by the
    highest paid-as rank they held in the year, with their share, and average, median and top annual earnings from
    the ledger (commissions, clawbacks and adjustments of the year's periods). Members who earned nothing count too.
    Rank names come from the year's latest posted run (ranks are by position in the plan)."""
    periods = list(CommissionPeriod.objects.filter(start__year=year).values_list("pk", flat=True))
    runs = list(
        CommissionRun.objects.filter(period_id__in=periods, status=RunStatus.POSTED)
        .order_by("period__start")
        .values_list("pk", "summary")
    )
    rank_codes = runs[-1][1].get("rank_codes", []) if runs else []
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH r AS (SELECT member_id, max(rank) AS rank FROM {RunMemberResult._meta.db_table}
                        WHERE run_id = ANY(%s) GROUP BY member_id),
                 e AS (SELECT payee_id, sum(amount) AS earned FROM {LedgerLine._meta.db_table}
                        WHERE period_id = ANY(%s) AND payee_id IS NOT NULL GROUP BY payee_id),
                 j AS (SELECT COALESCE(r.rank, -1) AS rank, COALESCE(e.earned, 0) AS earned
                         FROM r FULL JOIN e ON e.payee_id = r.member_id),
                 k AS (SELECT rank, earned, row_number() OVER (PARTITION BY rank ORDER BY earned) AS rn,
                              count(*) OVER (PARTITION BY rank) AS n FROM j)
            SELECT rank, count(*), sum(earned), max(earned), min(earned),
                   avg(earned) FILTER (WHERE rn IN ((n + 1) / 2, (n + 2) / 2))
              FROM k GROUP BY rank ORDER BY rank DESC
            """,
            [[pk for pk, _ in runs], periods],
        )
        rows = cursor.fetchall()
    members = sum(row[1] for row in rows)
    out = []
    for rank, count, total, top, low, median in rows:
        out.append(
            {
                "rank": rank_codes[rank] if 0 <= rank < len(rank_codes) else ("none" if rank < 0 else f"#{rank}"),
                "members": count,
                "share": (Decimal(count) * 100 / members).quantize(Decimal("0.01"), ROUND_HALF_UP),
                "average": (Decimal(total) / count).quantize(Decimal("0.01"), ROUND_HALF_UP),
                "median": Decimal(median).quantize(Decimal("0.01"), ROUND_HALF_UP),
                "top": Decimal(top).quantize(Decimal("0.01")),
                "lowest": Decimal(low).quantize(Decimal("0.01")),
                "total": Decimal(total).quantize(Decimal("0.01")),
            }
        )
    return {"year": year, "members": members, "posted_periods": len(runs), "rows": out}


# ---------------------------------------------------------------------------------------------------- pages' reads
# The console's lists of versions, periods, runs, adjustments and payout batches.


def plan_versions_list() -> QuerySet[PlanVersion]:
    return PlanVersion.objects.all()


def plan_version_runs(*, version: PlanVersion) -> QuerySet[CommissionRun]:
    return version.runs.select_related("period").order_by("-id")


def commission_periods(*, statuses: list[str] | None = None) -> QuerySet[CommissionPeriod]:
    """Commission periods, newest first (only those in ``statuses`` when given)."""
    periods = CommissionPeriod.objects.order_by("-start")
    return periods.filter(status__in=statuses) if statuses is not None else periods


def report_period_default() -> CommissionPeriod | None:
    """The period the commission reports open on: the latest reference run's, else the newest period."""
    run = latest_reference_run()
    return run.period if run is not None else commission_periods().first()


def periods_with_latest_run() -> QuerySet[CommissionPeriod]:
    """Each period with its latest run that is not a simulation (``latest_run``, ``latest_status``)."""
    latest = (
        CommissionRun.objects.filter(period=OuterRef("pk"))
        .exclude(kind__in=[RunKind.SIMULATION, RunKind.PROJECTION])
        .order_by("-id")
    )
    return CommissionPeriod.objects.select_related("plan_version").annotate(
        latest_run=Subquery(latest.values("pk")[:1]), latest_status=Subquery(latest.values("status")[:1])
    )


def period_years() -> list[int]:
    """The years that have a commission period, latest first."""
    return sorted({d.year for d in CommissionPeriod.objects.values_list("start", flat=True)}, reverse=True)


def commission_runs() -> QuerySet[CommissionRun]:
    return CommissionRun.objects.select_related("period", "plan_version")


def commission_runs_search(*, period_id: int | None = None, kind: str = "") -> QuerySet[CommissionRun]:
    """Runs newest first, with their period, plan version and lease (of ``period_id`` and of ``kind`` when given)."""
    runs = CommissionRun.objects.select_related("period", "plan_version", "lease")
    if kind != RunKind.PROJECTION:  # the beat job's estimate for distributors, not a run an admin reviews
        runs = runs.exclude(kind=RunKind.PROJECTION)
    if period_id is not None:
        runs = runs.filter(period_id=period_id)
    return runs.filter(kind=kind) if kind else runs


def commission_run_rank_codes(*, run_ids: set[int]) -> dict[int, list[str]]:
    """run id -> the rank codes its summary names (to explain its ledger lines), in one query."""
    rows = CommissionRun.objects.filter(pk__in=run_ids).values_list("pk", "summary")
    return {pk: summary.get("rank_codes", []) for pk, summary in rows}


def commission_periods_with_version() -> QuerySet[CommissionPeriod]:
    """Every period, newest first, with its plan version."""
    return CommissionPeriod.objects.select_related("plan_version")


def adjustments_list() -> QuerySet[LedgerLine]:
    return (
        LedgerLine.objects.filter(kind=LedgerKind.ADJUSTMENT)
        .select_related("payee", "period", "created_by")
        .order_by("-id")
    )


def payout_batches_list() -> QuerySet[PayoutBatch]:
    return PayoutBatch.objects.select_related("period")
