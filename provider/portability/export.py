"""company_export: one company into one archive, from a single consistent snapshot of the database."""

from __future__ import annotations

import json
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg2
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from provider.portability import archive
from provider.portability.public_rows import COMPANY, PRICE_PLAN, PRICE_PLAN_TIER, PUBLIC_ROWS, foreign_keys


@dataclass(frozen=True)
class ExportResult:
    path: Path
    manifest: dict[str, Any]


def company_export(*, schema_name: str, path: Path, progress: archive.Progress = archive.no_progress) -> ExportResult:
    """Write the company whose schema is `schema_name` to `path` (tar.gz). Reads run in one REPEATABLE READ,
    read-only transaction, so the schema, the public rows and the counts in the manifest are the same instant."""
    conn = psycopg2.connect(**archive.raw_connection_params())
    try:
        conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with conn.cursor() as cursor:
            cursor.execute("SELECT id, name FROM public.tenants_company WHERE schema_name = %s", [schema_name])
            found = cursor.fetchone()
            if found is None or schema_name == "public":
                raise ValidationError(
                    {
                        "schema": [
                            gettext("No company has the schema %(schema_name)s.") % {"schema_name": repr(schema_name)}
                        ]
                    }
                )
            with tempfile.TemporaryDirectory(prefix="canopy-export-") as staging:
                manifest = _write_archive(cursor, schema_name, found[1], Path(staging), path, progress)
        conn.rollback()
    finally:
        conn.close()
    return ExportResult(path=path, manifest=manifest)


def _write_archive(
    cursor: Any, schema: str, name: str, staging: Path, path: Path, progress: archive.Progress
) -> dict[str, Any]:
    tables = [t for t in archive.schema_tables(cursor, schema) if t not in archive.SKIPPED_TABLES]
    manifest: dict[str, Any] = {
        "format": archive.FORMAT,
        "version": archive.VERSION,
        "exported_at": datetime.now(UTC).isoformat(),
        "source_schema": schema,
        "company_name": name,
        "platform_domain": settings.PLATFORM_DOMAIN,
        "encryption_key_fingerprint": archive.encryption_key_fingerprint(),
        "skipped_tables": sorted(archive.SKIPPED_TABLES),
    }
    cursor.execute("SHOW server_version")
    manifest["postgres_version"] = cursor.fetchone()[0]
    cursor.execute(f"SELECT app, name FROM {archive.qualified(schema, 'django_migrations')} ORDER BY app, name")  # noqa: S608
    manifest["migrations"] = [list(row) for row in cursor.fetchall()]
    cursor.execute("SELECT id, app_label, model FROM public.django_content_type ORDER BY id")
    manifest["content_types"] = [list(row) for row in cursor.fetchall()]
    manifest["content_type_columns"] = [list(pair) for pair in archive.content_type_columns(cursor, schema)]

    (staging / "schema").mkdir()
    table_entries = []
    for index, table in enumerate(tables, start=1):
        columns = archive.table_columns(cursor, schema, table)
        with open(staging / "schema" / f"{table}.copy", "wb") as out:
            cols = ", ".join(f'"{c}"' for c in columns)
            source = f"SELECT {cols} FROM {archive.qualified(schema, table)}"  # noqa: S608 - names from the catalogue
            cursor.copy_expert(f"COPY ({source}) TO STDOUT", out)  # a partitioned table only copies this way
        cursor.execute(f"SELECT count(*) FROM {archive.qualified(schema, table)}")  # noqa: S608
        entry: dict[str, Any] = {"name": table, "columns": columns, "rows": cursor.fetchone()[0]}
        if table in archive.CHECKSUM_TABLES:
            entry["checksum"] = archive.table_checksum(cursor, schema, table, columns)
        table_entries.append(entry)
        progress("tables", index, len(tables))
    manifest["tables"] = table_entries
    manifest["sequences"] = archive.standalone_sequences(cursor, schema)
    manifest["ledger_checksum"] = archive.table_checksum(
        cursor, schema, archive.LEDGER_VIEW, archive.table_columns(cursor, schema, archive.LEDGER_VIEW)
    )
    manifest["public_rows"] = _write_public_rows(cursor, schema, staging)
    manifest["media_files"] = _media_files(schema)

    (staging / "manifest.json").write_text(json.dumps(manifest, indent=1))
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz", compresslevel=6) as tar:
        tar.add(staging / "manifest.json", arcname="manifest.json")
        tar.add(staging / "schema", arcname="schema")
        tar.add(staging / "public", arcname="public")
        media = _media_root(schema)
        for index, file in enumerate(manifest["media_files"], start=1):
            tar.add(media / file, arcname=f"media/{file}")
            progress("media files", index, len(manifest["media_files"]))
    return manifest


def _write_public_rows(cursor: Any, schema: str, staging: Path) -> dict[str, int]:
    """Each model's rows as JSON lines; the price plans they use travel too (matched by code on import)."""
    (staging / "public").mkdir()
    ids: dict[str, list[int]] = {}
    counts: dict[str, int] = {}
    plan_ids: set[int] = set()
    for rows in PUBLIC_ROWS:
        if rows.label == COMPANY:
            where, params = "t.schema_name = %s", [schema]
        else:
            where, params = f't."{rows.parent_column}" = ANY(%s)', [ids[rows.parent] or [0]]
        cursor.execute(
            f"SELECT t.id, row_to_json(t)::text FROM public.{rows.table} t WHERE {where} ORDER BY t.id", params
        )  # noqa: S608
        fetched = cursor.fetchall()
        ids[rows.label] = [row[0] for row in fetched]
        counts[rows.label] = len(fetched)
        _write_lines(staging / "public" / f"{rows.label}.jsonl", [row[1] for row in fetched])
        for column, target in foreign_keys(rows.label):
            if target == PRICE_PLAN:
                cursor.execute(
                    f"SELECT DISTINCT {column} FROM public.{rows.table} WHERE id = ANY(%s)", [ids[rows.label] or [0]]
                )  # noqa: S608
                plan_ids.update(row[0] for row in cursor.fetchall() if row[0] is not None)
    for label, column in ((PRICE_PLAN, "id"), (PRICE_PLAN_TIER, "plan_id")):
        table = "billing_priceplan" if label == PRICE_PLAN else "billing_priceplantier"
        cursor.execute(
            f"SELECT row_to_json(t)::text FROM public.{table} t WHERE {column} = ANY(%s) ORDER BY id",
            [sorted(plan_ids) or [0]],
        )  # noqa: S608
        lines = [row[0] for row in cursor.fetchall()]
        counts[label] = len(lines)
        _write_lines(staging / "public" / f"{label}.jsonl", lines)
    return counts


def _write_lines(path: Path, lines: list[str]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for line in lines:
            out.write(line + "\n")  # row_to_json escapes newlines inside values


def _media_root(schema: str) -> Path:
    return Path(settings.MEDIA_ROOT) / (settings.MULTITENANT_RELATIVE_MEDIA_ROOT % schema)


def _media_files(schema: str) -> list[str]:
    root = _media_root(schema)
    if not root.is_dir():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
