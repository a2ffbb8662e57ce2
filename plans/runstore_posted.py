"""What a run's stored rows become when it posts: durable, indexed for the ledger's readers (its paid lines are
ledger lines: ``plans.ledger_view``), with statistics for the planner; and whether a run stored unlogged lost them
in a crash. The rows themselves are written by ``plans.runstore``."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from core.side_connections import connection_params, search_path, side_connection, side_transaction
from plans.runstore import LINES, MEMBERS, WRITERS, _leaves, _part


def partitions_keep(cursor, run_id: int) -> None:
    """A posted run's rows are durable: a preview's are written to the WAL as they are loaded (``LineWriter``'s
    ``logged``); a run stored unlogged (before that) is rewritten here (SET LOGGED). Its paid lines are ledger lines
    (``plans.ledger_view``), indexed here from the loaded rows by payee (a member's pages, balances and statements)
    and by order (the clawbacks: ``plans.selectors_commission_lines.commission_lines_of_orders``). When nothing had
    to be rewritten, the pieces' indexes are built beforehand on ``WRITERS`` side connections (committed: a post
    that fails leaves indexes its retry adopts), and the run's indexes adopt them."""
    rewritten = False
    for table in (LINES, MEMBERS):
        for leaf in _leaves(cursor, _part(table, run_id)):
            cursor.execute("SELECT relpersistence FROM pg_class WHERE oid = to_regclass(%s)", [leaf])
            if cursor.fetchone()[0] == "u":
                cursor.execute(f"ALTER TABLE {leaf} SET LOGGED")
                rewritten = True
    lines = _part(LINES, run_id)
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [lines])
    if cursor.fetchone()[0]:
        pieces = [leaf for leaf in _leaves(cursor, lines) if leaf != lines]
        if not rewritten and len(pieces) > 1:  # a rewritten piece is locked by this transaction until it ends
            _pieces_index(cursor, pieces)
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for name, columns in POSTED_INDEXES.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {lines}_{name} ON {lines} {columns}")


# A posted run's lines by payee and by order (forfeits included: a partial index on "reason = 0" looked to the
# planner, before the piece had statistics, like the cheapest way to every paid line, and it read them all for a
# page of line numbers). A preview has neither: its pages find a member's lines through the BRIN index.
POSTED_INDEXES = {"payee": "(payee_id)", "order": "(source_order_id)"}


def partitions_analyze(cursor, run_id: int) -> None:
    """Statistics for the planner on a posted run's tables (a background task after the post: at 1M members
    about 5 s). Until it runs, or autovacuum does, a query on the run's lines is planned on guesses."""
    for table in (LINES, MEMBERS):
        for leaf in _leaves(cursor, _part(table, run_id)):
            cursor.execute(f"ANALYZE {leaf}")


def _pieces_index(cursor, pieces: list[str]) -> None:
    """Each piece's posted indexes, built ``WRITERS`` pieces at a time on connections of their own (two builds here
    take about half the time of one after the other)."""
    params, path = connection_params(), search_path(cursor)

    def build(names: list[str]) -> None:
        conn = side_connection(params)
        try:
            for name in names:
                with side_transaction(conn, path) as side:
                    side.execute("SET LOCAL maintenance_work_mem = '256MB'")
                    for index, columns in POSTED_INDEXES.items():
                        side.execute(f"CREATE INDEX IF NOT EXISTS {name}_{index} ON {name} {columns}")
        finally:
            conn.close()

    with ThreadPoolExecutor(WRITERS) as pool:
        for future in [pool.submit(build, pieces[i::WRITERS]) for i in range(WRITERS)]:
            future.result()


def partitions_lost(cursor, run_id: int) -> bool:
    """Whether the run's stored lines are gone: its tables are UNLOGGED (a preview is recomputable, so loading it
    skips the WAL), and PostgreSQL empties unlogged tables when it recovers from a crash."""
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [_part(LINES, run_id)])
    if not cursor.fetchone()[0]:
        return False  # rows written another way (the default partition) are logged
    cursor.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {_part(LINES, run_id)})")
    return bool(cursor.fetchone()[0])
