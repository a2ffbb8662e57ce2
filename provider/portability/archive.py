"""The archive a company travels in, and the catalogue queries both directions share.

Layout of the tar.gz:

    manifest.json          format, version, source, migrations, tables (columns, row counts), checksums, counts
    schema/<table>.copy    each table of the company's schema, PostgreSQL COPY text format, in dependency order
    public/<model>.jsonl   the company's rows in the public schema (row_to_json, one per line)
    media/...              the company's media files (MEDIA_ROOT/<schema>/...)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection

FORMAT = "canopy-company-export"
VERSION = 1
# Credentials stay behind: sessions and API tokens are not exported (users sign in again after a move).
SKIPPED_TABLES = frozenset({"django_session", "knox_authtoken"})
# Kept by the target: its migration history is the template's (the import refuses an archive that is ahead of it).
TARGET_OWNED_TABLES = frozenset({"django_migrations"})
# The ledgers whose checksums the manifest carries: the commission lines written one by one (clawbacks,
# adjustments), and stock movements. The whole commission ledger is a view (plans migration 0015: those lines and
# every posted run's paid lines, stored with the run): its checksum is the manifest's ``ledger_checksum``.
LEDGER_TABLE = "plans_ledgerentry"
LEDGER_VIEW = "plans_ledgerline"
CHECKSUM_TABLES = (LEDGER_TABLE, "commerce_stockmovement")
# A table whose ids a view over it shares: its id sequence continues after the view's highest id (a posted run's
# lines have ids from the ledger's sequence without being rows of its table).
ID_VIEWS = {LEDGER_TABLE: LEDGER_VIEW}

Progress = Callable[[str, int, int], None]


def no_progress(label: str, done: int, total: int) -> None:
    return None


def qualified(schema: str, table: str) -> str:
    return f'"{schema}"."{table}"'


def schema_tables(cursor: Any, schema: str) -> list[str]:
    """The schema's tables, parents before children (foreign keys inside the schema), then by name. A partitioned
    table (commission run lines) counts as one table: its partitions are read through it and refilled through it."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname",
        [schema],
    )
    tables = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT child.relname, parent.relname FROM pg_constraint k "
        "JOIN pg_class child ON child.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = child.relnamespace "
        "JOIN pg_class parent ON parent.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = parent.relnamespace "
        "WHERE k.contype = 'f' AND cn.nspname = %s AND pn.nspname = %s",
        [schema, schema],
    )
    parents: dict[str, set[str]] = {table: set() for table in tables}
    for child, parent in cursor.fetchall():
        if child != parent:
            parents[child].add(parent)
    ordered: list[str] = []
    placed: set[str] = set()
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in placed and parents[t] <= placed]
        if not ready:  # a cycle (deferred constraints make any order valid inside one transaction)
            ready = [next(t for t in tables if t not in placed)]
        for table in ready:
            ordered.append(table)
            placed.add(table)
    return ordered


def table_columns(cursor: Any, schema: str, table: str) -> list[str]:
    cursor.execute(
        "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped "
        "AND a.attgenerated = '' ORDER BY a.attnum",
        [schema, table],
    )
    return [row[0] for row in cursor.fetchall()]


def content_type_columns(cursor: Any, schema: str) -> list[tuple[str, str]]:
    """(table, column) of the schema's foreign keys into the public content types: the only references from a
    company's schema to the public schema (django.contrib.auth's permissions and the admin log). Their ids differ
    between installations, so the import maps them by (app_label, model)."""
    cursor.execute(
        "SELECT child.relname, a.attname FROM pg_constraint k "
        "JOIN pg_class child ON child.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = child.relnamespace "
        "JOIN pg_class parent ON parent.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = parent.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] "
        "WHERE k.contype = 'f' AND cn.nspname = %s AND pn.nspname <> %s ORDER BY 1, 2",
        [schema, schema],
    )
    return [(table, column) for table, column in cursor.fetchall()]


def standalone_sequences(cursor: Any, schema: str) -> dict[str, list[Any]]:
    """The schema's sequences no column owns (member, customer and order numbers): name → [last_value, is_called]."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
        "AND c.relkind = 'S' AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid "
        "AND d.deptype IN ('a', 'i')) ORDER BY c.relname",
        [schema],
    )
    found = {}
    for (name,) in cursor.fetchall():
        cursor.execute(f"SELECT last_value, is_called FROM {qualified(schema, name)}")  # noqa: S608
        found[name] = list(cursor.fetchone())
    return found


def table_checksum(cursor: Any, schema: str, table: str, columns: list[str]) -> str:
    """md5 of the table's rows (the given columns, in id order): equal on both sides of a move."""
    cols = ", ".join(f'"{c}"' for c in columns)
    cursor.execute(
        f"SELECT md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r.id), '')) "  # noqa: S608
        f"FROM (SELECT {cols} FROM {qualified(schema, table)}) r"
    )
    return str(cursor.fetchone()[0])


def encryption_key_fingerprint() -> str:
    """Identifies the key tax ids are encrypted with (core.members.crypto) without revealing it."""
    secret = getattr(settings, "FIELD_ENCRYPTION_KEY", "") or settings.SECRET_KEY
    return hashlib.sha256(b"canopy-portability:" + secret.encode()).hexdigest()[:16]


def raw_connection_params() -> dict[str, Any]:
    """psycopg2 keyword arguments for a connection of our own (a snapshot transaction the ORM doesn't touch)."""
    params = dict(connection.get_connection_params())
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("server_side_binding", None)
    return params
