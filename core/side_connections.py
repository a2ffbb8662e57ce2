"""Database connections of their own beside Django's, for work that runs on another thread while the request's or
task's connection does something else: a commission run's writers COPY its lines on two, its loader reads a large
company's orders on one while the members come in on Django's.

Each transaction on such a connection sets the company's search path for itself only (``set_config(…, true)``): a
transaction-pooling PgBouncer may hand the next transaction another server connection, so a session-wide setting
could leak into another company's work or be missing from this one's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg2
from django.db import connection


def search_path(cursor) -> str:
    """The search path of the connection behind ``cursor`` (the company's schema first), for a side connection to
    work in the same company."""
    cursor.execute("SELECT current_setting('search_path')")
    return cursor.fetchone()[0]


def connection_params() -> dict[str, Any]:
    """Django's connection parameters, taken on the caller's thread (a worker thread would otherwise reach for a
    Django connection of its own just to read them)."""
    return connection.get_connection_params()


def side_connection(params: dict[str, Any]) -> Any:
    """A new psycopg2 connection with ``params`` (``connection_params()``); the caller closes it."""
    return psycopg2.connect(**params)


@contextmanager
def side_transaction(conn, path: str) -> Iterator[Any]:
    """One transaction on ``conn`` in the search path ``path``: committed when the block ends, rolled back if it
    raises."""
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT set_config('search_path', %s, true)", [path])
            yield cursor
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
