"""Where a run's computed rows live: one partition per run of ``RunLine`` and of ``RunMemberResult``.

Both tables are list-partitioned by ``run_id`` (migration 0008). A run writes its rows the way PostgreSQL loads data
fastest: into a table of its own created in the same transaction (binary ``COPY ... FREEZE``: no index to maintain,
no hint bits to set later), then builds the indexes the pages need from the loaded rows, then attaches the table as
the run's partition (a ``CHECK (run_id = ...)`` written at creation proves the partition bound, so attaching scans
nothing). Throwing a run's rows away (a superseded preview, an old projection) drops its tables: no row is deleted.

Lines are written chunk by chunk as the engine makes them (``LineWriter`` is the engine's sink), each chunk sorted by
payee, so a BRIN index on ``payee_id`` finds a member's lines (a few block ranges per chunk) and ``line_no`` is the
physical order (its unique btree is built from presorted input). Member results are sorted by member id.

The run's tables are UNLOGGED while it is a preview: its rows can be computed again, so the load skips the WAL
(a bare COPY of 11M rows here: 5.9 s unlogged, 6.6 s logged, and no WAL for replicas to replay). PostgreSQL empties
unlogged tables when it recovers from a crash: posting refuses a run whose lines are gone, the beat job marks such a
preview failed, and posting makes the run's tables durable (``partitions_keep``) in the posting transaction. A
projection's or a what-if's member results come back with the next calculation.

Rows written another way (the ORM, in tests) land in the ``_default`` partition, which keeps a primary key.
"""

from __future__ import annotations

import queue
import threading
import time

import numpy as np

from core.pgcopy import copy_in
from plans.engine import Snapshot
from plans.engine.calculate import Ledger
from plans.models import RunLine, RunMemberResult

LINES = RunLine._meta.db_table
MEMBERS = RunMemberResult._meta.db_table


def _part(table: str, run_id: int) -> str:
    return f"{table}_r{int(run_id)}"


def columns_widest_first(cursor, table: str) -> str:
    """``table``'s column definitions (type, NOT NULL) with the 8-byte columns first, then 4, 2 and 1: no alignment
    padding between them, so a run line is 80 bytes of data instead of 88 (the model's order), and 10M lines are
    75 MB less to write and read back. A partition may order its columns as it likes: attaching matches names."""
    cursor.execute(
        "SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attlen DESC, attnum",
        [table],
    )
    return ", ".join(f"{name} {kind}" + (" NOT NULL" if not_null else "") for name, kind, not_null in cursor.fetchall())


def partitions_create(cursor, run_id: int, *, lines: bool) -> None:
    """The run's own tables (not attached yet), replacing any left by an earlier attempt of the same run."""
    run_id = int(run_id)
    for table in (LINES, MEMBERS) if lines else (MEMBERS,):
        columns = columns_widest_first(cursor, table)
        cursor.execute(f"DROP TABLE IF EXISTS {_part(table, run_id)}")
        cursor.execute(f"CREATE UNLOGGED TABLE {_part(table, run_id)} ({columns}, CHECK (run_id = {run_id}))")
        cursor.execute(f"DELETE FROM {table}_default WHERE run_id = %s", [run_id])


def partitions_attach(cursor, run_id: int, *, lines: bool) -> None:
    """Indexes from the loaded rows (more memory for the sort than a query gets), then the run's partitions."""
    run_id = int(run_id)
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    members = _part(MEMBERS, run_id)
    cursor.execute(f"CREATE UNIQUE INDEX {members}_member ON {members} (member_id)")
    cursor.execute(f"ALTER TABLE {MEMBERS} ATTACH PARTITION {members} FOR VALUES IN ({run_id})")
    if lines:
        table = _part(LINES, run_id)
        cursor.execute(f"CREATE UNIQUE INDEX {table}_line ON {table} (line_no)")
        cursor.execute(f"CREATE INDEX {table}_payee ON {table} USING brin (payee_id) WITH (pages_per_range = 16)")
        cursor.execute(f"ALTER TABLE {LINES} ATTACH PARTITION {table} FOR VALUES IN ({run_id})")


def partitions_keep(cursor, run_id: int) -> None:
    """A posted run's rows become durable (written to the WAL like the ledger): until then they are a preview's,
    which a database crash may empty (``partitions_lost``) and a new preview rebuilds. Its paid lines are indexed by
    order (built once from the loaded rows, after SET LOGGED rewrote them): the ledger finds the lines paid on an
    order through it (``plans.selectors.commission_lines_of_orders``) instead of keeping an index row by row."""
    for table in (LINES, MEMBERS):
        cursor.execute("SELECT relpersistence FROM pg_class WHERE oid = to_regclass(%s)", [_part(table, run_id)])
        row = cursor.fetchone()
        if row and row[0] == "u":
            cursor.execute(f"ALTER TABLE {_part(table, run_id)} SET LOGGED")
    lines = _part(LINES, run_id)
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [lines])
    if cursor.fetchone()[0]:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {lines}_order ON {lines} (source_order_id) WHERE reason = 0")


