"""Posting a reviewed 1M-member run (about 10M lines, 7M of them paid) to the ledger.

Uses the 1M company of ``bench_commission_preview`` (built there if missing, same database). Each bench run previews,
approves and closes the period holding the company's orders (once it is posted, the orders move to the next month
first, not timed: posting closes a period for good, so every run needs a period of its own), then times
``run_post``: the checks (fingerprint, payees), the paid lines into the ledger, the members' ranks, the period closed.

Environment: ``PLANS_BENCH_DB`` as for the preview bench.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from bench.support import figure, progress

LABEL = "1m"


def _child() -> None:
    from bench.bench_commission_preview import _schema, _setup, open_period

    _setup(fresh=False, labels=[LABEL])
    from django_tenants.utils import schema_context

    from plans import tasks
    from plans.services import run_preview
    from plans.services_periods import period_close
    from plans.services_posting import run_approve, run_post

    with schema_context(_schema(LABEL)):
        period = open_period()
        _ranks_brought(period)
        progress(f"posting the period starting {period.start}: previewing…")
        run = run_preview(period=period)
        progress(f"previewed in {run.summary['timings']}; approving and closing")
        run_approve(run=run)
        period.refresh_from_db()
        if period.closed_at is None:  # an interrupted bench run may have closed it already
            period_close(period=period, by=None)
        # The "commissions posted" e-mails are a Celery task sent at commit; the bench runs tasks eagerly, so they
        # would be written here, to every paid member, inside the timed call. In production a worker sends them.
        tasks.commissions_posted_notify.delay = lambda *args, **kwargs: None
        # Likewise the statistics of the run's lines (ANALYZE): timed on its own below.
        tasks.posted_run_analyze.delay = lambda *args, **kwargs: None
        started = time.perf_counter()
        run = run_post(run=run)
        seconds = time.perf_counter() - started
        analyzed = time.perf_counter()
        tasks.posted_run_analyze(run.pk)
        progress(f"after the post, its background task of statistics (ANALYZE): {time.perf_counter() - analyzed:.1f} s")
        print(json.dumps({"seconds": seconds, "lines": run.summary.get("ledger_lines"), "status": run.status}))


def _ranks_brought(period) -> None:
    """A company comes to Canopy with its members' ranks (imported from the system it leaves, or left by its last
    period); the generated company has none. Before its first post the bench gives them the ranks a calculation of
    the period gives (not timed), so the timed post updates the ranks that change from one period to the next, as a
    company's posts do, not 700k rank changes at once (a first post on empty ranks: +23-31 s here, docs/plans.md)."""
    from plans.models import CommissionPeriod, PeriodStatus
    from plans.services import run_preview
    from plans.services_posting import _member_ranks_update

    if CommissionPeriod.objects.filter(status__in=[PeriodStatus.POSTED, PeriodStatus.PAID]).exists():
        return
    started = time.perf_counter()
    _member_ranks_update(run_preview(period=period))
    progress(f"the company's first post: members given their ranks first ({time.perf_counter() - started:.1f} s)")


def run() -> None:
    from bench.bench_commission_preview import SIZES, _build, _setup

    reuse = os.environ.get("PLANS_BENCH_REUSE", "1") == "1"
    progress("preparing the benchmark database (the preview bench's 1M company)…")
    _setup(fresh=not reuse, labels=[LABEL])
    _build(LABEL, SIZES[LABEL])
    child_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_commission_post", "--child"],
        capture_output=True, text=True, check=False, env=child_env,
    )  # fmt: skip
    if out.returncode:
        raise SystemExit(f"post failed:\n{out.stderr[-4000:]}")
    sys.stderr.write(out.stderr[-2000:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    progress(json.dumps(result))
    figure("commission_post_1m_s", result["seconds"], "s")


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        _child()
    else:
        run()
