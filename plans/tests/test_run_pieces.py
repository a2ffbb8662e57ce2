"""A large run's lines go in pieces, each written, indexed and committed by one of two writers on a connection of its
own, then attached as the run's partitions (plans.runstore). Committed for real, in a throwaway company; pieces of
one line at least and two at most, so the five-line run of the chain (root <- a <- b <- c, 100 CV each, unilevel
10 % / 5 %) is written as several pieces; its orders are read on a connection of their own, as a large company's are
(plans.loader.ORDERS_BESIDE_FROM)."""

from decimal import Decimal

import numpy as np
import pytest
from django.db import connection

from core.accounts.models import User
from plans import loader, runstore, runstore_lines
from plans import services as plan_services
from plans.models import CommissionRun, LedgerLine, RunLine, RunStatus
from plans.services import period_get_or_create, run_execute, run_preview, run_preview_request
from plans.services_periods import period_close
from plans.services_plan_versions import plan_version_activate, plan_version_create
from plans.services_posting import run_approve, run_post
from plans.tasks import posted_run_analyze, runs_requeue_stalled
from plans.tests.conftest import JAN, PLAN, buy, enroll
from tenants.models import Company
from tests.committed import in_own_connection, throwaway_company
from tests.factories.catalogue import KitFactory

pytestmark = pytest.mark.django_db
LINES = RunLine._meta.db_table


@pytest.fixture
def company(monkeypatch):
    monkeypatch.setattr(runstore, "PIECE_LINES", 1)
    monkeypatch.setattr(runstore, "PIECE_MAX", 2)  # a chunk of three lines or more is split between the writers
    monkeypatch.setattr(loader, "ORDERS_BESIDE_FROM", 0)  # the orders read on a connection of their own
    with throwaway_company() as schema:

        def build():
            admin = _admin()
            KitFactory()
            root = enroll(None)
            a = enroll(root)
            b = enroll(a)
            c = enroll(b)
            for member in (root, a, b, c):
                buy(member)
            version = plan_version_create(document=PLAN, by=admin)
            plan_version_activate(version=version, effective_from=JAN, by=admin)
            period_get_or_create(day=JAN)
            return {"root": root.pk, "a": a.pk, "b": b.pk}

        yield schema, in_own_connection(schema, build)


def _admin() -> User:
    """The throwaway company's first admin (its billing e-mail is theirs)."""
    return User.objects.get(email=Company.objects.get(schema_name=connection.schema_name).billing_email)


