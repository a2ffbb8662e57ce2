"""What the member and customer imports share: the columns, the report of problems by line and column, and reading and
checking cells."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from django.db import connection

from core.company.models import Market

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
    "market",
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
    "market",
]


REQUIRED_CUSTOMER_COLUMNS = ["distributor_number", "first_name", "last_name", "email"]


def market_ids() -> Callable[[dict[str, str], int, ImportReport], int | None]:
    """How an imported row finds its market (issue 19): the ``market`` column's code (an active market; an unknown
    code is a row error), else the active market of the row's ``country``, else none (the company's default)."""
    active = list(Market.objects.filter(is_active=True).values_list("pk", "code", "countries"))
    by_code = {code.upper(): pk for pk, code, _countries in active}
    by_country = {country: pk for pk, _code, countries in active for country in countries}

    def market_id(raw: dict[str, str], line: int, report: ImportReport) -> int | None:
        code = (raw.get("market") or "").strip().upper()
        if code:
            if code not in by_code:
                report.add(line, "market", f"no active market has the code '{code}'")
            return by_code.get(code)
        return by_country.get((raw.get("country") or "").strip().upper()[:2])

    return market_id


MAX_REPORTED_ERRORS = 1000

# The text columns of the members and customers tables: a longer cell is a row error, never a failed COPY.
# (country is cut to its two-letter code, as before.)
MEMBER_TEXT_LIMITS = {"username": 32, "first_name": 100, "last_name": 100, "email": 254, "phone": 40}
CUSTOMER_TEXT_LIMITS = {"first_name": 100, "last_name": 100, "email": 254, "phone": 40}

BIGINT_MAX = 2**63 - 1  # member and customer numbers are bigint columns
# A join date before the first computer-kept genealogy, or in the next century, is a typo.
EARLIEST_JOIN = date(1900, 1, 1)
LATEST_JOIN = date(2100, 12, 31)
NOT_UTF8 = "the file is not UTF-8 text (save it as CSV UTF-8)"


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


def rows_read(
    text: Iterable[str], required: list[str], report: ImportReport, limits: dict[str, int] | None = None
) -> Iterator[tuple[int, dict]]:
    """The data rows with their line numbers. A cell longer than its column's limit is a row error; a file that is
    not UTF-8 text (or not CSV at all: NUL bytes) is one error on the line where reading stopped."""
    reader = csv.DictReader(text)
    try:
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            report.add(1, ",".join(missing), "missing column(s) in the header")
            return
        for row in reader:
            report.rows += 1
            cells = {k: (v or "").strip() for k, v in row.items() if k is not None and isinstance(k, str)}
            for column, limit in (limits or {}).items():
                if len(cells.get(column, "")) > limit:
                    report.add(reader.line_num, column, f"longer than {limit} characters")
            yield reader.line_num, cells
    except UnicodeDecodeError:
        report.add(reader.line_num + 1, "file", NOT_UTF8)
    except csv.Error as error:
        report.add(reader.line_num + 1, "file", f"not a CSV file ({error})")


def date_cell(value: str, line: int, column: str, report: ImportReport, default: datetime) -> datetime:
    if not value:
        return default
    try:
        day = date.fromisoformat(value)
    except ValueError:
        report.add(line, column, f"'{value}' is not a date (use YYYY-MM-DD)")
        return default
    if not EARLIEST_JOIN <= day <= LATEST_JOIN:
        report.add(line, column, f"'{value}' is not between {EARLIEST_JOIN} and {LATEST_JOIN}")
        return default
    return datetime.combine(day, time(12), tzinfo=UTC)


def int_cell(value: str, line: int, column: str, report: ImportReport, maximum: int = BIGINT_MAX) -> int | None:
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        report.add(line, column, f"'{value}' is not a whole number")
        return None
    if len(value) > 19 or int(value) > maximum:
        report.add(line, column, f"'{value}' is larger than {maximum}")
        return None
    return int(value)


def existing_values(table: str, column: str, sql_type: str, values: list) -> set:
    """Which of ``values`` are already in ``table``: one query with an array parameter, whatever the file size."""
    if not values:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {column} = ANY(%s::{sql_type}[])", [values])
        return {row[0] for row in cursor.fetchall()}


def lines_read(text: Iterable[str], report: ImportReport) -> Iterator[str]:
    """The file's lines for a ``csv.reader``; reading stops with one error on the line that is not UTF-8 text."""
    line = 0
    lines = iter(text)
    while True:
        try:
            chunk = next(lines)
        except StopIteration:
            return
        except UnicodeDecodeError:
            report.add(line + 1, "file", NOT_UTF8)
            return
        line += chunk.count("\n") or 1
        yield chunk


def csv_rows(reader, report: ImportReport) -> Iterator[list[str]]:
    """``reader``'s rows; a file that is not CSV at all (NUL bytes) is one error where reading stopped."""
    try:
        yield from reader
    except csv.Error as error:
        report.add(reader.line_num + 1, "file", f"not a CSV file ({error})")
