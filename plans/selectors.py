"""Reads of the plans app: run reviews, comparisons, wallets, ledger lines explained in words."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, DecimalField, F, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.commerce.public import MemberVolume, company_date, period_end_for, period_start_for
from core.csv_safe import csv_writer
from core.members.models import Member
from plans.currencies import minor_unit
from plans.engine import plan_from_document
from plans.models import (
    CommissionPeriod,
    CommissionRun,
    LedgerKind,
    LedgerLine,
    MoneyAuditEntry,
    PayoutBatch,
    PayoutItem,
    PayoutStatus,
    PeriodStatus,
    PlanVersion,
    RunKind,
    RunLine,
    RunMemberResult,
    RunStatus,
)

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


# ---------------------------------------------------------------------------------------------------- explanations


class RunLinesInOrder:
    """A stored run's lines in line order, for a pager: a run's writer numbers its lines from 0 without gaps
    (plans.runstore), so a page is one range of line numbers found through the run's BRIN index, and the count is
    the run's own, where an OFFSET would walk every line before the page and a count would read them all."""

    ordered = True

    def __init__(self, run_id: int, count: int):
        self.run_id, self._count = run_id, count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, key: slice) -> list[RunLine]:
        start, stop, _ = key.indices(self._count)
        lines = RunLine.objects.filter(run_id=self.run_id, line_no__gte=start, line_no__lt=stop)
        return list(lines.order_by("line_no"))

    def none(self) -> QuerySet:
        return RunLine.objects.none()


def run_lines(
    *, run: CommissionRun, member: Member | None = None, paid_only: bool = False, component: str = ""
) -> QuerySet | RunLinesInOrder:
    """A run's computed lines; ``component`` (a bonus code of the run's plan; an unknown code filters nothing).
    Unfiltered, those of a run its writer stored are paged by line number (``RunLinesInOrder``)."""
    codes = run.summary.get("component_codes", [])
    stored = run.summary.get("timings", {}).get("lines_copied")
    if member is None and not paid_only and component not in codes and isinstance(stored, int):
        return RunLinesInOrder(run.pk, stored)
    lines = RunLine.objects.filter(run_id=run.pk).order_by("line_no")
    if component in codes:
        lines = lines.filter(component=codes.index(component))  # run lines store the bonus by its index
    if member is not None:
        lines = lines.filter(payee_id=member.pk)
    if paid_only:
        lines = lines.filter(reason=0)
    return lines


def ledger_lines(
    *, run: CommissionRun | None = None, member: Member | None = None, period=None, component: str = ""
) -> QuerySet:
    lines = LedgerLine.objects.select_related("payee", "period", "created_by").order_by("id")
    if run is not None:
        lines = lines.filter(run=run)
    if component:
        lines = lines.filter(component=component)
    if member is not None:
        lines = lines.filter(payee=member)
    if period is not None:
        lines = lines.filter(period=period)
    return lines


def earnings_lines(*, member: Member, period: CommissionPeriod) -> QuerySet[LedgerLine]:
    """A distributor's ledger lines in a period, with the order and member each came from (the page names them)."""
    return ledger_lines(member=member, period=period).select_related("source_order", "source_member")


def earnings_by_period(*, member: Member) -> list[dict]:
    """The distributor's posted earnings per period, split by bonus (component)."""
    rows = (
        LedgerLine.objects.filter(payee=member)
        .values("period_id", "period__start", "period__end", "period__status", "component", "kind")
        .annotate(total=Sum("amount"))
        .order_by("-period__start", "component", "kind")
    )
    periods: dict[int, dict] = {}
    for row in rows:
        p = periods.setdefault(
            row["period_id"],
            {"period": row["period_id"], "start": row["period__start"], "end": row["period__end"],
             "status": row["period__status"], "total": ZERO, "by_bonus": {}},
        )  # fmt: skip
        key = row["component"] if row["kind"] == "commission" else f"{row['component']} ({row['kind']})"
        p["by_bonus"][key] = p["by_bonus"].get(key, ZERO) + row["total"]
        p["total"] += row["total"]
    return list(periods.values())


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


# ---------------------------------------------------------------------------------------------------- rank progress


def latest_reference_run() -> CommissionRun | None:
    """The newest period's run a member's standing is read from: a posted run, else the latest finished preview."""
    return (
        CommissionRun.objects.filter(period__isnull=False)
        .filter(Q(status=RunStatus.POSTED) | Q(kind=RunKind.PREVIEW, status__in=[RunStatus.DONE, RunStatus.APPROVED]))
        .select_related("period")
        .order_by("-period__start", "-id")
        .first()
    )