def _tables(pattern: str) -> list[tuple[str, bool, str]]:
    """Tables of the current schema named like ``pattern``: (name, attached as a partition, persistence)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relispartition, relpersistence FROM pg_class WHERE relkind = 'r'"
            " AND relnamespace = current_schema()::regnamespace AND relname LIKE %s ORDER BY relname",
            [pattern.replace("_", r"\_")],
        )
        return cursor.fetchall()


def _preview():
    admin = _admin()
    return run_preview(period=period_get_or_create(day=JAN), by=admin)


def test_a_run_written_in_pieces_has_every_line_once_and_posts_them(company):
    schema, ids = company
    run = in_own_connection(schema, _preview)
    assert run.status == RunStatus.DONE

    def stored():
        lines = RunLine.objects.filter(run_id=run.pk).order_by("line_no")
        rows = [(x.line_no, x.payee_id, x.amount_cents, x.level_raw, x.level_compressed, x.rate_bp) for x in lines]
        a_lines = list(RunLine.objects.filter(run_id=run.pk, payee_id=ids["a"]).values_list("amount_cents", flat=True))
        with connection.cursor() as cursor:  # columns with one value in a whole piece: in the catalogue, not the rows
            cursor.execute(
                "SELECT DISTINCT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
                " WHERE c.relname LIKE %s AND c.relnamespace = current_schema()::regnamespace AND a.atthasmissing",
                [f"{LINES}_r{run.pk}_p%".replace("_", r"\_")],
            )
            missing = sorted(name for (name,) in cursor.fetchall())
        return rows, sorted(a_lines), _tables(f"{LINES}_r{run.pk}_p%"), missing

    rows, a_lines, pieces, missing = in_own_connection(schema, stored)
    assert [line_no for line_no, *_ in rows] == [0, 1, 2, 3, 4]  # each line once, numbered without gaps
    # Level and rate are one value in each engine chunk (one level): the pieces' column defaults hold them.
    assert sorted(row[1:] for row in rows) == sorted(
        [
            (ids["root"], 1000, 1, 1, 1000),
            (ids["a"], 1000, 1, 1, 1000),
            (ids["root"], 500, 2, 2, 500),
            (ids["b"], 1000, 1, 1, 1000),
            (ids["a"], 500, 2, 2, 500),
        ]
    )
    assert a_lines == [500, 1000]  # a member's lines, found through the pieces' indexes
    assert missing == ["component", "level_compressed", "level_raw", "rate_bp", "reason", "rule", "source_party_id"]
    assert len(pieces) >= 2  # more than one piece, every one attached to the run, written to the WAL as loaded
    assert all(attached and persistence == "p" for _, attached, persistence in pieces)

    def post():
        admin = _admin()
        fresh = CommissionRun.objects.get(pk=run.pk)
        run_approve(run=fresh, by=admin)
        period_close(period=fresh.period, by=admin)
        run_post(run=fresh, by=admin)
        paid = sorted(LedgerLine.objects.filter(run=fresh).values_list("payee_id", "amount"))
        with connection.cursor() as cursor:  # the pieces' payee and order indexes (built beside the post), adopted
            cursor.execute(
                "SELECT c.relname, regexp_replace(pg_get_indexdef(c.oid), '^.* USING btree ', '')"
                " FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
                " WHERE t.relname LIKE %s AND t.relnamespace = current_schema()::regnamespace"
                " AND NOT c.relname LIKE %s",
                [f"{LINES}_r{run.pk}%".replace("_", r"\_"), "%brin"],
            )
            indexed = sorted(cursor.fetchall())
            posted_run_analyze(run.pk)  # the task the post sends at its commit: the planner's statistics
            cursor.execute(
                "SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema() AND tablename LIKE %s"
                " AND attname = 'payee_id'",
                [f"{LINES}_r{run.pk}_p%".replace("_", r"\_")],
            )
            analyzed = sorted(name for (name,) in cursor.fetchall())
        return paid, _tables(f"{LINES}_r{run.pk}_p%"), indexed, analyzed

    paid, pieces, indexed, analyzed = in_own_connection(schema, post)
    assert analyzed == [name for name, _, _ in pieces]
    by_order, by_payee = "(source_order_id)", "(payee_id)"
    tables = [f"{LINES}_r{run.pk}"] + [name for name, _, _ in pieces]
    assert indexed == sorted([(f"{t}_order", by_order) for t in tables] + [(f"{t}_payee", by_payee) for t in tables])
    assert paid == sorted(
        [
            (ids["root"], Decimal("10.00")),
            (ids["a"], Decimal("10.00")),
            (ids["root"], Decimal("5.00")),
            (ids["b"], Decimal("10.00")),
            (ids["a"], Decimal("5.00")),
        ]
    )
    assert pieces and all(persistence == "p" for _, _, persistence in pieces)  # a posted run's lines are durable


def _fail_after_the_lines(monkeypatch):
    """The run fails once its writers committed every piece and before it attaches them."""

    def summary_fails(*args, **kwargs):
        raise RuntimeError("the summary failed")

    monkeypatch.setattr(plan_services, "_summary", summary_fails)


def _execute_failing(run_id: int) -> None:
    with pytest.raises(RuntimeError, match="the summary failed"):
        run_execute(run_id=run_id)


def test_a_run_that_fails_after_its_writers_committed_leaves_no_piece_behind(company, monkeypatch):
    schema, _ = company
    _fail_after_the_lines(monkeypatch)
    run = in_own_connection(schema, lambda: run_preview_request(period=period_get_or_create(day=JAN), send=False))
    in_own_connection(schema, lambda: _execute_failing(run.pk))

    def state():
        return CommissionRun.objects.get(pk=run.pk).status, _tables(f"{LINES}_r{run.pk}_p%")

    assert in_own_connection(schema, state) == (RunStatus.FAILED, [])


def test_pieces_a_killed_worker_left_are_swept_by_the_beat_job(company, monkeypatch):
    """Killed before it could clean up (here: the clean-up skipped): the pieces stay until the beat job's sweep,
    which leaves a run that is still being calculated alone."""
    schema, _ = company
    _fail_after_the_lines(monkeypatch)
    monkeypatch.setattr(plan_services, "_pieces_left_drop", lambda run_id: None)
    run = in_own_connection(schema, lambda: run_preview_request(period=period_get_or_create(day=JAN), send=False))
    in_own_connection(schema, lambda: _execute_failing(run.pk))
    left = in_own_connection(schema, lambda: _tables(f"{LINES}_r{run.pk}_p%"))
    assert len(left) >= 2 and not any(attached for _, attached, _ in left)
    monkeypatch.undo()

    def sweep_while_running():
        CommissionRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
        plan_services.pieces_orphaned_drop()
        return len(_tables(f"{LINES}_r{run.pk}_p%"))

    assert in_own_connection(schema, sweep_while_running) == len(left)  # a run being calculated keeps its pieces

    def sweep_after_failure():
        CommissionRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED)
        runs_requeue_stalled()
        return _tables(f"{LINES}_r{run.pk}_p%")

    assert in_own_connection(schema, sweep_after_failure) == []


def test_lines_are_ordered_by_payee_as_a_stable_sort_would_order_them():
    """The writers sort each chunk's lines by payee (one payee's lines together for the BRIN index) with a keyed
    sort; the order, and so every line's number, is the stable sort's, ties in their engine order."""
    rng = np.random.default_rng(7)
    for n, high in ((0, 5), (1, 5), (7, 3), (100_000, 1_000), (65_536, 10**12)):
        payee = rng.integers(1, high, n).astype(np.int64)
        assert runstore_lines.by_payee(payee).tolist() == np.argsort(payee, kind="stable").tolist()
    huge = np.array([2**62, 5, 2**62, 5], np.int64)  # too large to shift: the stable argsort itself
    assert runstore_lines.by_payee(huge).tolist() == [1, 3, 0, 2]
