"""Members and customers out as CSV rows, in the columns the imports read."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

from config.replica import reads_from_replica
from core.csv_safe import csv_writer
from core.members.importing.common import CUSTOMER_COLUMNS, MEMBER_COLUMNS
from core.members.models import Customer, Member


@reads_from_replica
def members_export_rows() -> Iterator[list[str]]:
    """The members file in the import's own format (so an export can be imported elsewhere), streamed."""
    yield MEMBER_COLUMNS
    members = (
        Member.objects.order_by("sponsor_depth", "number")
        .values_list(
            "number",
            "username",
            "first_name",
            "last_name",
            "email",
            "phone",
            "country",
            "sponsor__number",
            "placement_parent__number",
            "placement_position",
            "status",
            "joined_at",
            "market__code",
        )
        .iterator(chunk_size=10_000)
    )
    for row in members:
        *rest, joined_at, market = row
        yield ["" if v is None else str(v) for v in rest] + [joined_at.date().isoformat(), market or ""]


@reads_from_replica
def customers_export_rows() -> Iterator[list[str]]:
    yield CUSTOMER_COLUMNS
    customers = (
        Customer.objects.order_by("number")
        .values_list(
            "number",
            "distributor__number",
            "customer_type",
            "first_name",
            "last_name",
            "email",
            "phone",
            "country",
            "joined_at",
            "market__code",
        )
        .iterator(chunk_size=10_000)
    )
    for row in customers:
        *rest, joined_at, market = row
        yield ["" if v is None else str(v) for v in rest] + [joined_at.date().isoformat(), market or ""]


def rows_to_csv(rows: Iterable[list[str]], delimiter: str = ",") -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv_writer(buffer, delimiter=delimiter)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