def partitions_lost(cursor, run_id: int) -> bool:
    """Whether the run's stored lines are gone: its tables are UNLOGGED (a preview is recomputable, so loading it
    skips the WAL), and PostgreSQL empties unlogged tables when it recovers from a crash."""
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [_part(LINES, run_id)])
    if not cursor.fetchone()[0]:
        return False  # rows written another way (the default partition) are logged
    cursor.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {_part(LINES, run_id)})")
    return bool(cursor.fetchone()[0])


def run_rows_drop(cursor, run_ids: list[int]) -> None:
    """Every stored row of these runs: their partitions dropped, rows in the default partition deleted."""
    for run_id in run_ids:
        for table in (LINES, MEMBERS):
            cursor.execute(f"DROP TABLE IF EXISTS {_part(table, run_id)}")
    if run_ids:
        cursor.execute(f"DELETE FROM {LINES}_default WHERE run_id = ANY(%s)", [list(run_ids)])
        cursor.execute(f"DELETE FROM {MEMBERS}_default WHERE run_id = ANY(%s)", [list(run_ids)])


def _ids(index: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Engine index -> database id, 0 for none (-1)."""
    if not len(ids):
        return np.zeros(len(index), np.int64)
    return np.where(index >= 0, ids[np.maximum(index, 0)], 0)


class LineWriter:
    """The engine's sink (``calculate(..., sink=writer)``): each chunk of lines is COPYed into the run's table by a
    thread of its own while the engine makes the next one (numpy and the socket both release the GIL, so the
    calculation and the database's insert work overlap). At most one chunk waits: memory stays bounded. The caller
    does not use the connection until ``close()``, which waits for the last chunk and raises the writer's error."""

    def __init__(self, cursor, run_id: int, snap: Snapshot):
        self.cursor = cursor
        self.run_id = int(run_id)
        self.snap = snap
        self.count = 0
        self.paid_count = 0
        self.seconds = 0.0  # spent in the writer thread (sorting, packing, COPY)
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def __call__(self, chunk: Ledger, forfeited: bool) -> None:
        if self._error is not None:
            raise self._error
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name=f"run-{self.run_id}-lines", daemon=True)
            self._thread.start()
        self._queue.put((chunk, self.count))
        self.count += len(chunk)
        self.paid_count += 0 if forfeited else len(chunk)

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if self._error is not None:
            raise self._error

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._write(*item)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller by close()
                    self._error = exc

    def _write(self, chunk: Ledger, first_line: int) -> None:
        started = time.perf_counter()
        snap, n = self.snap, len(chunk)
        payee = _ids(chunk.payee_idx, snap.member_id)
        order = np.argsort(payee, kind="stable")  # a member's lines together: the BRIN index on payee_id finds them
        line_no = np.empty(n, np.int32)
        line_no[order] = np.arange(first_line, first_line + n, dtype=np.int32)  # numbered in the written order
        copy_in(
            self.cursor,
            _part(LINES, self.run_id),
            [
                ("run_id", "int8", self.run_id),
                ("payee_id", "int8", payee),
                ("amount_cents", "int8", chunk.amount_cents),
                ("source_order_id", "int8", _ids(chunk.source_order_idx, snap.order_id)),
                ("source_member_id", "int8", _ids(chunk.source_member_idx, snap.member_id)),
                ("source_party_id", "int8", _ids(chunk.source_party_idx, snap.party_id)),
                ("basis_cents", "int8", chunk.basis_cents),
                ("line_no", "int4", line_no),
                ("level_raw", "int4", chunk.level_raw),
                ("level_compressed", "int4", chunk.level_compressed),
                ("component", "int2", chunk.component),
                ("rule", "int2", chunk.rule),
                ("reason", "int2", chunk.reason),
                ("rate_bp", "int2", chunk.rate_bp),
            ],
            n,
            freeze=True,
            take=order,
        )
        self.seconds += time.perf_counter() - started


def member_results_write(cursor, run_id: int, snap: Snapshot, result, earned: np.ndarray) -> None:
    """One row per member, in member id order (the unique index on member_id is built from presorted rows)."""
    order = np.argsort(snap.member_id, kind="stable")
    credited = snap.credited_idx >= 0
    own_cv = np.zeros(snap.n_members, np.int64)
    np.add.at(own_cv, snap.credited_idx[credited], snap.cv[credited])  # exact int64 (see calculate._sum_by)
    copy_in(
        cursor,
        _part(MEMBERS, run_id),
        [
            ("run_id", "int8", int(run_id)),
            ("member_id", "int8", snap.member_id[order]),
            ("pv", "int8", result.pv[order]),
            ("psv", "int8", result.psv[order]),
            ("gv", "int8", result.gv[order]),
            ("earned_cents", "int8", earned[order]),
            ("carry_left", "int8", result.carry_left[order]),
            ("carry_right", "int8", result.carry_right[order]),
            ("rank", "int2", result.rank[order]),
            ("highest_rank", "int2", result.highest_rank[order]),
            ("active", "bool", result.active[order]),
            ("leg_left", "int8", result.leg_left[order]),
            ("leg_right", "int8", result.leg_right[order]),
            ("binary_flushed", "int8", result.binary_flushed[order]),
            ("qualified_rank", "int2", result.qualified_rank[order]),
            ("cv", "int8", own_cv[order]),
        ],
        snap.n_members,
        freeze=True,
    )
