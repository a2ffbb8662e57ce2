"""Importing members from another system: every row checked (numbers, usernames, e-mails, sponsors, placement, loops,
slots) before anything is written, then written with COPY, paths and downline sizes computed in bulk."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from core.accounts.models import Role, User
from core.bulk import copy_cell, copy_escape, copy_rows, reserve_ids
from core.members.importing.common import (
    BULK_INDEX_THRESHOLD,
    EMAIL_RE,
    MEMBER_TEXT_LIMITS,
    REQUIRED_MEMBER_COLUMNS,
    ImportRejected,
    ImportReport,
    date_cell,
    existing_values,
    int_cell,
    market_ids,
    rows_read,
)
from core.members.models import Member, MemberStatus, PlacementMethod, Tree
from core.members.placement import genealogy_settings_get
from core.members.services.enrolment import RESERVED_USERNAMES, USERNAME_RE, member_number_sequence_catch_up
from core.members.tree import COLUMNS, _ancestors_adjust
from core.progress import ProgressFn, no_progress


@dataclass
class _MemberRow:
    line: int
    number: int
    username: str
    first_name: str
    last_name: str
    email: str
    phone: str
    country: str
    sponsor_number: int | None
    placement_number: int | None
    position: int | None
    status: str
    joined_at: datetime
    market_id: int | None = None


def members_import(*, text: Iterable[str], progress: ProgressFn | None = None) -> ImportReport:
    """Validate the whole file, then write it in one transaction. Raises ImportRejected (nothing written)."""
    progress = progress or no_progress
    report = ImportReport()
    rows = _member_rows_checked(text, report, progress)
    if not report.ok:
        raise ImportRejected(report)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Nobody enrols or moves while the import runs: the numbers and paths it checked stay true.
            cursor.execute(f"LOCK TABLE {Member._meta.db_table}, {User._meta.db_table} IN EXCLUSIVE MODE")
        _member_rows_write(rows, report, progress)
        member_number_sequence_catch_up()
    return report


def _member_rows_checked(text: Iterable[str], report: ImportReport, progress: ProgressFn) -> list[_MemberRow]:
    now = timezone.now()
    method = genealogy_settings_get().placement_method
    rows: list[_MemberRow] = []
    seen_numbers: dict[int, int] = {}
    seen_usernames: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    market_id = market_ids()
    for line, raw in rows_read(text, REQUIRED_MEMBER_COLUMNS, report, MEMBER_TEXT_LIMITS):
        number = int_cell(raw.get("member_number", ""), line, "member_number", report)
        if number is None and "member_number" not in {e.column for e in report.errors if e.line == line}:
            report.add(line, "member_number", "required")
        username = _username_checked(raw.get("username", "").lower(), line, seen_usernames, report)
        email = _email_checked(raw.get("email", "").lower(), line, seen_emails, report)
        for column in ("first_name", "last_name"):
            if not raw.get(column):
                report.add(line, column, "required")
        if number is not None:
            if number in seen_numbers:
                report.add(line, "member_number", f"{number} is also on line {seen_numbers[number]}")
            seen_numbers.setdefault(number, line)
        status = raw.get("status") or MemberStatus.ACTIVE
        if status not in MemberStatus.values:
            report.add(line, "status", f"'{status}' is not one of {', '.join(MemberStatus.values)}")
        position = int_cell(raw.get("placement_position", ""), line, "placement_position", report, 32_766)
        placement_number = int_cell(raw.get("placement_number", ""), line, "placement_number", report)
        if method != PlacementMethod.UNILEVEL and raw.get("sponsor_number") and placement_number is None:
            report.add(line, "placement_number", f"required: this company places members by the {method} rule")
        if method == PlacementMethod.BINARY and placement_number is not None and position not in (0, 1):
            report.add(line, "placement_position", "binary positions are 0 (left) or 1 (right)")
        rows.append(
            _MemberRow(
                line=line,
                number=number or 0,
                username=username,
                first_name=raw.get("first_name", ""),
                last_name=raw.get("last_name", ""),
                email=email,
                phone=raw.get("phone", ""),
                country=raw.get("country", "").upper()[:2],
                sponsor_number=int_cell(raw.get("sponsor_number", ""), line, "sponsor_number", report),
                placement_number=placement_number if method != PlacementMethod.UNILEVEL else None,
                position=position if method != PlacementMethod.UNILEVEL else None,
                status=status,
                joined_at=date_cell(raw.get("joined_on", ""), line, "joined_on", report, now),
                market_id=market_id(raw, line, report),
            )
        )
        if report.rows % 50_000 == 0:
            progress("checking rows", report.rows, 0)  # total unknown while reading
    progress("checking rows", report.rows, report.rows)
    _check_against_company(rows, report)
    return rows


def _username_checked(username: str, line: int, seen: dict[str, int], report: ImportReport) -> str:
    if not USERNAME_RE.match(username):
        report.add(line, "username", f"'{username}' must be 3-32 lowercase letters, digits or hyphens")
    elif username in RESERVED_USERNAMES:
        report.add(line, "username", f"'{username}' is reserved for the company's site")
    elif username in seen:
        report.add(line, "username", f"'{username}' is also on line {seen[username]}")
    seen.setdefault(username, line)
    return username


def _email_checked(email: str, line: int, seen: dict[str, int], report: ImportReport) -> str:
    if not EMAIL_RE.match(email):
        report.add(line, "email", f"'{email}' is not an e-mail address")
    elif email in seen:
        report.add(line, "email", f"'{email}' is also on line {seen[email]}")
    seen.setdefault(email, line)
    return email


def _check_against_company(rows: list[_MemberRow], report: ImportReport) -> None:
    """Clashes with members already in the company, sponsors that exist nowhere, and loops."""
    in_file = {row.number for row in rows}
    referenced = {r.sponsor_number for r in rows if r.sponsor_number} | {
        r.placement_number for r in rows if r.placement_number
    }
    existing_numbers = existing_values(Member._meta.db_table, "number", "bigint", list(in_file))
    existing_usernames = existing_values(Member._meta.db_table, "lower(username)", "text", [r.username for r in rows])
    existing_emails = existing_values(User._meta.db_table, "lower(email)", "text", [r.email for r in rows])
    known_outside = existing_values(Member._meta.db_table, "number", "bigint", list(referenced - in_file))
    company_is_empty = not Member.objects.exists()
    roots = 0
    for row in rows:
        if row.number in existing_numbers:
            report.add(row.line, "member_number", f"{row.number} already belongs to a member of this company")
        if row.username in existing_usernames:
            report.add(row.line, "username", f"'{row.username}' is taken in this company")
        if row.email in existing_emails:
            report.add(row.line, "email", f"'{row.email}' already has a login in this company")
        if row.sponsor_number is None:
            roots += 1
            if not company_is_empty:
                report.add(row.line, "sponsor_number", "required: the company already has its root member")
            elif roots > 1:
                report.add(row.line, "sponsor_number", "required: only one member (the root) may have no sponsor")
        elif row.sponsor_number not in in_file and row.sponsor_number not in known_outside:
            report.add(row.line, "sponsor_number", f"no member {row.sponsor_number} in the file or the company")
        elif row.sponsor_number == row.number:
            report.add(row.line, "sponsor_number", "a member cannot sponsor themself")
        if row.placement_number is not None and row.placement_number not in in_file | known_outside:
            report.add(row.line, "placement_number", f"no member {row.placement_number} in the file or the company")
    if report.ok:
        _check_loops_and_slots(rows, report)


def _check_loops_and_slots(rows: list[_MemberRow], report: ImportReport) -> None:
    by_number = {row.number: row for row in rows}
    for attr, column in (("sponsor_number", "sponsor_number"), ("placement_number", "placement_number")):
        state: dict[int, int] = {}  # 1 = on the current walk, 2 = reaches a root or the company
        for row in rows:
            walk = []
            current: _MemberRow | None = row
            while current is not None and state.get(current.number) is None:
                state[current.number] = 1
                walk.append(current.number)
                parent = getattr(current, attr)
                current = by_number.get(parent) if parent is not None else None
                if current is not None and state.get(current.number) == 1:
                    report.add(current.line, column, f"{attr.split('_')[0]} links form a loop through {current.number}")
                    break
            for number in walk:
                state[number] = 2
    slots: dict[tuple[int, int], int] = {}
    existing = set(
        Member.objects.filter(placement_position__isnull=False).values_list(
            "placement_parent__number", "placement_position"
        )
    )
    for row in rows:
        if row.placement_number is None or row.position is None:
            continue
        key = (row.placement_number, row.position)
        if key in slots or key in existing:
            report.add(row.line, "placement_position", f"position {row.position} under {row.placement_number} is taken")
        slots.setdefault(key, row.line)


def _member_rows_write(rows: list[_MemberRow], report: ImportReport, progress: ProgressFn) -> None:
    total = len(rows)
    member_ids = reserve_ids(Member._meta.db_table, total)
    user_ids = reserve_ids(User._meta.db_table, total)
    id_of = {row.number: member_ids[i] for i, row in enumerate(rows)}
    referenced = {r.sponsor_number for r in rows} | {r.placement_number for r in rows}
    referenced_outside = {n for n in referenced if n is not None} - set(id_of)
    outside = dict(Member.objects.filter(number__in=referenced_outside).values_list("number", "id"))
    id_of_any = {**outside, **id_of}
    sponsor_path = _paths(rows, id_of, "sponsor_number", Member.objects.filter(id__in=outside.values()), "sponsor_path")
    placement_attr = "placement_number" if any(r.placement_number for r in rows) else "sponsor_number"
    placement_path = (
        sponsor_path
        if placement_attr == "sponsor_number"
        else _paths(rows, id_of, placement_attr, Member.objects.filter(id__in=outside.values()), "placement_path")
    )
    users = (
        "\t".join(
            (
                str(user_ids[i]),
                "!",
                copy_escape(row.email),
                copy_escape(row.first_name),
                copy_escape(row.last_name),
                "f",
                "f",
                "f" if row.status == "terminated" else "t",
                row.joined_at.isoformat(),
                copy_escape(row.email),
                Role.DISTRIBUTOR,
            )
        )
        for i, row in enumerate(rows)
    )
    sponsor_counts, sponsor_outside = _downline_sizes(rows, id_of, outside, "sponsor_number", sponsor_path)
    placement_counts, placement_outside = (
        (sponsor_counts, sponsor_outside)
        if placement_attr == "sponsor_number"
        else _downline_sizes(rows, id_of, outside, "placement_number", placement_path)
    )
    with _secondary_indexes_rebuilt_after([User._meta.db_table, Member._meta.db_table], total):
        copy_rows(
            User._meta.db_table,
            [
                "id",
                "password",
                "username",
                "first_name",
                "last_name",
                "is_superuser",
                "is_staff",
                "is_active",
                "date_joined",
                "email",
                "role",
            ],
            users,
            progress=progress,
            stage="writing logins",
            total=total,
        )
        _copy_members(
            rows,
            member_ids,
            user_ids,
            id_of_any,
            sponsor_path,
            placement_path,
            placement_attr,
            progress,
            (sponsor_counts, placement_counts),
        )
    for tree, grafts in ((Tree.SPONSOR, sponsor_outside), (Tree.PLACEMENT, placement_outside)):
        _outside_ancestors_adjust(tree, grafts)
    report.created = total


def _downline_sizes(
    rows: list[_MemberRow], id_of: dict[int, int], outside: dict[int, int], attr: str, paths: dict
) -> tuple[dict[int, int], dict[int, int]]:
    """(member id -> size of its downline within the file, outside parent id -> members grafted under it).

    ``paths`` is in breadth-first order, so walking it backwards adds every child to its parent after the child's
    own count is complete."""
    parent_of = {id_of[row.number]: getattr(row, attr) for row in rows}
    counts = dict.fromkeys(paths, 0)
    grafted: dict[int, int] = defaultdict(int)
    for member_id in reversed(list(paths)):
        parent_number = parent_of[member_id]
        if parent_number in id_of:
            counts[id_of[parent_number]] += counts[member_id] + 1
        elif parent_number in outside:
            grafted[outside[parent_number]] += counts[member_id] + 1
    return counts, grafted


def _outside_ancestors_adjust(tree: Tree, grafted: dict[int, int]) -> None:
    """Members already in the company who received imported members (and their ancestors) grow by that many."""
    cols = COLUMNS[tree]
    with connection.cursor() as cursor:
        for parent_id, added in grafted.items():
            cursor.execute(f"SELECT {cols.path} FROM {Member._meta.db_table} WHERE id = %s", [parent_id])
            _ancestors_adjust(cursor, cols, cursor.fetchone()[0], added)


@contextmanager
def _secondary_indexes_rebuilt_after(tables: list[str], rows: int):
    """For a big file, drop the tables' secondary indexes (the GIN paths, the foreign-key and search btrees; never a
    unique or primary key index) and build each once at the end, inside the transaction: one sorted bulk build is
    several times faster than maintaining an index row by row. The definitions are read from the catalog, so each
    index comes back exactly as it was."""
    if rows < BULK_INDEX_THRESHOLD:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid)
              FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
             WHERE x.indrelid = ANY(%s::regclass[]) AND NOT x.indisunique AND NOT x.indisprimary
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the deferred foreign-key checks before the DDL
        for _, definition in indexes:
            cursor.execute(definition)


def _copy_members(
    rows, member_ids, user_ids, id_of_any, sponsor_path, placement_path, placement_attr, progress, counts
):
    sponsor_counts, placement_counts = counts
    total = len(rows)
    now = timezone.now()

    def member_values():
        stamp = now.isoformat()
        for i, row in enumerate(rows):
            member_id = member_ids[i]
            placement_parent = row.placement_number if placement_attr == "placement_number" else row.sponsor_number
            sponsor_text, sponsor_depth = sponsor_path[member_id]
            placement_text, placement_depth = placement_path[member_id]
            yield "\t".join(
                (
                    str(member_id),
                    str(row.number),
                    copy_escape(row.username),
                    str(user_ids[i]),
                    row.status,
                    stamp,
                    row.joined_at.isoformat(),
                    copy_cell(id_of_any.get(row.sponsor_number)),
                    "{" + sponsor_text + "}",
                    str(sponsor_depth),
                    copy_cell(id_of_any.get(placement_parent)),
                    copy_cell(row.position),
                    "{" + placement_text + "}",
                    str(placement_depth),
                    "0\t\t\tf\tf\tf",
                    copy_escape(row.first_name),
                    copy_escape(row.last_name),
                    copy_escape(row.email),
                    copy_escape(row.phone),
                    "\t\t\t\t",
                    copy_escape(row.country),
                    "\t\t",
                    str(sponsor_counts[member_id]),
                    str(placement_counts[member_id]),
                    stamp,
                    copy_cell(row.market_id),
                )
            )

    copy_rows(
        Member._meta.db_table,
        [
            "id",
            "number",
            "username",
            "user_id",
            "status",
            "status_changed_at",
            "joined_at",
            "sponsor_id",
            "sponsor_path",
            "sponsor_depth",
            "placement_parent_id",
            "placement_position",
            "placement_path",
            "placement_depth",
            "binary_preferred_side",
            "paid_as_rank",
            "highest_rank",
            "access_restricted",
            "commission_excluded",
            "preferred_pricing_suspended",
            "first_name",
            "last_name",
            "email",
            "phone",
            "address_line1",
            "address_line2",
            "city",
            "region",
            "postal_code",
            "country",
            "avatar",
            "bio",
            "tax_id_last4",
            "sponsor_downline_count",
            "placement_downline_count",
            "imported_at",
            "market_id",
        ],
        member_values(),
        progress=progress,
        stage="writing members",
        total=total,
    )


def _paths(
    rows: list[_MemberRow], id_of: dict[int, int], attr: str, outside_qs, path_field: str
) -> dict[int, tuple[str, int]]:
    """Member id -> (path as COPY text "{root,…,id}" without braces, depth), built parents-first (breadth-first
    from the roots). Paths are kept as text because that is what COPY needs; a child's is its parent's plus one id."""
    outside_paths = {
        m.number: (",".join(map(str, getattr(m, path_field))), len(getattr(m, path_field)) - 1)
        for m in outside_qs.only("number", path_field)
    }
    children: dict[object, list[_MemberRow]] = defaultdict(list)
    for row in rows:
        parent = getattr(row, attr)
        children[parent if parent in id_of else ("outside", parent) if parent else None].append(row)
    paths: dict[int, tuple[str, int]] = {}
    queue: deque[tuple[_MemberRow, str, int]] = deque()
    for row in children.get(None, []):
        queue.append((row, "", -1))
    for key, kids in children.items():
        if isinstance(key, tuple):
            prefix, depth = outside_paths[key[1]]
            queue.extend((row, prefix, depth) for row in kids)
    while queue:
        row, prefix, parent_depth = queue.popleft()
        member_id = id_of[row.number]
        path = f"{prefix},{member_id}" if prefix else str(member_id)
        paths[member_id] = (path, parent_depth + 1)
        for child in children.get(row.number, []):
            queue.append((child, path, parent_depth + 1))
    return paths
