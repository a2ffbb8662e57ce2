"""The daily demotion evaluation on a company of a million members.

The company is generated in SQL: a 10-wide sponsor tree, a back-office fee most members pay (80 % within the last
month, the rest spread over the past 400 days, 3 % with a recent declined card) and a million orders over eight
months. Yesterday's standing is stored as the baseline (as if yesterday had been evaluated), then today's evaluation
is timed end to end: facts from PostgreSQL, evaluation, transitions with evidence, flags, notices queued, and the
downline moves of the members who reach day 235 today.

The generated company (with its baseline) is kept as a template database, ``<db>_base``:
``BENCH_DEMOTION_REUSE=1`` clones it instead of generating again (minutes at a million members), so runs compare
the same data. ``BENCH_DEMOTION_DB`` names the database (default ``canopy_bench_demotion``)."""

from __future__ import annotations

import datetime
import os
import time

from bench.support import django_bench_setup, figure, progress

MEMBERS = int(os.environ.get("BENCH_DEMOTION_MEMBERS", "1000000"))
DB_NAME = os.environ.get("BENCH_DEMOTION_DB", "canopy_bench_demotion")
REUSE = os.environ.get("BENCH_DEMOTION_REUSE") == "1"
TODAY = datetime.date(2026, 9, 1)
HISTORY_START = datetime.date(2025, 1, 1)


def _build(cursor, n: int) -> None:
    progress(f"generating {n:,} members")
    cursor.execute(
        f"""
        WITH RECURSIVE tree(id, path) AS (
            SELECT 1::bigint, ARRAY[1::bigint]
            UNION ALL
            SELECT c, tree.path || c FROM tree, generate_series((tree.id - 1) * 10 + 2, (tree.id - 1) * 10 + 11) c
             WHERE c <= {n}
        )
        INSERT INTO members_member (
            id, number, username, status, status_changed_at, joined_at, sponsor_id, sponsor_path, sponsor_depth,
            sponsor_downline_count, placement_parent_id, placement_position, placement_path, placement_depth,
            placement_downline_count, binary_preferred_side, paid_as_rank, highest_rank, access_restricted,
            commission_excluded, preferred_pricing_suspended, first_name, last_name, email, phone, address_line1,
            address_line2, city, region, postal_code, country, avatar, bio, tax_id_last4
        ) OVERRIDING SYSTEM VALUE
        SELECT id, 100000 + id, 'm' || id, 'active', now(),
               timestamp '2025-06-01' + (hashint4(id::int) % 400 + 400) % 400 * interval '1 day',
               CASE WHEN id = 1 THEN NULL ELSE path[cardinality(path) - 1] END, path, cardinality(path) - 1, 0,
               CASE WHEN id = 1 THEN NULL ELSE path[cardinality(path) - 1] END, NULL, path, cardinality(path) - 1, 0,
               0, '', '', false, false, false, 'First', 'Last' || id, 'm' || id || '@bench.test', '', '', '', '', '',
               '', 'US', '', '', ''
          FROM tree
        """
    )
    cursor.execute("SELECT setval(pg_get_serial_sequence('members_member', 'id'), %s)", [n])
    cursor.execute("UPDATE members_member SET joined_at = timestamp '2025-01-01' WHERE id = 1")
    progress("subscription history")
    cursor.execute(
        f"""
        INSERT INTO commerce_subscriptionattempt (member_id, due_on, attempted_at, outcome, amount, trigger,
               stripe_payment_intent_id, stripe_customer_id, failure_code, message)
        SELECT id, d::date, d, 'paid', 25, 'schedule', '', '', '', '' FROM (
            SELECT id, timestamp '{TODAY}' - CASE WHEN random() < 0.8 THEN random() * 30 ELSE 30 + random() * 370 END
                   * interval '1 day' AS d
              FROM members_member
        ) paid
        """
    )
    cursor.execute(
        f"""
        INSERT INTO commerce_subscriptionattempt (member_id, due_on, attempted_at, outcome, amount, trigger,
               stripe_payment_intent_id, stripe_customer_id, failure_code, message)
        SELECT id, d::date, d, 'declined', 25, 'schedule', '', '', 'card_declined', ''
          FROM (SELECT id, timestamp '{TODAY}' - random() * 20 * interval '1 day' AS d FROM members_member
                 WHERE random() < 0.03) declined
        """
    )
    progress("orders")
    cursor.execute(
        f"""
        INSERT INTO commerce_order (number, placed_by, buyer_name, price_tier, status, currency, subtotal, discount,
               tax, total, tax_rate, pv_total, cv_total, retail_total, distributor_total, refunded_amount,
               refunded_pv, refunded_cv, refunded_retail, refunded_distributor, ship_country, ship_region, placed_at,
               paid_at, paid_on, period_start, buyer_member_id, credited_member_id)
        SELECT g, 'distributor', '', 'distributor', 'paid', 'USD', 100, 0, 0, 100, 0, pv, pv, 120, 100, 0, 0, 0, 0, 0,
               'US', '', paid, paid, paid::date, date_trunc('month', paid)::date, member, member
          FROM (
            SELECT g, 1 + (random() * ({n} - 1))::bigint AS member, (random() * 300)::numeric(14, 2) AS pv,
                   timestamp '{TODAY}' - random() * 240 * interval '1 day' AS paid
              FROM generate_series(1, {n}) g
          ) o
        """
    )
    cursor.execute("UPDATE commerce_commercesettings SET subscription_enabled = true")
    cursor.execute("ANALYZE")


