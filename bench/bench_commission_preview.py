"""A full commission preview from PostgreSQL: 10k, 100k and 1M members, about two orders each in the period.

For each size a company is onboarded in the bench database (``canopy_bench_plans``) and filled by COPY: the members
and orders of ``bench_commission_calc.make_snapshot`` (sponsor tree a few hundred levels deep at 1M, complete binary
placement tree, 2 % under a commission exclusion, a quarter of the orders bought by customers). The preview is then
timed from the request to the stored result: loading the period from PostgreSQL (binary COPY), the engine's
calculation (unilevel, 5 levels, dynamic compression, three ranks), storing every line and every member's result by
binary COPY, and the run's totals. Each preview runs in a fresh child process so ``commission_peak_mb`` (VmHWM of
that process) is the preview's own peak, not the data generator's.

Shortcuts, said plainly: the members' ``sponsor_path`` / ``placement_path`` arrays are left empty (the genealogy
reads use them; the preview never does, and long arrays are TOASTed out of the heap row the loader scans), and
customer orders have a buyer name instead of a Customer row (the loader only needs "bought by a non-member").

Environment: ``PLANS_BENCH_SIZES=10k,100k`` to skip sizes; ``PLANS_BENCH_REUSE=1`` keeps an existing bench database.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

from bench.support import figure, progress

DB_NAME = "canopy_bench_plans"
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
DAY_1970 = 0
PERIOD_START = "2025-01-01"


def _setup(fresh: bool) -> None:
    from bench.support import django_bench_setup

    django_bench_setup(DB_NAME, fresh=fresh)


def _schema(label: str) -> str:
    return f"plansbench{label}"


def _build(label: str, n: int) -> None:
    """Onboard a company and COPY its members and orders (not timed)."""
    import numpy as np
    from django.db import connection
    from django_tenants.utils import schema_context

    from bench.bench_commission_calc import UNILEVEL, make_snapshot
    from core.commerce.models import Order
    from core.members.models import Member
    from core.pgcopy import copy_in
    from plans.services import period_get_or_create, plan_version_activate, plan_version_create
    from tenants.models import Company
    from tenants.services import company_onboard

    schema = _schema(label)
    if Company.objects.filter(schema_name=schema).exists():
        with schema_context(schema):
            if Member.objects.count() == n:
                progress(f"{label}: reusing the existing company")
                return
        raise SystemExit(f"{schema} exists with other data; run without PLANS_BENCH_REUSE")
    started = time.perf_counter()
    onboarding = company_onboard(
        name=f"Plans bench {label}", subdomain=f"plansbench{label}", admin_email=f"admin@{label}.bench.test",
        send_invitation=False,
    )  # fmt: skip
    assert onboarding.company.schema_name == schema, onboarding.company.schema_name
    snap = make_snapshot(n)
    ids = np.arange(n, dtype=np.int64) + 1
    join_day = (snap.join_date - np.datetime64("1970-01-01")).astype(np.int64).astype(np.int32)
    m = snap.n_orders
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_m, bench_d, bench_o")
        cursor.execute(
            "CREATE TEMP TABLE bench_m (id int8, sponsor int8, placement int8, position int2, day int4, ex bool)"
        )
        copy_in(
            cursor,
            "bench_m",
            [
                ("id", "int8", ids),
                ("sponsor", "int8", snap.sponsor_idx.astype(np.int64) + 1),
                ("placement", "int8", snap.placement_idx.astype(np.int64) + 1),
                ("position", "int2", snap.placement_position.astype(np.int16)),
                ("day", "int4", join_day),
                ("ex", "bool", snap.excluded),
            ],
            n,
        )
        cursor.execute(
            f"""
            INSERT INTO {Member._meta.db_table} (id, number, username, status, status_changed_at, joined_at,
                sponsor_id, sponsor_path, sponsor_depth, placement_parent_id, placement_position, placement_path,
                placement_depth, binary_preferred_side, paid_as_rank, highest_rank, access_restricted,
                commission_excluded, preferred_pricing_suspended, first_name, last_name, email, phone, address_line1,
                address_line2, city, region, postal_code, country, avatar, bio, tax_id_last4,
                sponsor_downline_count, placement_downline_count)
            SELECT id, 100000 + id, 'm' || id, 'active', now(), to_timestamp(day * 86400.0),
                   NULLIF(sponsor, 0), '{{}}', 0, NULLIF(placement, 0), NULLIF(position, -1), '{{}}',
                   0, 0, '', '', false, ex, false, 'Bench', 'Member ' || id, 'm' || id || '@bench.test', '', '',
                   '', '', '', '', 'US', '', '', '', 0, 0
              FROM bench_m ORDER BY id
            """
        )
        # sponsor_depth orders the loader's scan; set it from the snapshot's tree.
        cursor.execute("CREATE TEMP TABLE bench_d (id int8, depth int4)")
        copy_in(cursor, "bench_d", [("id", "int8", ids), ("depth", "int4", snap.sponsor_tree.depth)], n)
        cursor.execute(f"UPDATE {Member._meta.db_table} m SET sponsor_depth = d.depth FROM bench_d d WHERE d.id = m.id")
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{Member._meta.db_table}', 'id'), %s)", [n + 1])
        cursor.execute(
            "CREATE TEMP TABLE bench_o (id int8, buyer int8, credited int8, pv int8, cv int8, retail int8, day int4)"
        )
        order_day = (snap.order_date - np.datetime64("1970-01-01")).astype(np.int64).astype(np.int32)
        order_day = order_day + np.random.default_rng(3).integers(-19, 11, m).astype(np.int32)  # spread over Jan
        copy_in(
            cursor,
            "bench_o",
            [
                ("id", "int8", snap.order_id),
                ("buyer", "int8", snap.buyer_idx.astype(np.int64) + 1),
                ("credited", "int8", snap.credited_idx.astype(np.int64) + 1),
                ("pv", "int8", snap.pv),
                ("cv", "int8", snap.cv),
                ("retail", "int8", snap.retail_total),
                ("day", "int4", order_day),
            ],
            m,
        )
        cursor.execute(
            f"""
            INSERT INTO {Order._meta.db_table} (id, number, placed_by, buyer_name, buyer_member_id,
                credited_member_id, price_tier, status, currency, subtotal, discount, tax, total, tax_rate, pv_total,
                cv_total, retail_total, distributor_total, refunded_amount, refunded_pv, refunded_cv,
                refunded_retail, refunded_distributor, ship_country, ship_region, placed_at, paid_at, paid_on,
                period_start)
            SELECT id, 500000 + id, CASE WHEN buyer = 0 THEN 'customer' ELSE 'distributor' END,
                   CASE WHEN buyer = 0 THEN 'Customer' ELSE '' END, NULLIF(buyer, 0), credited,
                   CASE WHEN buyer = 0 THEN 'retail' ELSE 'distributor' END, 'paid', 'USD',
                   retail / 100.0, 0, 0, retail / 100.0, 0, pv / 100.0, cv / 100.0, retail / 100.0, cv / 100.0,
                   0, 0, 0, 0, 0, 'US', '', to_timestamp(day * 86400.0), to_timestamp(day * 86400.0),
                   DATE '1970-01-01' + day, DATE '{PERIOD_START}'
              FROM bench_o ORDER BY id
            """
        )
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{Order._meta.db_table}', 'id'), %s)", [m + 1])
        cursor.execute(f"ANALYZE {Member._meta.db_table}")
        cursor.execute(f"ANALYZE {Order._meta.db_table}")
    with schema_context(schema):
        version = plan_version_create(document=UNILEVEL)
        import datetime

        plan_version_activate(version=version, effective_from=datetime.date(2025, 1, 1))
        period_get_or_create(day=datetime.date(2025, 1, 15))
    progress(f"{label}: built {n} members, {m} orders in {time.perf_counter() - started:.1f} s")


def _peak_rss_mb() -> float:
    """This process's peak resident set. VmHWM belongs to the address space, so unlike getrusage's ru_maxrss (which
    Linux keeps across execve) it does not inherit the parent's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _preview_child(label: str) -> None:
    """Runs in a fresh process: one timed preview, printed as JSON."""
    _setup(fresh=False)
    import datetime

    from django.utils import timezone
    from django_tenants.utils import schema_context

    from plans.models import CommissionPeriod
    from plans.services import run_preview

    with schema_context(_schema(label)):
        period = CommissionPeriod.objects.get(start=datetime.date(2025, 1, 1))
        started_at = timezone.now()
        started = time.perf_counter()
        run = run_preview(period=period)
        seconds = time.perf_counter() - started
        to_result = (run.finished_at - started_at).total_seconds()
    peak_mb = _peak_rss_mb()
    report = {"seconds": seconds, "to_result_s": to_result, "peak_mb": peak_mb, "status": run.status}
    report |= {"lines": run.line_count, "members": run.member_count, "total_paid": str(run.total_paid)}
    print(json.dumps({**report, "timings": run.summary.get("timings")}))


