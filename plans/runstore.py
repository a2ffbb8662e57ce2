"""Where a run's computed rows live: one partition per run of ``RunLine`` and of ``RunMemberResult``.

Both tables are list-partitioned by ``run_id`` (migration 0008). A run writes its rows the way PostgreSQL loads data
fastest: into a table of its own created in the same transaction (binary ``COPY ... FREEZE``: no index to maintain,
no hint bits to set later), then builds the indexes the pages need from the loaded rows, then attaches the table as
the run's partition (a ``CHECK (run_id = ...)`` written at creation proves the partition bound, so attaching scans
nothing). Throwing a run's rows away (a superseded preview, an old projection) drops its tables: no row is deleted.

Lines are written chunk by chunk as the engine makes them (``LineWriter`` is the engine's sink), each chunk sorted by
payee and numbered in the written order, so one BRIN index on (``payee_id``, ``line_no``) finds both a member's lines
(a few block ranges per chunk) and a range of line numbers (one block range for a page of lines): line numbers run
from 0 without gaps, so a page of a run's lines is a range, not an offset. Member results are sorted by member id.

A run's lines partition is itself partitioned by line number: one table per *piece* (at least ``PIECE_LINES``
lines, whole engine chunks). A run of one piece writes it in its own transaction. A larger run hands its pieces to
``WRITERS`` threads, each on a connection of its own: the database's side of a COPY is one process, so two streams
load the lines in about 60 % of one stream's time, and each writer builds its piece's indexes right after loading it
(while its pages are still in memory) instead of the run reading every line back at the end. A writer commits its
piece (a table filled on another connection cannot wait for the run's transaction), and the run attaches the pieces
at the end (their ``CHECK`` constraints prove the bounds; the run's indexes adopt the pieces' own). A run that fails
before attaching leaves committed pieces no partition points at: ``pieces_unattached_drop`` removes them (the next
attempt of the run, its failure, and the beat job's sweep).

A preview's tables are written to the WAL as they are loaded (``logged``): it may be posted, and posting then
has nothing to rewrite (``ALTER TABLE ... SET LOGGED`` of 10M lines was 11-25 s of a 1M-member post; writing the
WAL with the COPY costs the preview 2-3 s). A projection's or a what-if's member results are UNLOGGED: they come
back with the next calculation, so their load skips the WAL. PostgreSQL empties unlogged tables when it recovers
from a crash: a preview stored unlogged (before previews were logged) whose lines are gone is refused by posting
and marked failed by the beat job; posting makes such a run durable (``plans.runstore_posted.partitions_keep``).

Rows written another way (the ORM, in tests) land in the ``_default`` partition, which keeps a primary key.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from core.pgcopy import copy_in
from core.side_connections import connection_params, search_path, side_connection, side_transaction
from plans.engine import Snapshot
from plans.engine.calculate import Ledger
from plans.models import RunLine, RunMemberResult
from plans.runstore_lines import by_payee, constants, constants_of_all, ids_at, ids_of, ids_or_zero, one_value

LINES = RunLine._meta.db_table
MEMBERS = RunMemberResult._meta.db_table
PIECE_LINES = 500_000  # lines per table at least: an engine chunk is rarely joined to another (1M members: ten)
PIECE_MAX = 1_000_000  # lines per piece at most: a larger chunk of the engine is split (views of its columns)
# One pass over a piece for both lookups: a member's lines (each engine chunk is sorted by payee) and a range of line
# numbers (the physical order: a page of the run's lines, plans.selectors_commission_lines.RunLinesInOrder). A unique
# btree on the line number cost a sort of every line, a fifth of the writers' work.
BRIN = "(payee_id, line_no) WITH (pages_per_range = 16)"
# Columns that are 0 on every line of a chunk in most plans (one component, its first rule, paid, no party): a
# chunk whose lines are all 0 in one of them leaves it out of its COPY, and the piece's default writes the 0. COPY's
# work is mostly per column: the bench's lines (one component; its rule is not 0) go in with 10 columns instead of
# 14, about a second less of the writers' time at 1M members.
WRITERS = 2  # COPY streams; on 2 cores at 1M members: one 38.3 s, two 28.5 s, three 30.4 s (and 140 MB more)


def _part(table: str, run_id: int) -> str:
    return f"{table}_r{int(run_id)}"


def lines_partition(run_id: int) -> str:
    """The table holding one run's lines (a partition of ``LINES``, itself the parent of the run's pieces) when the
    run stored them itself; lines written another way (the ORM, in tests) are in ``LINES``' default partition."""
    return _part(LINES, run_id)


