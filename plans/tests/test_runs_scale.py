"""Runs at scale: levels past 32,767, lines streamed from the engine into the run's partition, dropped whole."""

import datetime
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection

from core.members.models import Member
from plans.engine import calculate, plan_from_document, snapshot_from_lists
from plans.engine.calculate import COLUMNS
from plans.models import LedgerLine, RunLine, RunMemberResult
from plans.selectors_explanations import ledger_explanations
from plans.services import run_preview
from plans.services_periods import period_close
from plans.services_posting import run_approve, run_post
from plans.tests.conftest import buy, enroll

DEEP = 33_000  # more sponsor levels than a 16-bit column holds

UNILEVEL = {
    "schema": 1,
    "name": "Deep",
    "active": {"min_pv": "100"},
    "ranks": [],
    "components": [{"type": "unilevel", "code": "unilevel", "rates": ["10", "5"], "compression": True}],
}
HYBRID = {
    "schema": 1,
    "name": "Hybrid",
    "active": {"min_pv": "50"},
    "ranks": [{"code": "bronze", "min_pv": "50"}, {"code": "silver", "min_pv": "50", "min_gv": "300"}],
    "components": [
        {"type": "unilevel", "code": "uni", "rates": ["10", "5", "3"], "depth_by_rank": {"bronze": 1, "silver": 3}},
        {"type": "binary", "code": "bin", "rate": "10", "pairing_cap": "20"},
        {"type": "retail_profit", "code": "retail"},
        {"type": "matching", "code": "match", "generations": ["10", "5"], "on_components": ["uni", "bin"]},
        {"type": "leadership_pool", "code": "pool", "percent": "1", "shares": {"silver": 1}},
    ],
}


def test_the_engine_keeps_a_level_more_than_32767_above_the_order():
    sponsors = [-1, *range(DEEP)]  # a chain: member i sponsors i + 1
    orders = [{"credited": DEEP, "pv": "100", "cv": "100"}, {"credited": 0, "pv": "100", "cv": "100"}]
    result = calculate(plan_from_document(UNILEVEL), snapshot_from_lists(sponsors=sponsors, orders=orders))
    (i,) = np.flatnonzero(result.lines.source_order_idx == 0)  # the deep order pays only the root (compressed)
    assert (result.lines.payee_idx[i], result.lines.amount_cents[i]) == (0, 1000)
    assert (result.lines.level_raw[i], result.lines.level_compressed[i]) == (DEEP, 1)


def _lines(ledger):
    return sorted(zip(*(getattr(ledger, name).tolist() for name in COLUMNS), strict=True))


