"""What the member and customer imports share: the columns, the report of problems by line and column, and reading and
checking cells."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from django.db import connection

MEMBER_COLUMNS = [
    "member_number",
    "username",
    "first_name",
    "last_name",
    "email",
    "phone",
    "country",
    "sponsor_number",
    "placement_number",
    "placement_position",
    "status",
    "joined_on",
]


REQUIRED_MEMBER_COLUMNS = ["member_number", "username", "first_name", "last_name", "email", "sponsor_number"]


CUSTOMER_COLUMNS = [
    "customer_number",
    "distributor_number",
    "customer_type",
    "first_name",
    "last_name",
    "email",
    "phone",
    "country",
    "joined_on",
]


REQUIRED_CUSTOMER_COLUMNS = ["distributor_number", "first_name", "last_name", "email"]


MAX_REPORTED_ERRORS = 1000


BULK_INDEX_THRESHOLD = 20_000  # rows from which dropping and rebuilding the secondary indexes pays off


EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    def add(self, line: int, column: str, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(line, column, reason))

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def problems_text(self, kind: str) -> str:
        """Every reported problem, one per line, for a command's error message."""
        lines = [str(error) for error in self.errors]
        more = self.error_count - len(lines)
        return (
            f"{kind}: {self.error_count} problem(s); nothing was imported.\n  "
            + "\n  ".join(lines)
            + (f"\n  …and {more} more" if more else "")
        )


class ImportRejected(Exception):
    """Raised with the report when a file has errors; nothing was written."""

    def __init__(self, report: ImportReport):
        self.report = report
        shown = "; ".join(str(e) for e in report.errors[:5])
        more = f" (and {report.error_count - 5} more)" if report.error_count > 5 else ""
        super().__init__(f"{report.error_count} problem(s), nothing imported: {shown}{more}")


def rows_read(text: Iterable[str], required: list[str], report: ImportReport) -> Iterator[tuple[int, dict]]:
    reader = csv.DictReader(text)
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        report.add(1, ",".join(missing), "missing column(s) in the header")
        return
    for row in reader:
        report.rows += 1
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k is not None}


def date_cell(value: str, line: int, column: str, report: ImportReport, default: datetime) -> datetime:
    if not value:
        return default
    try:
        return datetime.combine(date.fromisoformat(value), time(12), tzinfo=UTC)
    except ValueError:
        report.add(line, column, f"'{value}' is not a date (use YYYY-MM-DD)")
        return default


def int_cell(value: str, line: int, column: str, report: ImportReport) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        report.add(line, column, f"'{value}' is not a whole number")
        return None
    return int(value)


def existing_values(table: str, column: str, sql_type: str, values: list) -> set:
    """Which of ``values`` are already in ``table``: one query with an array parameter, whatever the file size."""
    if not values:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {column} = ANY(%s::{sql_type}[])", [values])
        return {row[0] for row in cursor.fetchall()}
