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

Each first preview is also compared with the copy floor: a bare binary COPY of as many rows as it stored (lines and
member results, the same columns) into new unindexed unlogged tables, timed in the same process
right after (``commission_preview_<size>_over_copy_floor``); the same COPY into WAL-logged tables is printed too
(``…_copy_floor_logged_s``).

Environment: ``PLANS_BENCH_SIZES=10k,100k`` to skip sizes; ``PLANS_BENCH_REUSE=1`` keeps an existing bench database;
``PLANS_BENCH_SIZES=10m`` alone runs the 10M-member company (20M orders, its own database ``<db>_10m``, about 20 GB;
``PLANS_BENCH_BUILD_ONLY=1`` only builds it); ``PLANS_BENCH_DB`` names the database (default canopy_bench_plans).
"""

from __future__ import annotations

import datetime
import json
import os
import resource
import subprocess
import sys
import time

from bench.support import figure, progress

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
# The 10M company (20M orders, ~20 GB with its run) lives in a database of its own so the usual sizes can be rebuilt
# without it; PLANS_BENCH_SIZES=10m runs it alone.
DB_NAME = os.environ.get("PLANS_BENCH_DB", "canopy_bench_plans")
DB_NAME_10M = DB_NAME + "_10m"
DAY_1970 = 0
PERIOD_START = datetime.date(2025, 1, 1)


def _db_name(labels: list[str]) -> str:
    if "10m" in labels and len(labels) > 1:
        raise SystemExit("PLANS_BENCH_SIZES=10m runs alone (its company has a database of its own)")
    return DB_NAME_10M if labels == ["10m"] else DB_NAME


def _setup(fresh: bool, labels: list[str]) -> None:
    from bench.support import django_bench_setup

    django_bench_setup(_db_name(labels), fresh=fresh)


def _schema(label: str) -> str:
    return f"plansbench{label}"


LEAN_FROM = 5_000_000


def _lean(cursor, tables: list[str]) -> None:
    """From 5M members the company is built lean: its members and orders tables lose their secondary indexes and
    unique constraints (the primary keys stay) and the build skips foreign-key checks, or the build alone would take
    hours on a small machine. The preview never uses them: it reads both tables whole (binary COPY of a sequential
    scan) and writes only its own partitions."""
    cursor.execute("SET session_replication_role = replica")  # bench only: no per-row FK checks while building
    for table in tables:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('u', 'x')", [table]
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cursor.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " WHERE x.indrelid = %s::regclass AND NOT x.indisprimary",
            [table],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')


def _build(label: str, n: int, start: datetime.date = PERIOD_START) -> None:
    """Onboard a company and COPY its members and orders, paid in the period beginning ``start`` (not timed)."""
    import numpy as np
    from django.db import connection
    from django_tenants.utils import schema_context

    from bench.bench_commission_calc import UNILEVEL, make_snapshot
    from core.commerce.models import Order
    from core.members.models import Member
    from core.pgcopy import copy_in
    from plans.services import period_get_or_create
    from plans.services_plan_versions import plan_version_activate, plan_version_create
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
            "CREATE TEMP TABLE bench_m (id int8, sponsor int8, placement int8, position int2, day int4, ex bool,"
            " depth int4)"
        )
        if n >= LEAN_FROM:
            _lean(cursor, [Member._meta.db_table, Order._meta.db_table])
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
                ("depth", "int4", snap.sponsor_tree.depth),  # sponsor_depth orders the loader's scan
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
                   NULLIF(sponsor, 0), '{{}}', depth, NULLIF(placement, 0), NULLIF(position, -1), '{{}}',
                   0, 0, '', '', false, ex, false, 'Bench', 'Member ' || id, 'm' || id || '@bench.test', '', '',
                   '', '', '', '', 'US', '', '', '', 0, 0
              FROM bench_m ORDER BY id
            """
        )
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
                   DATE '1970-01-01' + day, DATE '{start:%Y-%m-%d}'
              FROM bench_o ORDER BY id
            """
        )
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{Order._meta.db_table}', 'id'), %s)", [m + 1])
        cursor.execute(f"ANALYZE {Member._meta.db_table}")
        cursor.execute(f"ANALYZE {Order._meta.db_table}")
        cursor.execute("RESET session_replication_role")
    with schema_context(schema):
        version = plan_version_create(document=UNILEVEL)
        plan_version_activate(version=version, effective_from=start)
        period_get_or_create(day=start + datetime.timedelta(days=14))
    progress(f"{label}: built {n} members, {m} orders in {time.perf_counter() - started:.1f} s")


def _peak_rss_mb() -> float:
    """This process's peak resident set. VmHWM belongs to the address space, so unlike getrusage's ru_maxrss (which
    Linux keeps across execve) it does not inherit the parent's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


PG_TYPES = {"bigint": "int8", "integer": "int4", "smallint": "int2", "boolean": "bool"}