def columns_widest_first(cursor, table: str, without: Iterable[str] = ()) -> str:
    """``table``'s column definitions (type, NOT NULL) with the 8-byte columns first, then 4, 2 and 1: no alignment
    padding between them, so a run line is 80 bytes of data instead of 88 (the model's order), and 10M lines are
    75 MB less to write and read back. A partition may order its columns as it likes: attaching matches names."""
    cursor.execute(
        "SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped AND NOT attname = ANY(%s)"
        " ORDER BY attlen DESC, attnum",
        [table, list(without)],
    )
    return ", ".join(f"{name} {kind}" + (" NOT NULL" if not_null else "") for name, kind, not_null in cursor.fetchall())


def _piece(run_id: int, first_line: int) -> str:
    return f"{_part(LINES, run_id)}_p{int(first_line)}"


def partitions_create(cursor, run_id: int, *, lines: bool) -> None:
    """The run's own tables (not attached yet), replacing any left by an earlier attempt of the same run: the parent
    of its lines' pieces (partitioned by line number); its member results' table is dropped here and made when they
    are written (which of its columns go in the rows depends on them)."""
    run_id = int(run_id)
    cursor.execute(f"DROP TABLE IF EXISTS {_part(MEMBERS, run_id)}")  # created when written: member_results_write
    cursor.execute(f"DELETE FROM {MEMBERS}_default WHERE run_id = %s", [run_id])
    if lines:
        cursor.execute(f"DROP TABLE IF EXISTS {_part(LINES, run_id)}")
        pieces_unattached_drop(cursor, run_id)
        cursor.execute(f"CREATE TABLE {_part(LINES, run_id)} (LIKE {LINES}) PARTITION BY RANGE (line_no)")
        cursor.execute(f"DELETE FROM {LINES}_default WHERE run_id = %s", [run_id])


def _piece_create(
    cursor, run_id: int, first_line: int, n: int, absent: Iterable[str] = (), *, logged: bool = False
) -> str:
    """One piece of the run's lines: a table of its own whose constraints prove both partition bounds (run and line
    numbers), so attaching it scans nothing. The ``absent`` columns are added once its rows are in
    (``_columns_add``)."""
    table = _piece(run_id, first_line)
    bounds = f"line_no >= {int(first_line)} AND line_no < {int(first_line) + int(n)}"
    _run_table_create(cursor, table, LINES, run_id, absent, bounds, logged=logged)
    return table


def _run_table_create(
    cursor, table: str, parent: str, run_id: int, absent: Iterable[str], check: str = "", *, logged: bool = False
) -> None:
    """A new table (unlogged unless ``logged``) with ``parent``'s columns but the ``absent`` ones (added once its
    rows are in: ``_columns_add``), and a ``CHECK`` on the run (and ``check``) that proves its partition bound."""
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    checks = f"CHECK (run_id = {int(run_id)})" + (f", CHECK ({check})" if check else "")
    columns = columns_widest_first(cursor, parent, absent)
    cursor.execute(f"CREATE {'' if logged else 'UNLOGGED '}TABLE {table} ({columns}, {checks})")
    # The run's id is the same on every row: the table's default fills it, so COPY does not send or parse it (nor
    # the columns a chunk of lines holds one value in: LineWriter._write_chunk).
    cursor.execute(f"ALTER TABLE {table} ALTER COLUMN run_id SET DEFAULT {int(run_id)}")


