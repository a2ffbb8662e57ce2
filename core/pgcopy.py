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
from collections.abc import Callable, Iterable, Sequence

import numpy as np

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
PG_TYPES = {"int2": ">i2", "int4": ">i4", "int8": ">i8", "bool": "?"}
ROWS_PER_CHUNK = 100_000  # a chunk of the widest table (14 columns) is ~14 MB of COPY data; run lines have two writers


def _row_dtype(types: list[str]) -> np.dtype:
    fields = [("count", ">i2")]
    for i, pg_type in enumerate(types):
        fields += [(f"len{i}", ">i4"), (f"v{i}", PG_TYPES[pg_type])]
    return np.dtype(fields)


def copy_out(cursor, query: str, params: list | dict, types: list[str]) -> list[np.ndarray]:
    """Run ``COPY (query) TO STDOUT (FORMAT binary)`` and return one native-endian array per selected column.

    Parsed as the data arrives, a few MB at a time: memory holds the columns, never the whole COPY stream.
    psycopg2 hands over each row separately; a C ``io.BufferedWriter`` takes them, so the Python sink runs once
    per megabyte rather than once per row (about a second per 3M rows)."""
    sql = cursor.mogrify(query, params).decode()
    sink = _RowSink(_row_dtype(types), types)
    buffered = io.BufferedWriter(sink, buffer_size=1 << 20)
    cursor.copy_expert(
        f"COPY ({sql}) TO STDOUT (FORMAT binary)", buffered, 1 << 20
    )  # size: positional (Django wraps the cursor)
    buffered.flush()
    return sink.columns()


class _RowSink(io.RawIOBase):
    """A file-like object psycopg2's copy_expert writes COPY data to; every row has the same size, so complete rows
    are cut from the buffer and split into column arrays as they come."""

    FLUSH_BYTES = 16 << 20

    def __init__(self, dtype: np.dtype, types: list[str]):
        self.dtype, self.types = dtype, types
        self.pending = bytearray()
        self.header = True
        self.parts: list[list[np.ndarray]] = [[] for _ in types]

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.pending += data
        if len(self.pending) >= self.FLUSH_BYTES:
            self._parse()
        return len(data)

    def _parse(self) -> None:
        offset = len(HEADER) if self.header else 0
        if len(self.pending) < offset:
            return
        rows = (len(self.pending) - offset) // self.dtype.itemsize
        if rows:
            block = np.frombuffer(self.pending, dtype=self.dtype, count=rows, offset=offset)
            for i, pg_type in enumerate(self.types):
                self.parts[i].append(block[f"v{i}"].astype(np.dtype(PG_TYPES[pg_type]).newbyteorder("=")))
            del block
        del self.pending[: offset + rows * self.dtype.itemsize]
        self.header = False

    def columns(self) -> list[np.ndarray]:
        self._parse()
        if bytes(self.pending) not in (TRAILER, b""):  # a row cannot be shorter than the trailer
            raise ValueError(f"COPY data ended with {len(self.pending)} bytes that are not a row")
        out = []
        for i, pg_type in enumerate(self.types):
            native = np.dtype(PG_TYPES[pg_type]).newbyteorder("=")
            parts, self.parts[i] = self.parts[i], []
            out.append(np.concatenate(parts) if parts else np.zeros(0, native))
        return out


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


def copy_in(
    cursor,
    table: str,
    columns: list[tuple[str, str, np.ndarray | int | Callable[[np.ndarray | slice], np.ndarray]]],
    n_rows: int,
    *,
    freeze: bool = False,
    take: np.ndarray | None = None,
) -> None:
    """COPY ``n_rows`` rows into ``table``; each column is (name, pg type, array of n_rows, a constant, or a function
    of the rows' positions giving their values: a derived column made chunk by chunk, never whole).
    ``freeze``: the table was created in this transaction, rows are written frozen (no hint-bit rewrite on the first
    read, no freeze by vacuum later). ``take``: row order, applied chunk by chunk (no reordered copy of a column)."""
    dtype = _row_dtype([t for _, t, _ in columns])

    def chunks():
        yield HEADER
        for start in range(0, n_rows, ROWS_PER_CHUNK):
            stop = min(start + ROWS_PER_CHUNK, n_rows)
            rows = np.empty(stop - start, dtype=dtype)
            rows["count"] = len(columns)
            at = slice(start, stop) if take is None else take[start:stop]
            for i, (_, pg_type, values) in enumerate(columns):
                rows[f"len{i}"] = np.dtype(PG_TYPES[pg_type]).itemsize
                if callable(values):
                    rows[f"v{i}"] = values(at)
                elif isinstance(values, np.ndarray):
                    rows[f"v{i}"] = values[at]
                else:  # a constant
                    rows[f"v{i}"] = values
            yield rows.view(np.uint8)  # the chunk's bytes, not a copy of them
        yield TRAILER

    names = ", ".join(name for name, _, _ in columns)
    options = "FORMAT binary, FREEZE" if freeze else "FORMAT binary"
    reader = io.BufferedReader(_ChunkReader(chunks()), buffer_size=1 << 20)
    cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN ({options})", reader, 1 << 20)


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