def run() -> None:
    wanted = [s.strip() for s in os.environ.get("PLANS_BENCH_SIZES", "10k,100k,1m").split(",") if s.strip()]
    reuse = os.environ.get("PLANS_BENCH_REUSE") == "1"
    progress("preparing the benchmark database…")
    _setup(fresh=not reuse)
    for label in wanted:
        _build(label, SIZES[label])
    peak = 0.0
    child_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # the child derives it again
    for label in wanted:
        # The first preview of the period is the figure; a re-run is reported beside it: its result is ready as fast
        # (to_result_s in the log), then it deletes the replaced preview's rows, which the figure includes.
        for attempt, name in enumerate((f"commission_preview_{label}_s", f"commission_preview_{label}_rerun_s")):
            out = subprocess.run(
                [sys.executable, "-m", "bench.bench_commission_preview", "--preview", label],
                capture_output=True, text=True, check=False, env=child_env,
            )  # fmt: skip
            if out.returncode:
                raise SystemExit(f"preview {label} failed:\n{out.stderr[-4000:]}")
            result = json.loads(out.stdout.strip().splitlines()[-1])
            progress(f"{label} run {attempt + 1}: {json.dumps(result)}")
            figure(name, result["seconds"], "s")
            peak = max(peak, result["peak_mb"])
        figure(f"commission_preview_{label}_peak_mb", result["peak_mb"], "MB", 0)
    figure("commission_peak_mb", peak, "MB", 0)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--preview":
        _preview_child(sys.argv[2])
    else:
        run()