def test_streamed_lines_are_the_lines_and_the_totals_are_the_same():
    rng = np.random.default_rng(5)
    n = 400
    sponsors = [-1, *(int(rng.integers(0, i)) for i in range(1, n))]
    placements = [-1, *((i - 1) // 2 for i in range(1, n))]
    positions = [-1, *((i - 1) % 2 for i in range(1, n))]
    orders = [
        {"credited": int(c), "buyer": int(c) if rng.random() < 0.7 else -1, "pv": "60", "cv": "50", "retail": "65",
         "dist": "50"}
        for c in rng.integers(0, n, 900)
    ]  # fmt: skip
    snap = snapshot_from_lists(sponsors=sponsors, placements=placements, positions=positions, orders=orders)
    plan = plan_from_document(HYBRID)
    whole = calculate(plan, snap)
    chunks = {False: [], True: []}
    streamed = calculate(plan, snap, sink=lambda chunk, forfeited: chunks[forfeited].append(chunk))
    assert len(chunks[False]) > 3  # every component handed its lines over as it made them
    paid = sorted(line for chunk in chunks[False] for line in _lines(chunk))
    forfeited = sorted(line for chunk in chunks[True] for line in _lines(chunk))
    assert (paid, forfeited) == (_lines(whole.lines), _lines(whole.forfeits))
    for name in ("total_paid_cents", "total_forfeited_cents", "totals_by_component", "totals_by_rank", "payout_ratio",
                 "pool_shares"):  # fmt: skip
        assert getattr(streamed, name) == getattr(whole, name), name
    assert whole.totals_by_component["match"] > 0  # matching read the streamed per-payee totals


def _deep_chain(root: Member, depth: int) -> Member:
    """``depth`` members under ``root``, each sponsoring the next (one INSERT: factories would take minutes)."""
    table = Member._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(max(id), 0), COALESCE(max(number), 0) FROM {table}")
        first, number = cursor.fetchone()
        cursor.execute(
            f"""
            INSERT INTO {table} (id, number, username, status, status_changed_at, joined_at, sponsor_id, sponsor_path,
                sponsor_depth, placement_parent_id, placement_position, placement_path, placement_depth,
                binary_preferred_side, paid_as_rank, highest_rank, access_restricted, commission_excluded,
                preferred_pricing_suspended, first_name, last_name, email, phone, address_line1, address_line2, city,
                region, postal_code, country, avatar, bio, tax_id_last4, sponsor_downline_count,
                placement_downline_count)
            SELECT %(first)s + k, %(number)s + k, 'deep' || k, 'active', now(), %(joined)s,
                   CASE WHEN k = 1 THEN %(root)s ELSE %(first)s + k - 1 END, '{{}}', k, NULL, NULL, '{{}}', 0, 0, '',
                   '', false, false, false, 'Deep', 'Member ' || k, 'deep' || k || '@example.test', '', '', '', '',
                   '', '', 'US', '', '', '', 0, 0
              FROM generate_series(1, %(depth)s) AS k
            """,
            {"first": first, "number": number, "root": root.pk, "depth": depth,
             "joined": datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)},
        )  # fmt: skip
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [first + depth])
    return Member.objects.get(pk=first + depth)


@pytest.mark.django_db
def test_a_line_more_than_32767_levels_above_its_order_is_stored_and_posted_with_its_level(
    in_alpha, admin, product, january
):
    from plans.services_plan_versions import plan_version_activate, plan_version_create
    from plans.tests.conftest import JAN

    plan_version_activate(version=plan_version_create(document=UNILEVEL, by=admin), effective_from=JAN, by=admin)
    root = enroll(None)
    deepest = _deep_chain(root, DEEP)
    order = buy(deepest)
    buy(root)
    run = run_preview(period=january, by=admin)
    line = RunLine.objects.get(run=run, source_order_id=order.pk, reason=0)
    assert (line.payee_id, line.amount_cents, line.level_raw, line.level_compressed) == (root.pk, 1000, DEEP, 1)
    run_approve(run=run, by=admin)
    period_close(period=january, by=admin)
    run_post(run=run, by=admin)
    posted = LedgerLine.objects.get(run=run, source_order=order)
    assert (posted.payee_id, posted.amount, posted.level_raw, posted.level_compressed) == (
        root.pk, Decimal("10.00"), DEEP, 1,
    )  # fmt: skip
    assert ledger_explanations([posted])[0]["level_raw"] == DEEP


def _partitions(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass",
            [table],
        )
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.django_db
def test_a_preview_is_a_partition_of_its_own_and_a_replaced_one_is_dropped_whole(chain, product, plan, january, admin):
    for name in ("root", "a", "b", "c"):
        buy(chain[name])
    first = run_preview(period=january, by=admin)
    lines, members = RunLine._meta.db_table, RunMemberResult._meta.db_table
    assert f"{lines}_r{first.pk}" in _partitions(lines)
    assert f"{members}_r{first.pk}" in _partitions(members)
    second = run_preview(period=january, by=admin)
    assert f"{lines}_r{first.pk}" not in _partitions(lines)  # dropped, not emptied row by row
    assert f"{members}_r{first.pk}" not in _partitions(members)
    assert {f"{lines}_r{second.pk}", f"{lines}_default"} <= _partitions(lines)
    with connection.cursor() as cursor:  # the lines a member page asks for come through the run's indexes
        cursor.execute(f"SELECT count(*) FROM {lines} WHERE run_id = %s AND payee_id = %s", [second.pk, chain["a"].pk])
        assert cursor.fetchone() == (2,)