def _points(hundredths: int) -> Decimal:
    return (Decimal(int(hundredths)) / 100).quantize(Decimal("0.01"))


def _criterion(key: str, label: str, have, need, missing_text: str, unit: str = "") -> dict:
    met = have >= need
    percent = 100 if met or not need else int(Decimal(have) * 100 / Decimal(need))
    return {"key": key, "label": label, "have": have, "need": need, "unit": unit, "met": met,
            "percent": max(0, min(percent, 100)), "missing": "" if met else missing_text}  # fmt: skip


def rank_progress(
    *, member: Member, run: CommissionRun | None = None, live: dict[str, Decimal] | None = None
) -> dict | None:
    """The member's paid-as rank in a run (default: the latest posted run or preview) and, for the next rank, each
    criterion with what is held, what is needed and what is missing in words. Read from the run's stored per-member
    results (volumes, activity, ranks) and the run's plan document, so it says exactly what that run decided.
    None when there is no run yet or the member was not in it."""
    run = run or latest_reference_run()
    if run is None:
        return None
    mine = RunMemberResult.objects.filter(run_id=run.pk, member_id=member.pk).first()
    if mine is None:
        return None
    if live is not None:  # the open period: criteria count today's volumes (the page shows the same figures)
        mine.pv, mine.psv, mine.gv = (int(live[k] * 100) for k in ("pv", "psv", "gv"))
    plan = plan_from_document(run.plan_document)
    ranks = plan.ranks
    current = ranks[mine.rank] if 0 <= mine.rank < len(ranks) else None
    nxt_index = mine.rank + 1
    out: dict[str, Any] = {
        "run": run,
        "period": run.period,
        "pv": _points(mine.pv),
        "psv": _points(mine.psv),
        "gv": _points(mine.gv),
        "active": mine.active,
        "rank": current,
        "highest_rank": ranks[mine.highest_rank] if 0 <= mine.highest_rank < len(ranks) else None,
        "earned": Decimal(mine.earned_cents) / 100,
        "next": None,
        "criteria": [],
        "missing": [],
    }
    if nxt_index >= len(ranks):
        return out
    target = ranks[nxt_index]
    out["next"] = target
    criteria: list[dict[str, Any]] = out["criteria"]
    if target.min_pv:
        short_pv = gettext("%(n)s more PV") % {"n": _points(target.min_pv - mine.pv)}
        criteria.append(_criterion("pv", gettext("Personal volume (PV)"), _points(mine.pv), _points(target.min_pv),
                                   short_pv, "PV"))  # fmt: skip
    if target.min_psv:
        short_psv = gettext("%(n)s more PSV") % {"n": _points(target.min_psv - mine.psv)}
        criteria.append(_criterion("psv", gettext("Personal sales volume (PSV)"), _points(mine.psv),
                                   _points(target.min_psv), short_psv, "PSV"))  # fmt: skip
    frontline = list(
        RunMemberResult.objects.filter(run_id=run.pk, member__sponsor_id=member.pk).values_list("gv", "active")
    )
    if target.min_gv:
        if target.max_leg_share_bp is not None:
            cap = target.min_gv * target.max_leg_share_bp // 10000
            counted = mine.psv + sum(min(gv, cap) for gv, _ in frontline)
            label = gettext("Group volume (GV), at most %(cap)s from any one leg") % {"cap": _points(cap)}
            missing = gettext("%(n)s more GV (counting at most %(cap)s from any one leg)") % {
                "n": _points(target.min_gv - counted), "cap": _points(cap)}  # fmt: skip
        else:
            counted, label = mine.gv, gettext("Group volume (GV)")
            missing = gettext("%(n)s more GV") % {"n": _points(target.min_gv - counted)}
        criteria.append(_criterion("gv", label, _points(counted), _points(target.min_gv), missing, "GV"))
    if target.min_active_sponsored:
        actives = sum(1 for _, active in frontline if active)
        short = target.min_active_sponsored - actives
        criteria.append(
            _criterion("sponsored", gettext("Personally sponsored active members"), actives,
                       target.min_active_sponsored,
                       ngettext("%(n)s more personally sponsored active member",
                                "%(n)s more personally sponsored active members", short) % {"n": short})
        )  # fmt: skip
    if target.legs:
        best = _leg_best_ranks(run, member)
        for leg in target.legs:
            name = ranks[leg.rank].name or ranks[leg.rank].code
            have = sum(1 for rank in best if rank >= leg.rank)
            short = leg.count - have
            criteria.append(
                _criterion(f"legs_{leg.rank}", gettext("Legs with a %(rank)s or higher") % {"rank": name}, have,
                           leg.count, ngettext("%(n)s more leg with a %(rank)s or higher",
                                               "%(n)s more legs with a %(rank)s or higher", short)
                           % {"n": short, "rank": name})
            )  # fmt: skip
    out["missing"] = [c["missing"] for c in criteria if not c["met"]]
    return out


