"""Bulk writes with PostgreSQL COPY, shared by the imports (members, customers, historic orders).

Text from files is escaped once with ``copy_escape`` where a row is built; ``copy_cell`` then only spells numbers,
dates, booleans, NULL and arrays, so a million rows pay for escaping only where text can hold a tab or a backslash.
"""

from __future__ import annotations

import gc
import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connection

from core.progress import ProgressFn, no_progress

COPY_BATCH = 50_000  # rows per COPY round trip: about 10 MB of text, so memory stays flat whatever the file size


def copy_escape(value: str) -> str:
    """A text cell in COPY's text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_cell(value) -> str:
    """A cell that is not free text (text must already be escaped with ``copy_escape``)."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, list | tuple):
        return "{" + ",".join(map(str, value)) + "}"
    return str(value)


def copy_rows(
    table: str,
    columns: Sequence[str],
    rows: Iterable[str | Sequence],
    *,
    progress: ProgressFn | None = None,
    stage: str = "writing",
    total: int = 0,
) -> int:
    """COPY ``rows`` (each a ready line without its newline, or a sequence of cells) in batches. Returns the count."""
    progress = progress or no_progress
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    buffer = io.StringIO()
    done = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for row in rows:
            buffer.write(row if isinstance(row, str) else "\t".join(map(copy_cell, row)))
            buffer.write("\n")
            done += 1
            if done % COPY_BATCH == 0:
                buffer.seek(0)
                raw.copy_expert(sql, buffer)
                buffer = io.StringIO()
                progress(stage, done, total or done)
        if buffer.tell():
            buffer.seek(0)
            raw.copy_expert(sql, buffer)
    progress(stage, done, total or done)
    return done


def sequence_next_values(sequence: str, count: int) -> list[int]:
    """``count`` values of a sequence in one round trip (``sequence`` is an SQL expression naming it)."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT nextval({sequence}) FROM generate_series(1, %s)", [count])
        return [row[0] for row in cursor.fetchall()]


def reserve_ids(table: str, count: int) -> list[int]:
    """Primary keys for ``count`` rows of ``table``, known before the COPY (so other rows can point at them)."""
    return sequence_next_values(f"pg_get_serial_sequence('{table}', 'id')", count)


@contextmanager
def gc_paused() -> Iterator[None]:
    """For bulk work that makes hundreds of thousands of small objects, none in a reference cycle: without the cyclic
    collector running over them again and again, 100k historic orders import in about half the time (measured: 7 s
    instead of 14 s)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


PLANNER_SCANS = ("enable_seqscan", "enable_hashjoin", "enable_mergejoin", "jit")


@contextmanager
def index_scan_only(cursor) -> Iterator[None]:
    """Within the current transaction, plan the statements of the block as index probes in nested loops where an
    index serves (then put the settings back): for writes that touch a few thousand rows of a table of millions,
    whose pages are cached, where the planner's price of a random page read makes a full scan (or a hash or merge
    join over one) look cheaper than the probes: seconds instead of milliseconds at a million members. No JIT
    either: compiling a plan whose estimate is off costs more than running it."""
    cursor.execute(
        "SELECT " + ", ".join(f"current_setting('{name}'), set_config('{name}', 'off', true)" for name in PLANNER_SCANS)
    )
    previous = cursor.fetchone()[0::2]
    yield
    # Not on an error: the transaction (or savepoint) rolling back takes the local settings back with it.
    cursor.execute("SELECT " + ", ".join(f"set_config('{name}', %s, true)" for name in PLANNER_SCANS), list(previous))


def row_triggers_skippable(cursor) -> bool:
    """Whether this connection's role may skip per-row triggers for one statement (session_replication_role):
    a superuser, or on PostgreSQL 15+ a role granted ``SET ON PARAMETER session_replication_role``."""
    cursor.execute(
        "SELECT rolsuper OR (current_setting('server_version_num')::int >= 150000"
        " AND has_parameter_privilege('session_replication_role', 'SET')) FROM pg_roles WHERE rolname = current_user"
    )
    row = cursor.fetchone()
    return bool(row and row[0])


@contextmanager
def foreign_keys_checked_by_caller(cursor) -> Iterator[bool]:
    """Within the current transaction, rows written in the block do not queue a foreign-key check each (deferred
    to the commit, where tens of thousands of them cost a second), when the role may (``row_triggers_skippable``).
    Only for inserts whose references the caller has just read in this transaction and that are never deleted
    (members, runs, policy versions: PROTECT): the block is the caller's proof. Every other trigger is skipped too,
    so the block must write nothing that has one of its own (the members table's tree checks). Yields whether the
    checks were skipped."""
    skip = row_triggers_skippable(cursor)
    if skip:
        cursor.execute("SET LOCAL session_replication_role = replica")
    yield skip
    # Not on an error: the transaction (or savepoint) rolling back takes the local setting back with it.
    if skip:
        cursor.execute("SET LOCAL session_replication_role = origin")