@pytest.mark.django_db
def test_a_value_every_member_of_a_run_shares_is_kept_once_not_in_each_row(chain, product, plan, january, admin):
    for name in ("root", "a", "b"):
        buy(chain[name])
    run = run_preview(period=january, by=admin)
    members = f"{RunMemberResult._meta.db_table}_r{run.pk}"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND atthasmissing ORDER BY attname",
            [members],
        )
        missing = [name for (name,) in cursor.fetchall()]
    # A unilevel plan has no binary legs or carry-over: one value (0) for every member, in the catalogue.
    assert missing == ["binary_flushed", "carry_left", "carry_right", "leg_left", "leg_right"]
    rows = RunMemberResult.objects.filter(run=run, member__in=chain.values())
    read = {
        row.member_id: (row.earned_cents, row.cv, row.pv, row.rank, row.active, row.carry_left, row.leg_right)
        for row in rows
    }
    # root: 10 % of a's 100 CV and 5 % of b's; a: 10 % of b's; c bought nothing. Silver needs 300 GV, bronze 100 PV.
    assert read == {
        chain["root"].pk: (1500, 10000, 10000, 1, True, 0, 0),
        chain["a"].pk: (1000, 10000, 10000, 0, True, 0, 0),
        chain["b"].pk: (0, 10000, 10000, 0, True, 0, 0),
        chain["c"].pk: (0, 0, 0, -1, False, 0, 0),
    }


def _persistence(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE oid = to_regclass(%s)", [table])
        return cursor.fetchone()[0]


def _crash_empties(run) -> None:
    """What PostgreSQL does to every unlogged table when it recovers from a crash: its rows are gone."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {RunLine._meta.db_table}_r{run.pk}, {RunMemberResult._meta.db_table}_r{run.pk}")


def _stored_unlogged(run) -> None:
    """The run's tables as a preview stored them before previews were written to the WAL."""
    with connection.cursor() as cursor:
        for table in (f"{RunLine._meta.db_table}_r{run.pk}_p0", f"{RunMemberResult._meta.db_table}_r{run.pk}"):
            cursor.execute(f"ALTER TABLE {table} SET UNLOGGED")


@pytest.mark.django_db
def test_a_preview_is_durable_as_written_and_one_stored_unlogged_becomes_durable_when_posted(
    chain, product, plan, january, admin
):
    for name in ("root", "a", "b", "c"):
        buy(chain[name])
    run = run_preview(period=january, by=admin)
    lines = f"{RunLine._meta.db_table}_r{run.pk}_p0"  # its one piece of lines (plans.runstore)
    members = f"{RunMemberResult._meta.db_table}_r{run.pk}"
    assert (_persistence(lines), _persistence(members)) == ("p", "p")  # it may be posted: nothing to rewrite then
    _stored_unlogged(run)
    assert (_persistence(lines), _persistence(members)) == ("u", "u")
    run_approve(run=run, by=admin)
    period_close(period=january, by=admin)
    run_post(run=run, by=admin)
    assert (_persistence(lines), _persistence(members)) == ("p", "p")  # a posted run's forfeits are history
    assert LedgerLine.objects.filter(run=run).count() == run.line_count == 5


@pytest.mark.django_db
def test_a_preview_whose_lines_a_crash_emptied_is_failed_by_the_beat_and_never_posts_nothing(
    chain, product, plan, january, admin
):
    from django.core.exceptions import ValidationError

    from plans.models import RunStatus
    from plans.services import previews_lost_fail

    for name in ("root", "a", "b", "c"):
        buy(chain[name])
    run = run_preview(period=january, by=admin)
    _stored_unlogged(run)  # a preview stored before previews were written to the WAL
    run_approve(run=run, by=admin)
    period_close(period=january, by=admin)
    assert previews_lost_fail() == []  # lines still there: left alone
    _crash_empties(run)
    with pytest.raises(ValidationError, match=f"Run {run.pk} lost its lines in a database restart; preview again."):
        run_post(run=run, by=admin)
    assert not LedgerLine.objects.filter(run=run).exists()
    assert previews_lost_fail() == [run.pk]
    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.FAILED, "Its lines were lost in a database restart; preview again.")
