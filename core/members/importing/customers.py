"""Importing customers under their distributors: checked whole, then written."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from core.bulk import copy_escape, copy_rows, reserve_ids
from core.members.importing.common import (
    CUSTOMER_TEXT_LIMITS,
    EMAIL_RE,
    REQUIRED_CUSTOMER_COLUMNS,
    ImportRejected,
    ImportReport,
    date_cell,
    existing_values,
    int_cell,
    market_ids,
    rows_read,
)
from core.members.models import Customer, CustomerType, Member
from core.progress import ProgressFn, no_progress


def customers_import(*, text: Iterable[str], progress: ProgressFn | None = None) -> ImportReport:
    """Customers credited to members by member number. Imported customers get no login; they can be invited."""
    progress = progress or no_progress
    report = ImportReport()
    now = timezone.now()
    parsed = []
    seen_numbers: dict[int, int] = {}
    market_id = market_ids()
    markets: list[int | None] = []  # each parsed row's market
    for line, raw in rows_read(text, REQUIRED_CUSTOMER_COLUMNS, report, CUSTOMER_TEXT_LIMITS):
        distributor = int_cell(raw.get("distributor_number", ""), line, "distributor_number", report)
        if distributor is None and raw.get("distributor_number", "") == "":
            report.add(line, "distributor_number", "required")
        customer_type = raw.get("customer_type") or CustomerType.RETAIL
        if customer_type not in CustomerType.values:
            report.add(line, "customer_type", f"'{customer_type}' is not one of {', '.join(CustomerType.values)}")
        email = raw.get("email", "").lower()
        if not EMAIL_RE.match(email):
            report.add(line, "email", f"'{email}' is not an e-mail address")
        for column in ("first_name", "last_name"):
            if not raw.get(column):
                report.add(line, column, "required")
        joined = date_cell(raw.get("joined_on", ""), line, "joined_on", report, now)
        kept_number = int_cell(raw.get("customer_number", ""), line, "customer_number", report)
        if kept_number is not None:
            if kept_number in seen_numbers:
                report.add(line, "customer_number", f"{kept_number} is also on line {seen_numbers[kept_number]}")
            seen_numbers.setdefault(kept_number, line)
        markets.append(market_id(raw, line, report))
        parsed.append((line, distributor, customer_type, raw, email, joined, kept_number))
    taken = existing_values(Customer._meta.db_table, "number", "bigint", list(seen_numbers))
    for number in sorted(taken):
        report.add(seen_numbers[number], "customer_number", f"{number} already belongs to a customer of this company")
    # Looked up by each row's distributor number; rows reach the COPY only when all checks passed, so it is set.
    members: dict[int | None, int] = dict(
        Member.objects.filter(number__in={p[1] for p in parsed if p[1]}).values_list("number", "id")
    )
    for line, distributor, *_ in parsed:
        if distributor is not None and distributor not in members:
            report.add(line, "distributor_number", f"no member {distributor} in this company")
    if not report.ok:
        raise ImportRejected(report)
    with transaction.atomic():
        ids = reserve_ids(Customer._meta.db_table, len(parsed))
        with connection.cursor() as cursor:
            # Customers keep the numbers they had in the old system; the others get new ones above every number
            # in use.
            if seen_numbers:
                cursor.execute(
                    "SELECT setval('members_customer_number_seq', GREATEST(%s, "
                    "(SELECT last_value FROM members_customer_number_seq)))",
                    [max(seen_numbers)],
                )
            cursor.execute("SELECT nextval('members_customer_number_seq') FROM generate_series(1, %s)", [len(parsed)])
            fresh_numbers = iter(row[0] for row in cursor.fetchall())
        numbers = [kept if kept is not None else next(fresh_numbers) for *_, kept in parsed]
        values = (
            [
                ids[i],
                numbers[i],
                ctype,
                members[dist],
                None,
                copy_escape(raw.get("first_name", "")),
                copy_escape(raw.get("last_name", "")),
                copy_escape(email),
                copy_escape(raw.get("phone", "")),
                "",
                "",
                "",
                "",
                copy_escape(raw.get("country", "").upper()[:2]),
                True,
                joined.isoformat(),
                markets[i],
            ]
            for i, (_, dist, ctype, raw, email, joined, _) in enumerate(parsed)
        )
        copy_rows(
            Customer._meta.db_table,
            [
                "id",
                "number",
                "customer_type",
                "distributor_id",
                "user_id",
                "first_name",
                "last_name",
                "email",
                "phone",
                "address_line1",
                "city",
                "region",
                "postal_code",
                "country",
                "is_active",
                "joined_at",
                "market_id",
            ],
            values,
            progress=progress,
            stage="writing customers",
            total=len(parsed),
        )
    report.created = len(parsed)
    return report
