"""PostgreSQL binary COPY to and from numpy columns: the commission loader and run store, and the demotion facts,
move millions of rows this way.

Only fixed-width, non-null columns (int2/int4/int8/bool), so every row has the same size and a whole table is one
numpy structured array: no Python work per row. NULLs are mapped in SQL (COALESCE(x, -1)) before they reach here.
Rows of mixed types (text, JSON, dates) go in by text COPY (``copy_rows``).
"""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Iterable, Sequence

import numpy as np

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
PG_TYPES = {"int2": ">i2", "int4": ">i4", "int8": ">i8", "bool": "?"}
ROWS_PER_CHUNK = 500_000  # a chunk of the widest table (13 columns) is ~60 MB of COPY data


def _row_dtype(types: list[str]) -> np.dtype:
    fields = [("count", ">i2")]
    for i, pg_type in enumerate(types):
        fields += [(f"len{i}", ">i4"), (f"v{i}", PG_TYPES[pg_type])]
    return np.dtype(fields)


def copy_out(cursor, query: str, params: list, types: list[str]) -> list[np.ndarray]:
    """Run ``COPY (query) TO STDOUT (FORMAT binary)`` and return one native-endian array per selected column."""
    sql = cursor.mogrify(query, params).decode()
    buffer = io.BytesIO()
    cursor.copy_expert(f"COPY ({sql}) TO STDOUT (FORMAT binary)", buffer)
    data = buffer.getbuffer()
    body = data[len(HEADER) : len(data) - len(TRAILER)]
    rows = np.frombuffer(body, dtype=_row_dtype(types))
    return [rows[f"v{i}"].astype(np.dtype(PG_TYPES[t]).newbyteorder("=")) for i, t in enumerate(types)]


class _ChunkReader(io.RawIOBase):
    """A file-like object psycopg2's copy_expert reads from, producing COPY data chunk by chunk."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not len(self._pending):
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        n = min(len(target), len(self._pending))
        target[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def copy_in(cursor, table: str, columns: list[tuple[str, str, np.ndarray | int]], n_rows: int) -> None:
    """COPY ``n_rows`` rows into ``table``; each column is (name, pg type, array of n_rows or a constant)."""
    dtype = _row_dtype([t for _, t, _ in columns])

    def chunks():
        yield HEADER
        for start in range(0, n_rows, ROWS_PER_CHUNK):
            stop = min(start + ROWS_PER_CHUNK, n_rows)
            rows = np.empty(stop - start, dtype=dtype)
            rows["count"] = len(columns)
            for i, (_, pg_type, values) in enumerate(columns):
                rows[f"len{i}"] = np.dtype(PG_TYPES[pg_type]).itemsize
                rows[f"v{i}"] = values if np.isscalar(values) else values[start:stop]
            yield rows.tobytes()
        yield TRAILER

    names = ", ".join(name for name, _, _ in columns)
    cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN (FORMAT binary)", io.BufferedReader(_ChunkReader(chunks())))


def _text_cell(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value, default=str)
    elif isinstance(value, datetime.date):  # datetimes too (a subclass)
        value = value.isoformat()
    else:
        value = str(value)
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_rows(cursor, table: str, columns: list[str], rows: Iterable[Sequence]) -> None:
    """COPY Python rows (None, bool, int, Decimal, str, date/datetime, dict/list as JSON) into ``table``'s
    ``columns`` in text format: the path for a few thousand to a few hundred thousand rows of mixed types, many times
    faster than an ORM bulk insert (no model instance or parameter per value)."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_text_cell(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def ids_reserve(cursor, table: str, count: int) -> list[int]:
    """``count`` fresh ids from ``table``'s id sequence, so rows COPY'd in can be referred to before they exist."""
    if not count:
        return []
    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
    return [pk for (pk,) in cursor.fetchall()]
