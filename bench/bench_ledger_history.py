"""A member's ledger once the company has posted for years: 120 posted periods (ten years of monthly runs, two and a
half of weekly ones) of a 10k-member company, each posted run a branch of the ledger view (``plans.ledger_view``).

The company (``plansbenchhistory``, in a database of its own: ``<preview bench database>_history``) is built once by
the preview bench's builder, its orders in the month ``LEDGER_HISTORY_PERIODS`` months ago (a period is closed only
once it is over), and then posted period after period, the real way (preview, approve, close, post; the orders move
to the next month between two, as in ``bench_commission_post``; about 2 s a period, not timed). Then a member's
ledger is read as the earnings page and a statement read it: every line of the member (newest first, a page of 50),
the member's balance over all periods, and the member's lines of one period. Each is timed by PostgreSQL itself
(``EXPLAIN (ANALYZE, SUMMARY)``: planning plus execution, the median of five), so the figure is the database's cost
of the view, not Django's.

Figures: ``ledger_history_posted_runs`` (the branches the view has), ``ledger_history_member_page_ms``,
``ledger_history_member_balance_ms``, ``ledger_history_member_period_ms`` and the planning part of the page,
``ledger_history_member_page_planning_ms``.

Environment: ``PLANS_BENCH_DB`` as for the preview bench; ``LEDGER_HISTORY_PERIODS`` (default 120);
``LEDGER_HISTORY_FRESH=1`` builds the company again.
"""

from __future__ import annotations

import datetime
import json
import os
import statistics
import subprocess
import sys
import time

from bench.support import figure, progress, progress_bar

LABEL = "history"
MEMBERS = 10_000
PERIODS = int(os.environ.get("LEDGER_HISTORY_PERIODS", "120"))


def _setup(fresh: bool = False) -> None:
    from bench.bench_commission_preview import DB_NAME
    from bench.support import django_bench_setup

    django_bench_setup(f"{DB_NAME}_history", fresh=fresh)


def _first_period() -> datetime.date:
    """The first day of the month ``PERIODS`` months before this one: the last period posted is last month."""
    today = datetime.date.today()
    months = today.year * 12 + today.month - 1 - PERIODS
    return datetime.date(months // 12, months % 12 + 1, 1)


def _posted_count() -> int:
    from plans.models import CommissionPeriod, PeriodStatus

    return CommissionPeriod.objects.filter(status__in=[PeriodStatus.POSTED, PeriodStatus.PAID]).count()


def _post_periods(wanted: int) -> None:
    """Post periods until ``wanted`` are (not timed)."""
    from bench.bench_commission_preview import open_period
    from plans import tasks
    from plans.services import run_preview
    from plans.services_periods import period_close
    from plans.services_posting import run_approve, run_post

    # Tasks run eagerly in the bench: the e-mails and statistics a worker would send after each post are left out.
    tasks.commissions_posted_notify.delay = lambda *args, **kwargs: None
    tasks.posted_run_analyze.delay = lambda *args, **kwargs: None
    done = _posted_count()
    started = time.perf_counter()
    while done < wanted:
        period = open_period()
        run = run_approve(run=run_preview(period=period))
        period.refresh_from_db()
        if period.closed_at is None:
            period_close(period=period, by=None)
        run_post(run=run)
        tasks.posted_run_analyze(run.pk)  # what the post's task does after its commit
        done += 1
        progress_bar(done, wanted, f"posted periods ({time.perf_counter() - started:.0f} s)")


def _timed_ms(cursor, sql: str, params: list) -> tuple[float, float]:
    """(planning + execution, planning) in ms as PostgreSQL measures them: the median of five."""
    totals, plannings = [], []
    for _ in range(5):
        cursor.execute("EXPLAIN (ANALYZE, SUMMARY, FORMAT JSON) " + sql, params)
        (plan,) = cursor.fetchone()[0]
        totals.append(plan["Planning Time"] + plan["Execution Time"])
        plannings.append(plan["Planning Time"])
    return statistics.median(totals), statistics.median(plannings)


def _child() -> None:
    from bench.bench_commission_preview import _schema

    _setup()
    from django.db import connection
    from django.db.models import Sum
    from django_tenants.utils import schema_context

    from plans.models import LedgerLine

    with schema_context(_schema(LABEL)):
        _post_periods(PERIODS)
        connection.ensure_connection()
        # A member paid in every period: the sponsor of many (the generator's first members are near the top).
        payee = (
            LedgerLine.objects.filter(run__isnull=False)
            .values("payee_id")
            .annotate(total=Sum("amount"))
            .order_by("-total")
            .values_list("payee_id", flat=True)[:1]
        )[0]
        period = LedgerLine.objects.filter(payee_id=payee).order_by("-id").values_list("period_id", flat=True)[0]
        page = LedgerLine.objects.filter(payee_id=payee).order_by("-id")[:50]
        balance = LedgerLine.objects.filter(payee_id=payee).values("payee_id").annotate(total=Sum("amount"))
        of_period = LedgerLine.objects.filter(payee_id=payee, period_id=period).order_by("id")
        report: dict[str, float] = {"posted_runs": _posted_count()}
        with connection.cursor() as cursor:
            for name, queryset in (("page", page), ("balance", balance), ("period", of_period)):
                sql, params = queryset.query.sql_with_params()
                report[name], report[f"{name}_planning"] = _timed_ms(cursor, sql, list(params))
    print(json.dumps(report))


def run() -> None:
    from bench.bench_commission_preview import _build

    progress(f"preparing a {MEMBERS:,}-member company with {PERIODS} posted periods (built once, then reused)…")
    _setup(fresh=os.environ.get("LEDGER_HISTORY_FRESH") == "1")
    _build(LABEL, MEMBERS, start=_first_period())
    child_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_ledger_history", "--child"],
        stdout=subprocess.PIPE, text=True, check=False, env=child_env,
    )  # fmt: skip
    if out.returncode:
        raise SystemExit("the ledger history bench failed (its error is above)")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    progress(json.dumps(result))
    figure("ledger_history_posted_runs", result["posted_runs"], "", 0)
    figure("ledger_history_member_page_ms", result["page"], "ms")
    figure("ledger_history_member_page_planning_ms", result["page_planning"], "ms")
    figure("ledger_history_member_balance_ms", result["balance"], "ms")
    figure("ledger_history_member_period_ms", result["period"], "ms")


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        _child()
    else:
        run()