def _copy_floor(n_lines: int, n_members: int, *, unlogged: bool) -> float:
    """Seconds a bare binary COPY of as many rows as the run stored (lines and member results, same columns) takes
    into new unindexed tables, the least the database can do (created in the transaction, FREEZE, as the run does;
    ``unlogged``, or written to the WAL as a preview's tables are). Rolled back after."""
    import numpy as np
    from django.db import connection, transaction

    from core.pgcopy import copy_in
    from plans.models import RunLine, RunMemberResult
    from plans.runstore import columns_widest_first

    chunk = 1_000_000
    k = np.arange(chunk, dtype=np.int64)
    values = {"int8": k * 7919, "int4": k.astype(np.int32), "int2": (k % 30000).astype(np.int16), "bool": k % 2 == 0}
    elapsed = 0.0
    with transaction.atomic(), connection.cursor() as cursor:
        for table, rows in ((RunLine._meta.db_table, n_lines), (RunMemberResult._meta.db_table, n_members)):
            cursor.execute(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
                " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                [table],
            )
            columns = [(name, PG_TYPES[kind]) for name, kind in cursor.fetchall()]
            persistence = "UNLOGGED" if unlogged else ""
            layout = columns_widest_first(cursor, table)  # the same rows, laid out as the run's partitions are
            cursor.execute(f"CREATE {persistence} TABLE bench_floor_{table} ({layout})")
            started = time.perf_counter()
            for start in range(0, rows, chunk):
                n = min(chunk, rows - start)
                copy_in(cursor, f"bench_floor_{table}", [(c, t, values[t][:n]) for c, t in columns], n, freeze=True)
            elapsed += time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def open_period():
    """The period holding the company's orders, while it is not posted; once it is (``bench_commission_post``), the
    orders move to the next month that is not (an UPDATE of every order, then the table compacted; not timed)."""
    from django.db import connection

    from core.commerce.models import Order
    from core.members.models import Member
    from plans.models import CommissionPeriod, PeriodStatus
    from plans.services import period_get_or_create

    posted = set(
        CommissionPeriod.objects.filter(status__in=[PeriodStatus.POSTED, PeriodStatus.PAID]).values_list(
            "start", flat=True
        )
    )
    current = Order.objects.values_list("period_start", flat=True).first() or datetime.date(2025, 1, 1)
    start = current
    while start in posted:
        start = (start + datetime.timedelta(days=32)).replace(day=1)
    if start != current:
        progress(f"the orders' period {current} is posted: moving them to {start}…")
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {Order._meta.db_table} SET period_start = %s", [start])
            # Rewriting every order at once is the bench's doing, not a company's: compacted again (its heap had
            # doubled, and the next preview's load read 3-6x longer), and the members the post re-ranked vacuumed,
            # as autovacuum would have between two months.
            cursor.execute(f"VACUUM (FULL, ANALYZE) {Order._meta.db_table}")
            cursor.execute(f"VACUUM (ANALYZE) {Member._meta.db_table}")
    return period_get_or_create(day=start)


def _preview_child(label: str) -> None:
    """Runs in a fresh process: one timed preview, printed as JSON."""
    _setup(fresh=False, labels=[label])
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from plans.services import run_preview

    with schema_context(_schema(label)):
        period = open_period()
        started_at = timezone.now()
        started = time.perf_counter()
        run = run_preview(period=period)
        seconds = time.perf_counter() - started
        to_result = (run.finished_at - started_at).total_seconds()
        peak_mb = _peak_rss_mb()
        floor = floor_logged = 0.0
        if label != "10m":  # at 10M the floor alone would take minutes; its figure is for the 1M run
            rows = (run.summary.get("timings", {}).get("lines_copied", 0), run.member_count)
            floor = _copy_floor(*rows, unlogged=True)
            floor_logged = _copy_floor(*rows, unlogged=False)
    report = {"seconds": seconds, "to_result_s": to_result, "peak_mb": peak_mb, "status": run.status}
    report |= {"copy_floor_s": floor, "copy_floor_logged_s": floor_logged}
    report |= {"lines": run.line_count, "members": run.member_count, "total_paid": str(run.total_paid)}
    print(json.dumps({**report, "timings": run.summary.get("timings")}))


def run() -> None:
    wanted = [s.strip() for s in os.environ.get("PLANS_BENCH_SIZES", "10k,100k,1m").split(",") if s.strip()]
    reuse = os.environ.get("PLANS_BENCH_REUSE") == "1"
    progress("preparing the benchmark database…")
    _setup(fresh=not reuse, labels=wanted)
    for label in wanted:
        _build(label, SIZES[label])
    if os.environ.get("PLANS_BENCH_BUILD_ONLY") == "1":
        return
    peak = 0.0
    child_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # the child derives it again
    for label in wanted:
        # The first preview of the period is the figure; a re-run is reported beside it: its result is ready as fast
        # (to_result_s in the log), then it deletes the replaced preview's rows, which the figure includes.
        names = [f"commission_preview_{label}_s", f"commission_preview_{label}_rerun_s"]
        for attempt, name in enumerate(names[:1] if label == "10m" else names):  # 10M: one preview is minutes
            out = subprocess.run(
                [sys.executable, "-m", "bench.bench_commission_preview", "--preview", label],
                capture_output=True, text=True, check=False, env=child_env,
            )  # fmt: skip
            if out.returncode:
                raise SystemExit(f"preview {label} failed:\n{out.stderr[-4000:]}")
            result = json.loads(out.stdout.strip().splitlines()[-1])
            progress(f"{label} run {attempt + 1}: {json.dumps(result)}")
            figure(name, result["seconds"], "s")
            if not attempt and result["copy_floor_s"]:
                # The ratio is over the floor into unlogged tables, the stricter of the two (a preview's tables are
                # written to the WAL since stop 33); the floor into WAL-logged tables is printed beside it.
                figure(f"commission_preview_{label}_copy_floor_s", result["copy_floor_s"], "s")
                figure(f"commission_preview_{label}_copy_floor_logged_s", result["copy_floor_logged_s"], "s")
                figure(f"commission_preview_{label}_over_copy_floor", result["seconds"] / result["copy_floor_s"], "")
            peak = max(peak, result["peak_mb"])
        figure(f"commission_preview_{label}_peak_mb", result["peak_mb"], "MB", 0)
    if "10m" not in wanted:  # the target of commission_peak_mb is the usual sizes' (10M has its own figure)
        figure("commission_peak_mb", peak, "MB", 0)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--preview":
        _preview_child(sys.argv[2])
    else:
        run()