def _template_url() -> str:
    from config.settings.database import resolve_database_url
    from infra.db import BASE_DIR

    return resolve_database_url(BASE_DIR)


def _clone(source: str, target: str) -> None:
    """Replace database ``target`` by a file copy of ``source`` (no connection to either may be open)."""
    import psycopg2
    from psycopg2 import sql

    from infra.db import database_drop, maintenance_dsn

    url = _template_url()
    database_drop(url, target)
    conn = psycopg2.connect(maintenance_dsn(url)[0])
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                    sql.Identifier(target), sql.Identifier(source)
                )
            )
    finally:
        conn.close()


def _base_exists() -> bool:
    import psycopg2

    from infra.db import maintenance_dsn

    conn = psycopg2.connect(maintenance_dsn(_template_url())[0])
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [f"{DB_NAME}_base"])
            return cur.fetchone() is not None
    finally:
        conn.close()


def run() -> None:
    reuse = REUSE and _base_exists()
    if reuse:
        progress(f"cloning {DB_NAME}_base (BENCH_DEMOTION_REUSE=1)")
        _clone(f"{DB_NAME}_base", DB_NAME)
    django_bench_setup(DB_NAME, fresh=not reuse)
    from django.db import connection
    from django_tenants.utils import schema_context

    from core.demotion.models import StageTransition
    from core.demotion.services.evaluation import evaluate_day

    if not reuse:
        _generate()
        connection.close()
        progress(f"keeping the company as {DB_NAME}_base")
        _clone(DB_NAME, f"{DB_NAME}_base")
    with schema_context("bench"):
        members = _members_count()
        progress(f"evaluating {TODAY} for {members:,} members")
        started = time.perf_counter()
        marks: list[tuple[str, float]] = []

        def phase(stage: str, done: int, total: int) -> None:
            marks.append((stage, time.perf_counter()))

        run_row = evaluate_day(day=TODAY, send_notices=False, progress=phase)
        seconds = time.perf_counter() - started
        moved = StageTransition.objects.filter(day=TODAY, to_stage="downline_moved").count()
        progress(
            "phases: "
            + ", ".join(
                f"{a} {b - t:.2f} s"
                for (a, t), (_, b) in zip(marks, [*marks[1:], ("end", started + seconds)], strict=True)
            )
        )
        progress(f"{run_row.transitions:,} transitions today, {moved:,} downline moves; counts {run_row.counts}")
        scan = _plain_scan_seconds()
        progress(f"one plain scan of the facts read: {scan:.2f} s")
    name = "demotion_daily_1m" if members == 1_000_000 else f"demotion_daily_{members}"
    figure(f"{name}_s", seconds, "s", 1)
    figure(f"{name}_over_scan_ratio", seconds / scan, "x", 1)
    figure("demotion_daily_transitions", run_row.transitions, "transitions", 0)


def _plain_scan_seconds() -> float:
    """One plain read of the columns the evaluation reads (members, fee attempts, orders, standings), by the same
    binary COPY into numpy, with nothing computed: the floor the evaluation's time is compared with."""
    from core.demotion.facts import int_columns

    epoch = "DATE '1970-01-01'"
    started = time.perf_counter()
    int_columns(f"SELECT id, ((joined_at AT TIME ZONE 'UTC')::date - {epoch})::bigint FROM members_member", [], 2)
    int_columns(
        f"SELECT member_id, ((attempted_at AT TIME ZONE 'UTC')::date - {epoch})::bigint,"
        " (outcome = 'paid')::int::bigint FROM commerce_subscriptionattempt",
        [],
        3,
    )
    int_columns(
        f"SELECT credited_member_id, (paid_on - {epoch})::bigint, ((pv_total - refunded_pv) * 100)::bigint"
        " FROM commerce_order",
        [],
        3,
    )
    int_columns("SELECT member_id, holds FROM demotion_memberstage", [], 2)
    return time.perf_counter() - started


def _members_count() -> int:
    from core.members.models import Member

    return Member.objects.count()


def _generate() -> None:
    from django.db import connection, transaction
    from django_tenants.utils import schema_context

    from core.commerce.services.commerce_settings import commerce_settings_get
    from core.demotion.models import EvaluationRun, MemberStage
    from core.demotion.services.evaluation import _outcome, stage_of
    from core.demotion.services.policies import policy_current, policy_parse
    from core.members.tree import COLUMNS, downline_counts_rebuild
    from tenants.services import company_onboard

    company_onboard(name="Bench", subdomain="bench", admin_email="admin@bench.test", send_invitation=False)
    with schema_context("bench"):
        commerce_settings_get()
        with transaction.atomic(), connection.cursor() as cursor:
            _build(cursor, MEMBERS)
            for cols in COLUMNS.values():
                downline_counts_rebuild(cursor, cols)
        progress("baseline: yesterday's standing")
        version = policy_current()
        policy = policy_parse(version.document)
        yesterday = _outcome(policy, TODAY - datetime.timedelta(days=1), paced=False)
        with transaction.atomic():
            MemberStage.objects.bulk_create(
                (
                    MemberStage(
                        member_id=int(pk),
                        holds=int(mask),
                        stage_key=stage_of(policy, int(mask))[0],
                        since=HISTORY_START,  # long enough ago that no stage is held back by pacing
                    )
                    for pk, mask in zip(yesterday.member_ids.tolist(), yesterday.new_holds.tolist(), strict=True)
                    if mask
                ),
                batch_size=10_000,
            )
            EvaluationRun.objects.create(day=TODAY - datetime.timedelta(days=1), policy=version, status="done")
        progress("vacuum")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would have left it by the next day
