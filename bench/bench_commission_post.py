"""Posting a reviewed 1M-member run (about 10M lines, 7M of them paid) to the ledger.

Uses the 1M company of ``bench_commission_preview`` (built there if missing, same database). Each bench run takes the
first month from January 2025 on that is not posted yet and moves the company's orders into it (not timed: posting
closes a period for good, so every run needs a period of its own), previews, approves and closes it, then times
``run_post``: the checks (fingerprint, payees), the paid lines into the ledger, the members' ranks, the period closed.

Environment: ``PLANS_BENCH_DB`` as for the preview bench.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import time

from bench.support import figure, progress

LABEL = "1m"


def _child() -> None:
    from bench.bench_commission_preview import _schema, _setup

    _setup(fresh=False, labels=[LABEL])
    from django.db import connection
    from django_tenants.utils import schema_context

    from core.commerce.models import Order
    from plans.models import CommissionPeriod, PeriodStatus
    from plans.services import period_get_or_create, run_approve, run_post, run_preview
    from plans.services_periods import period_close

    with schema_context(_schema(LABEL)):
        posted = set(
            CommissionPeriod.objects.filter(status__in=[PeriodStatus.POSTED, PeriodStatus.PAID]).values_list(
                "start", flat=True
            )
        )
        start = datetime.date(2025, 1, 1)
        while start in posted:
            start = (start + datetime.timedelta(days=32)).replace(day=1)
        period = period_get_or_create(day=start)
        progress(f"posting the period starting {start}: moving the orders into it…")
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Order._meta.db_table} SET period_start = %s WHERE period_start <> %s", [start, start]
            )
        run = run_preview(period=period)
        progress(f"previewed in {run.summary['timings']}; approving and closing")
        run_approve(run=run)
        period_close(period=period, by=None)
        started = time.perf_counter()
        run = run_post(run=run)
        seconds = time.perf_counter() - started
        print(json.dumps({"seconds": seconds, "lines": run.summary.get("ledger_lines"), "status": run.status}))


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