def _columns_add(cursor, table: str, parent: str, values: dict[str, int | bool]) -> None:
    """The columns that hold one value on every row of ``table``, added after its rows with that value as their
    default: PostgreSQL keeps such a value in the catalogue, not in the rows (a "missing" attribute), so the rows
    are stored and COPYed without them, and read with them."""
    if not values:
        return
    cursor.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attname = ANY(%s)",
        [parent, list(values)],
    )
    types = dict(cursor.fetchall())
    added = ", ".join(
        f"ADD COLUMN {name} {types[name]} NOT NULL DEFAULT {_literal(value)}" for name, value in values.items()
    )
    cursor.execute(f"ALTER TABLE {table} {added}")


def _literal(value: int | bool) -> str:
    return ("TRUE" if value else "FALSE") if isinstance(value, bool | np.bool_) else str(int(value))


def _piece_index(cursor, table: str) -> None:
    """A piece's indexes, built from its loaded rows: the run's indexes adopt them when the piece is attached."""
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    cursor.execute(f"CREATE INDEX {table}_brin ON {table} USING brin {BRIN}")


def partitions_attach(cursor, run_id: int, *, lines: bool, pieces: Sequence[tuple[int, int]] = ()) -> None:
    """The run's partitions, indexed from their loaded rows by whoever wrote them: the member results by
    ``member_results_write``, each of the lines' ``pieces`` ((first line, lines) each) by its writer; the lines' parent
    index adopts the pieces' own."""
    run_id = int(run_id)
    members = _part(MEMBERS, run_id)  # indexed when written (member_results_write)
    cursor.execute(f"ALTER TABLE {MEMBERS} ATTACH PARTITION {members} FOR VALUES IN ({run_id})")
    if lines:
        table = _part(LINES, run_id)
        for first_line, n in pieces:
            cursor.execute(
                f"ALTER TABLE {table} ATTACH PARTITION {_piece(run_id, first_line)}"
                f" FOR VALUES FROM ({int(first_line)}) TO ({int(first_line) + int(n)})"
            )
        cursor.execute(f"CREATE INDEX {table}_brin ON {table} USING brin {BRIN}")
        cursor.execute(f"ALTER TABLE {LINES} ATTACH PARTITION {table} FOR VALUES IN ({run_id})")


def _leaves(cursor, table: str) -> list[str]:
    """The tables holding ``table``'s rows: its pieces, or itself (a run stored before pieces, a member table)."""
    cursor.execute("SELECT relid::regclass::text FROM pg_partition_tree(to_regclass(%s)) WHERE isleaf", [table])
    return [name for (name,) in cursor.fetchall()]


def pieces_unattached_drop(
    cursor, run_id: int | None = None, *, spare: Callable[[set[int]], Iterable[int]] | None = None
) -> list[str]:
    """Pieces of lines that no run partition holds: a writer committed them, then the run failed (or its worker
    was killed) before attaching them. With no ``run_id``, those of every run, except the runs ``spare`` names when
    called with the ids it found (the beat job's sweep spares runs still being calculated; it is asked after the
    pieces are listed, so a run that starts meanwhile is not among them). Returns the tables dropped."""
    pattern = (f"{_part(LINES, run_id)}_p" if run_id is not None else f"{LINES}_r").replace("_", r"\_") + "%"
    cursor.execute(
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'"
        " AND c.relname LIKE %s AND NOT c.relispartition",
        [pattern],
    )
    names = [name for (name,) in cursor.fetchall() if "_p" in name.removeprefix(LINES)]
    if spare is not None and names:
        kept = tuple(f"{_part(LINES, pk)}_p" for pk in spare(_piece_runs(names)))
        names = [name for name in names if not name.startswith(kept)] if kept else names
    for name in names:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
    return names


def _piece_runs(names: list[str]) -> set[int]:
    """The run ids in pieces' table names (``{LINES}_r{run}_p{first line}``)."""
    return {int(name.removeprefix(f"{LINES}_r").split("_p", 1)[0]) for name in names}