def _leg_best_ranks(run: CommissionRun, member: Member) -> list[int]:
    """Per frontline sponsor leg, the highest paid-as rank anyone in it holds in the run (one grouped query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT m.sponsor_path[%s], max(r.rank) FROM {Member._meta.db_table} m
                  JOIN {RunMemberResult._meta.db_table} r ON r.member_id = m.id AND r.run_id = %s
                 WHERE m.sponsor_path @> ARRAY[%s]::bigint[] AND m.id <> %s GROUP BY 1""",
            [member.sponsor_depth + 2, run.pk, member.pk, member.pk],
        )
        return [int(rank) for _, rank in cursor.fetchall()]


# ---------------------------------------------------------------------------------------------------- reports


def commission_lines_of_orders(order_ids) -> QuerySet:
    """The commission lines paid on these orders, oldest first.

    A line posted from a run's stored lines (``line_no`` set) is found through the posted run's own partition, which
    posting indexes by order once (plans.runstore.partitions_keep): the ledger keeps no order index for such lines,
    as maintaining one row by row was 40 % of a 10M-line post. Other lines (written one by one, or posted before)
    are in the ledger's partial order index."""
    order_ids = sorted({int(x) for x in order_ids})
    if not order_ids:
        return LedgerLine.objects.none()
    posted = list(CommissionRun.objects.filter(status=RunStatus.POSTED).values_list("pk", flat=True))
    by_run: dict[int, list[int]] = {}
    if posted:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT run_id, line_no FROM {RunLine._meta.db_table} "
                "WHERE run_id = ANY(%s) AND reason = 0 AND source_order_id = ANY(%s)",
                [posted, order_ids],
            )
            for run_id, line_no in cursor.fetchall():
                by_run.setdefault(run_id, []).append(line_no)
    found = Q(line_no__isnull=True, source_order_id__in=order_ids)
    for run_id, line_nos in by_run.items():
        found |= Q(run_id=run_id, line_no__in=line_nos)
    return LedgerLine.objects.filter(found, kind=LedgerKind.COMMISSION).order_by("id")


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


# ---------------------------------------------------------------------------------------------------- period figures
# One source for a member's figures of a period (PV, PSV, CV, GV, paid-as and highest rank, progress, projected or
# earned commissions): the dashboard, the earnings page, a member's page and the API all read member_period_figures.

LIVE, RUN = "live", "run"
BONUS_DEFAULT_NAMES = {
    "unilevel": _("Unilevel commission"),
    "stairstep_breakaway": _("Stairstep breakaway commission"),
    "matrix": _("Matrix commission"),
    "binary": _("Binary pairing bonus"),
    "p2p": _("Sales commission"),
    "party": _("Party commission"),
    "retail_profit": _("Retail profit"),
    "fast_start": _("Fast start bonus"),
    "rank_advancement": _("Rank advancement bonus"),
    "matching": _("Check match"),
    "leadership_pool": _("Leadership pool"),
    "enrolment_bonus": _("Enrolment bonus"),
}


@dataclass
class PeriodFigures:
    """``source`` is LIVE (the open period so far: volumes from today's orders; rank, progress and projected
    commissions from the latest projection, calculated at ``as_of``) or RUN (the period's posted run)."""

    start: datetime.date
    end: datetime.date
    period: CommissionPeriod | None
    source: str
    pv: Decimal = ZERO
    psv: Decimal = ZERO
    cv: Decimal = ZERO
    gv: Decimal = ZERO
    active: bool | None = None
    rank: str = ""  # the company's name for the paid-as rank; "" none (or not calculated yet)
    highest_rank: str = ""
    run: CommissionRun | None = None
    as_of: datetime.datetime | None = None
    projected: Decimal | None = None  # LIVE: what the figures would pay if the period closed at as_of
    earned: Decimal | None = None  # RUN: what the posted run paid the member
    progress: dict | None = None  # rank_progress(): next rank, criteria, what is missing
    extra: dict = field(default_factory=dict)

    @property
    def is_live(self) -> bool:
        return self.source == LIVE

    @property
    def calculated(self) -> bool:
        """True when a run (posted, or the projection) has decided the rank."""
        return self.run is not None