def run_rows_drop(cursor, run_ids: list[int]) -> None:
    """Every stored row of these runs: their partitions dropped (with their pieces), rows in the default partition
    deleted."""
    for run_id in run_ids:
        for table in (LINES, MEMBERS):
            cursor.execute(f"DROP TABLE IF EXISTS {_part(table, run_id)}")
        pieces_unattached_drop(cursor, run_id)
    if run_ids:
        cursor.execute(f"DELETE FROM {LINES}_default WHERE run_id = ANY(%s)", [list(run_ids)])
        cursor.execute(f"DELETE FROM {MEMBERS}_default WHERE run_id = ANY(%s)", [list(run_ids)])


def _parts(chunk: Ledger) -> list[Ledger]:
    """A chunk of more than ``PIECE_MAX`` lines in equal parts (views, no copy): the writers share a large chunk
    instead of one of them writing it while the other waits for the next."""
    n = len(chunk)
    if n <= PIECE_MAX:
        return [chunk] if n else []
    bounds = np.linspace(0, n, -(-n // PIECE_MAX) + 1).astype(np.int64)
    names = [field.name for field in dataclasses.fields(Ledger)]
    spans = zip(bounds[:-1], bounds[1:], strict=True)
    return [Ledger(**{name: getattr(chunk, name)[a:b] for name in names}) for a, b in spans]


class LineWriter:
    """The engine's sink (``calculate(..., sink=writer)``): chunks of lines are gathered into pieces of at least
    ``PIECE_LINES`` lines; each piece is COPYed into a table of its own by one of ``WRITERS`` threads, on a
    connection of its own, while the engine makes the next chunks (numpy and the sockets release the GIL, so the
    calculation and the database's inserts overlap). At most ``WRITERS`` pieces are held: memory stays bounded.
    A run of one piece writes it at ``close()`` on the run's own connection (in its transaction: nothing to commit
    early, nothing left behind if it fails). The caller may use its connection between calls (the writers never
    touch it); ``close()`` waits for the writers and raises the first error; ``pieces`` then lists (first line,
    lines) for ``partitions_attach``."""

    def __init__(self, cursor, run_id: int, snap: Snapshot, *, logged: bool = False):
        self.cursor = cursor
        self.run_id = int(run_id)
        self.logged = logged
        self.snap = snap
        self._id_maps = tuple(ids_or_zero(ids) for ids in (snap.member_id, snap.order_id, snap.party_id))
        self.count = 0
        self.paid_count = 0
        self.forfeit_ranges: list[list[int]] = []  # [first line, lines] of each run of forfeited lines
        self.seconds = 0.0  # spent in the writer threads (sorting, packing, COPY, the pieces' indexes)
        self.pieces: list[tuple[int, int]] = []
        self._pending: list[tuple[Ledger, int]] = []
        self._pending_lines = 0
        self._pool: ThreadPoolExecutor | None = None
        self._futures: list[Future] = []
        self._held = threading.BoundedSemaphore(WRITERS)
        self._local = threading.local()
        self._connections: list = []
        self._lock = threading.Lock()

    def __call__(self, chunk: Ledger, forfeited: bool) -> None:
        self._raise_failed()
        self.paid_count += 0 if forfeited else len(chunk)
        if forfeited and len(chunk):  # the line numbers of forfeits: paid line k's number follows from them
            last = self.forfeit_ranges[-1] if self.forfeit_ranges else None
            if last is not None and last[0] + last[1] == self.count:
                last[1] += len(chunk)
            else:
                self.forfeit_ranges.append([self.count, len(chunk)])
        for part in _parts(chunk):
            self._pending.append((part, self.count))
            self._pending_lines += len(part)
            self.count += len(part)
            if self._pending_lines >= PIECE_LINES:
                self._hand_over()

    def flush(self) -> None:
        """Hand the last lines to a writer now (a run of several pieces), so what the caller does next on its own
        connection (the member results) overlaps the writers' last pieces instead of following them."""
        self._raise_failed()
        if self._pending and self._pool is not None:
            self._hand_over()

    def close(self) -> None:
        try:
            if self._pending and self._pool is None:  # one piece: the run's own connection and transaction
                first_line, chunks = self._take()
                table = self._store(self.cursor, first_line, chunks)
                _piece_index(self.cursor, table)
            elif self._pending:
                self._hand_over()
            for future in self._futures:
                future.exception()  # wait for every writer before raising, so none is left using its connection
            self._raise_failed()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
            for conn in self._connections:
                conn.close()
            self._connections = []
        self.pieces.sort()

    def _raise_failed(self) -> None:
        for future in self._futures:
            error = future.exception() if future.done() else None
            if error is not None:
                raise error

    @staticmethod
    def _lines(chunks: list[tuple[Ledger, int]]) -> int:
        return sum(len(chunk) for chunk, _ in chunks)

    def _take(self) -> tuple[int, list[tuple[Ledger, int]]]:
        chunks, self._pending, self._pending_lines = self._pending, [], 0
        first_line = chunks[0][1]
        self.pieces.append((first_line, self._lines(chunks)))
        return first_line, chunks

    def _hand_over(self) -> None:
        if self._pool is None:
            self._search_path = search_path(self.cursor)
            self._params = connection_params()
            self._pool = ThreadPoolExecutor(WRITERS, thread_name_prefix=f"run-{self.run_id}-lines")
        first_line, chunks = self._take()
        self._held.acquire()  # blocks while every writer holds a piece: memory bounded
        self._futures.append(self._pool.submit(self._write_piece, first_line, chunks))

    def _connection(self):
        conn = getattr(self._local, "connection", None)
        if conn is None:
            conn = side_connection(self._params)
            self._local.connection = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _write_piece(self, first_line: int, chunks: list[tuple[Ledger, int]]) -> None:
        """On a writer's own connection: create, fill (FREEZE: the table is new in this transaction), index and
        commit one piece."""
        try:
            started = time.perf_counter()
            with side_transaction(self._connection(), self._search_path) as cursor:
                # A lost piece is never posted: the run's own commit, which attaches it, comes after in the WAL.
                cursor.execute("SET LOCAL synchronous_commit = off")
                table = self._store(cursor, first_line, chunks)
                _piece_index(cursor, table)
            with self._lock:
                self.seconds += time.perf_counter() - started
        finally:
            self._held.release()

    def _store(self, cursor, first_line: int, chunks: list[tuple[Ledger, int]]) -> str:
        """Create the piece, COPY its chunks, add the columns that hold one value on all of its lines; its table."""
        per_chunk = [constants(chunk, self._id_maps[2]) for chunk, _ in chunks]
        piece_wide = constants_of_all(per_chunk)
        table = _piece_create(
            cursor, self.run_id, first_line, self._lines(chunks), absent=piece_wide, logged=self.logged
        )
        self._write(cursor, table, chunks, per_chunk, piece_wide)
        _columns_add(cursor, table, LINES, piece_wide)
        return table

    def _write(
        self,
        cursor,
        table: str,
        chunks: list[tuple[Ledger, int]],
        per_chunk: list[dict[str, int]],
        absent: dict[str, int],
    ) -> None:
        started = time.perf_counter()
        defaults: dict[str, int] = {}  # the piece's column defaults set so far
        for (chunk, first_line), constant in zip(chunks, per_chunk, strict=True):
            self._write_chunk(cursor, table, chunk, first_line, constant, defaults, absent)
        if cursor is self.cursor:
            self.seconds += time.perf_counter() - started

    def _write_chunk(
        self,
        cursor,
        table: str,
        chunk: Ledger,
        first_line: int,
        constant: dict[str, int],
        defaults: dict[str, int],
        absent: dict[str, int],
    ) -> None:
        """COPY one chunk, sorted by payee. The ``absent`` columns are not in the piece yet (one value on all of its
        lines: added after the rows). Another column of ``CONSTANT_BY_DEFAULT`` that holds one value on every line of
        the chunk is not sent either: the piece's default for it is set to that value first (``defaults``: the
        piece's so far). COPY's work is mostly per column: the bench's lines go in with 7 columns."""
        n = len(chunk)
        members, orders, parties = self._id_maps
        payee = ids_of(chunk.payee_idx, members)
        order = by_payee(payee)  # a member's lines together: the BRIN index on payee_id finds them
        line_no = np.empty(n, np.int32)
        line_no[order] = np.arange(first_line, first_line + n, dtype=np.int32)  # numbered in the written order
        columns: list = [
            ("payee_id", "int8", payee),
            ("amount_cents", "int8", chunk.amount_cents),
            ("source_order_id", "int8", ids_at(chunk.source_order_idx, orders)),
            ("source_member_id", "int8", ids_at(chunk.source_member_idx, members)),
            ("source_party_id", "int8", ids_at(chunk.source_party_idx, parties)),
            ("basis_cents", "int8", chunk.basis_cents),
            ("line_no", "int4", line_no),
            ("level_raw", "int4", chunk.level_raw),
            ("level_compressed", "int4", chunk.level_compressed),
            ("component", "int2", chunk.component),
            ("rule", "int2", chunk.rule),
            ("reason", "int2", chunk.reason),
            ("rate_bp", "int2", chunk.rate_bp),
        ]
        changed = {
            name: value for name, value in constant.items() if name not in absent and defaults.get(name) != value
        }
        if changed:
            cursor.execute(
                f"ALTER TABLE {table} "
                + ", ".join(f"ALTER COLUMN {name} SET DEFAULT {int(value)}" for name, value in changed.items())
            )
            defaults.update(changed)
        sent = [column for column in columns if column[0] not in constant and column[0] not in absent]
        copy_in(cursor, table, sent, n, freeze=True, take=order)


def member_results_write(
    cursor, run_id: int, snap: Snapshot, result, earned: np.ndarray, *, logged: bool = False
) -> None:
    """One row per member, in member id order (the unique index on member_id is built from presorted rows), into
    the run's member table made here. A column that holds one value for every member (a unilevel plan's binary legs
    and carry-overs, say) is added after the rows, as a piece of lines' are (``_columns_add``): at 1M members the
    bench's rows go in with 10 columns instead of 15."""
    ids = snap.member_id
    order = None if bool((ids[1:] > ids[:-1]).all()) else np.argsort(ids, kind="stable")
    credited = snap.credited_idx >= 0
    own_cv = np.zeros(snap.n_members, np.int64)
    np.add.at(own_cv, snap.credited_idx[credited], snap.cv[credited])  # exact int64 (see calculate._sum_by)
    columns: list = [
        ("member_id", "int8", ids),
        ("pv", "int8", result.pv),
        ("psv", "int8", result.psv),
        ("gv", "int8", result.gv),
        ("earned_cents", "int8", earned),
        ("carry_left", "int8", result.carry_left),
        ("carry_right", "int8", result.carry_right),
        ("rank", "int2", result.rank),
        ("highest_rank", "int2", result.highest_rank),
        ("active", "bool", result.active),
        ("leg_left", "int8", result.leg_left),
        ("leg_right", "int8", result.leg_right),
        ("binary_flushed", "int8", result.binary_flushed),
        ("qualified_rank", "int2", result.qualified_rank),
        ("cv", "int8", own_cv),
    ]
    same = {name: values[0].item() for name, _, values in columns if name != "member_id" and one_value(values)}
    table = _part(MEMBERS, run_id)
    _run_table_create(cursor, table, MEMBERS, run_id, same, logged=logged)
    sent = [column for column in columns if column[0] not in same]
    copy_in(cursor, table, sent, snap.n_members, freeze=True, take=order)
    _columns_add(cursor, table, MEMBERS, same)
    # Indexed now, while the writers may still be loading the last pieces of lines, rather than after them.
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    cursor.execute(f"CREATE UNIQUE INDEX {table}_member ON {table} (member_id)")