def _volume_points(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _live_volumes(member: Member, start: datetime.date) -> dict[str, Decimal]:
    """PV, PSV, CV of the member and GV (the PSV of the member and everyone under them in the sponsor tree, as the
    plan engine counts it) for the period starting ``start``, from the volumes kept current on every payment and
    refund; two indexed queries."""
    own = MemberVolume.objects.filter(member_id=member.pk, period_start=start).first()
    gv = MemberVolume.objects.filter(period_start=start, member__sponsor_path__contains=[member.pk]).aggregate(
        total=Sum("psv")
    )["total"]
    return {"pv": _volume_points(own.pv if own else 0), "psv": _volume_points(own.psv if own else 0),
            "cv": _volume_points(own.cv if own else 0), "gv": _volume_points(gv)}  # fmt: skip


def _rank_name(rank) -> str:
    return (rank.name or rank.code) if rank is not None else ""


def latest_projection(*, period: CommissionPeriod) -> CommissionRun | None:
    return (
        CommissionRun.objects.filter(period=period, kind=RunKind.PROJECTION, status=RunStatus.DONE)
        .order_by("-id")
        .first()
    )


def _latest_ranking(period: CommissionPeriod) -> CommissionRun | None:
    """The newest calculation of an open period: the beat job's projection or an admin's preview, whichever
    finished last."""
    runs = [run for run in (latest_projection(period=period), period_reference_run(period)) if run is not None]
    return max(runs, key=lambda run: (run.finished_at is not None, run.finished_at, run.pk), default=None)


def current_period_bounds() -> tuple[datetime.date, datetime.date]:
    start = period_start_for(company_date(timezone.now()))
    return start, period_end_for(start)


def member_period_figures(*, member: Member, period: CommissionPeriod | None = None) -> PeriodFigures:
    """The member's figures for ``period`` (default: the period containing today). A posted period reads the posted
    run; any other reads live volumes and the latest projection (computed by the beat job, never here)."""
    if period is None:
        start, end = current_period_bounds()
        period = CommissionPeriod.objects.filter(start=start).first()
    else:
        start, end = period.start, period.end
    posted = (
        CommissionRun.objects.filter(period=period, status=RunStatus.POSTED).first()
        if period is not None and period.status in (PeriodStatus.POSTED, PeriodStatus.PAID)
        else None
    )
    if posted is not None:
        figures = PeriodFigures(start=start, end=end, period=period, source=RUN, run=posted)
        progress = rank_progress(member=member, run=posted)
        cv = _live_volumes(member, start)["cv"]
        if progress is not None:
            figures.pv, figures.psv, figures.gv, figures.cv = progress["pv"], progress["psv"], progress["gv"], cv
            figures.active = progress["active"]
            figures.rank, figures.highest_rank = _rank_name(progress["rank"]), _rank_name(progress["highest_rank"])
            figures.earned = progress["earned"].quantize(Decimal("0.01"))
            figures.progress = progress
        else:
            figures.cv, figures.earned = cv, ZERO
        figures.as_of = posted.posted_at
        return figures
    live = _live_volumes(member, start)
    figures = PeriodFigures(start=start, end=end, period=period, source=LIVE,
                            pv=live["pv"], psv=live["psv"], cv=live["cv"], gv=live["gv"])  # fmt: skip
    ranked = _latest_ranking(period) if period is not None else None
    progress = rank_progress(member=member, run=ranked, live=live) if ranked is not None else None
    if progress is not None and ranked is not None:
        figures.run, figures.as_of = ranked, ranked.finished_at
        figures.active = progress["active"]
        figures.rank, figures.highest_rank = _rank_name(progress["rank"]), _rank_name(progress["highest_rank"])
        figures.projected = progress["earned"].quantize(Decimal("0.01"))
        figures.progress = progress
    return figures


def bonus_names() -> dict[str, str]:
    """Bonus code -> the name the company gives it in its plan (a component's ``name``), else a plain default for
    its type; newer plan versions win. A handful of rows."""
    names: dict[str, str] = {}
    for document in PlanVersion.objects.order_by("effective_from", "id").values_list("document", flat=True):
        for component in (document or {}).get("components", []):
            if not isinstance(component, dict):
                continue
            kind = component.get("type", "")
            code = component.get("code", kind)
            default = BONUS_DEFAULT_NAMES.get(kind, str(code).replace("_", " ").capitalize())
            names[str(code)] = str(component.get("name") or (default if code == kind else
                                   str(code).replace("_", " ").capitalize()))  # fmt: skip
    return names
