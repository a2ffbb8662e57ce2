"""company_import: an archive made by company_export into this installation, under its own or a new subdomain.

All or nothing: one transaction creates the company row, its schema (a copy of this installation's migrated
template), loads every table with COPY, maps the content-type references and the public rows' keys, resets the
sequences, then checks every table's row count and the ledgers' checksums against the manifest before committing.
The media files are unpacked beside the company's folder and moved into place only once the transaction commits.
"""

from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext
from django_tenants.utils import get_public_schema_name, schema_context

from plans.ledger_view import ledger_view_rebuild
from provider.portability import archive
from provider.portability.public_rows import (
    COMPANY,
    NULLED_REFERENCES,
    PRICE_PLAN,
    PRICE_PLAN_TIER,
    PUBLIC_ROWS,
    STRIPE_ID_COLUMNS,
    foreign_keys,
)
from tenants.models import Company
from tenants.services import company_domain, schema_name_for, subdomain_problems


@dataclass(frozen=True)
class ImportResult:
    company: Company
    domain: str
    rows: dict[str, int]
    skipped_domains: list[str]


def company_import(
    *,
    path: Path,
    subdomain: str = "",
    allow_key_mismatch: bool = False,
    progress: archive.Progress = archive.no_progress,
) -> ImportResult:
    with tempfile.TemporaryDirectory(prefix="canopy-import-") as staging_dir:
        staging = Path(staging_dir)
        with tarfile.open(path, "r:gz") as tar:
            tar.extractall(staging, filter="data")
        manifest = _manifest(staging, allow_key_mismatch)
        subdomain = (subdomain or manifest["source_schema"].replace("_", "-")).strip().lower()
        problems = subdomain_problems(subdomain)
        if problems:
            raise ValidationError({"subdomain": problems})
        schema = schema_name_for(subdomain)
        media_target = Path(settings.MEDIA_ROOT) / (settings.MULTITENANT_RELATIVE_MEDIA_ROOT % schema)
        if media_target.exists():
            raise ValidationError(
                {
                    "subdomain": [
                        gettext("Media files already exist at %(media_target)s; move them away.")
                        % {"media_target": media_target}
                    ]
                }
            )
        media_staged = _stage_media(staging, media_target) if manifest["media_files"] else None
        try:
            with schema_context(get_public_schema_name()), transaction.atomic():
                result = _import(staging, manifest, subdomain, schema, progress)
                if media_staged is not None:
                    transaction.on_commit(lambda: media_staged.rename(media_target))
        except BaseException:
            if media_staged is not None:
                shutil.rmtree(media_staged, ignore_errors=True)
            raise
    return result


def _manifest(staging: Path, allow_key_mismatch: bool) -> dict[str, Any]:
    try:
        manifest = json.loads((staging / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise ValidationError(
            {"archive": [gettext("Not a Canopy company archive (no readable manifest.json).")]}
        ) from exc
    if manifest.get("format") != archive.FORMAT or manifest.get("version") != archive.VERSION:
        raise ValidationError(
            {
                "archive": [
                    gettext("Archive format %(format)s v%(version)s is not supported.")
                    % {"format": manifest.get("format"), "version": manifest.get("version")}
                ]
            }
        )
    if manifest["encryption_key_fingerprint"] != archive.encryption_key_fingerprint() and not allow_key_mismatch:
        raise ValidationError(
            {
                "archive": [
                    gettext(
                        "The archive's tax ids were encrypted with another FIELD_ENCRYPTION_KEY: set the "
                        "same key here (or import with --allow-key-mismatch and lose them)."
                    )
                ]
            }
        )
    return manifest


def _stage_media(staging: Path, target: Path) -> Path:
    staged = target.parent / f".import-{target.name}-{uuid.uuid4().hex[:8]}"
    staged.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(staging / "media", staged)
    return staged


def _import(
    staging: Path, manifest: dict[str, Any], subdomain: str, schema: str, progress: archive.Progress
) -> ImportResult:
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg2's own cursor, for COPY
        cursor.execute("SET search_path = public")
        _check_migrations(cursor, manifest)
        company_id, skipped, rows = _insert_public_rows(cursor, staging, manifest, subdomain, schema)
        company = Company.objects.get(pk=company_id)
        company.create_schema(check_if_exists=False, verbosity=0)
        cursor.execute("SET search_path = public")
        _load_schema(cursor, staging, manifest, schema, progress)
        _verify(cursor, manifest, schema)
    return ImportResult(company=company, domain=company_domain(subdomain), rows=rows, skipped_domains=skipped)


def _check_migrations(cursor: Any, manifest: dict[str, Any]) -> None:
    template = settings.TENANT_BASE_SCHEMA
    cursor.execute(f"SELECT app, name FROM {archive.qualified(template, 'django_migrations')}")  # noqa: S608
    here = {tuple(row) for row in cursor.fetchall()}
    ahead = sorted({tuple(row) for row in manifest["migrations"]} - here)
    if ahead:
        names = ", ".join(f"{app}.{name}" for app, name in ahead[:5])
        raise ValidationError(
            {
                "archive": [
                    gettext("The archive comes from a newer Canopy (%(names)s…): upgrade this installation first.")
                    % {"names": names}
                ]
            }
        )


# ------------------------------------------------------------------------------------------------------------------
# Public rows
# ------------------------------------------------------------------------------------------------------------------
def _lines(staging: Path, label: str) -> list[str]:
    path = staging / "public" / f"{label}.jsonl"
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line] if path.exists() else []


def _insert(cursor: Any, table: str, row_json: str, overrides: dict[str, Any]) -> int:
    """Insert one row given as JSON (unknown keys ignored, missing columns take their database default) with some
    columns overridden; returns its new id."""
    row = json.loads(row_json)
    cursor.execute(
        "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = %s::regclass AND a.attnum > 0 "
        "AND NOT a.attisdropped ORDER BY a.attnum",
        [f"public.{table}"],
    )
    columns = [c for (c,) in cursor.fetchall() if c != "id" and (c in row or c in overrides)]
    values = [f"%({c})s" if c in overrides else f'r."{c}"' for c in columns]
    cursor.execute(
        f"INSERT INTO public.{table} ({', '.join(chr(34) + c + chr(34) for c in columns)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM json_populate_record(NULL::public.{table}, %(__row)s::json) r RETURNING id",
        {**overrides, "__row": row_json},
    )
    return int(cursor.fetchone()[0])


def _price_plans(cursor: Any, staging: Path) -> dict[int, int]:
    """The archive's price plans mapped to this installation's by code; a plan unknown here is created."""
    mapping: dict[int, int] = {}
    for line in _lines(staging, PRICE_PLAN):
        plan = json.loads(line)
        cursor.execute("SELECT id FROM public.billing_priceplan WHERE code = %s", [plan["code"]])
        found = cursor.fetchone()
        if found:
            mapping[plan["id"]] = found[0]
            continue
        mapping[plan["id"]] = _insert(cursor, "billing_priceplan", line, {})
        for tier in _lines(staging, PRICE_PLAN_TIER):
            if json.loads(tier)["plan_id"] == plan["id"]:
                _insert(cursor, "billing_priceplantier", tier, {"plan_id": mapping[plan["id"]]})
    return mapping


def _insert_public_rows(
    cursor: Any, staging: Path, manifest: dict[str, Any], subdomain: str, schema: str
) -> tuple[int, list[str], dict[str, int]]:
    maps: dict[str, dict[int, int]] = {PRICE_PLAN: _price_plans(cursor, staging)}
    cursor.execute("SELECT 1 FROM public.tenants_company WHERE schema_name = %s", [manifest["source_schema"]])
    is_copy = cursor.fetchone() is not None  # the original is still here: Stripe ids stay with it
    skipped: list[str] = []
    counts: dict[str, int] = {}
    for rows in PUBLIC_ROWS:
        maps[rows.label] = {}
        table = rows.table
        for line in _lines(staging, rows.label):
            row = json.loads(line)
            overrides: dict[str, Any] = {}
            for column, target in foreign_keys(rows.label):
                if row.get(column) is None:
                    continue
                if target in maps:
                    overrides[column] = maps[target][row[column]]
                elif target in NULLED_REFERENCES:
                    overrides[column] = None
            if rows.label == COMPANY:
                overrides["schema_name"] = schema
            elif rows.label == "tenants.Domain" and row["is_primary"]:
                overrides["domain"] = company_domain(subdomain)
            elif _already_here(cursor, rows.label, row):
                if rows.label != "billing.StripeEvent":  # a copy: the event was received once, by the original
                    skipped.append(row["domain"])
                continue
            if is_copy:
                overrides.update(dict.fromkeys(STRIPE_ID_COLUMNS.get(rows.label, ()), ""))
            maps[rows.label][row["id"]] = _insert(cursor, table, line, overrides)
        counts[rows.label] = len(maps[rows.label])
    return next(iter(maps[COMPANY].values())), skipped, counts


# Rows unique across the installation: in an import as a copy the original still holds them (its domains, the Stripe
# events it received), so the copy goes without.
UNIQUE_PUBLIC = {
    "tenants.Domain": ("public.tenants_domain", "domain"),
    "tenants.CustomDomain": ("public.tenants_customdomain", "domain"),
    "billing.StripeEvent": ("public.billing_stripeevent", "stripe_event_id"),
}


def _already_here(cursor: Any, label: str, row: dict[str, Any]) -> bool:
    if label not in UNIQUE_PUBLIC:
        return False
    table, column = UNIQUE_PUBLIC[label]
    cursor.execute(f"SELECT 1 FROM {table} WHERE {column} = %s", [row[column]])  # noqa: S608 - names are ours
    return cursor.fetchone() is not None


# ------------------------------------------------------------------------------------------------------------------
# The company's schema
# ------------------------------------------------------------------------------------------------------------------
def _load_schema(cursor: Any, staging: Path, manifest: dict[str, Any], schema: str, progress: archive.Progress) -> None:
    here = set(archive.schema_tables(cursor, schema))
    tables = manifest["tables"]
    missing = [t["name"] for t in tables if t["name"] not in here]
    if missing:
        raise ValidationError(
            {
                "archive": [
                    gettext("Tables unknown to this installation: %(choices)s.") % {"choices": ", ".join(missing[:5])}
                ]
            }
        )
    emptied = sorted(here - archive.TARGET_OWNED_TABLES)
    for table in emptied:  # the template's few rows (DELETE: TRUNCATE refuses with the clone's checks pending)
        cursor.execute(f"DELETE FROM {archive.qualified(schema, table)}")  # noqa: S608
    ct_columns = {(table, column) for table, column in manifest["content_type_columns"]}
    if ct_columns:
        _content_type_map(cursor, manifest)
    for index, entry in enumerate(tables, start=1):
        table = entry["name"]
        if table in archive.TARGET_OWNED_TABLES:
            continue
        columns = entry["columns"]
        unknown = set(columns) - set(archive.table_columns(cursor, schema, table))
        if unknown:
            raise ValidationError(
                {
                    "archive": [
                        gettext("%(table)s: columns unknown here (%(choices)s).")
                        % {"table": table, "choices": ", ".join(sorted(unknown))}
                    ]
                }
            )
        cols = ", ".join(f'"{c}"' for c in columns)
        mapped = [c for c in columns if (table, c) in ct_columns]
        with open(staging / "schema" / f"{table}.copy", "rb") as data:
            if not mapped:
                cursor.copy_expert(f"COPY {archive.qualified(schema, table)} ({cols}) FROM STDIN", data)
            else:
                stage = f"SELECT {cols} FROM {archive.qualified(schema, table)} WITH NO DATA"  # noqa: S608
                cursor.execute(f"CREATE TEMP TABLE import_stage ON COMMIT DROP AS {stage}")
                cursor.copy_expert(f"COPY import_stage ({cols}) FROM STDIN", data)
                select = ", ".join(
                    f'(SELECT new_id FROM import_ct_map WHERE old_id = s."{c}")' if c in mapped else f's."{c}"'
                    for c in columns
                )
                cursor.execute(
                    f"INSERT INTO {archive.qualified(schema, table)} ({cols}) SELECT {select} FROM import_stage s"
                )  # noqa: S608
                cursor.execute("DROP TABLE import_stage")
        progress("tables", index, len(tables))
    # The posted runs' lines are ledger lines by reference (plans.ledger_view): the view is rebuilt from the rows
    # loaded, before the ledger's id sequence continues after its highest id.
    with schema_context(schema), connection.cursor() as in_schema:
        ledger_view_rebuild(in_schema)
    cursor.execute("SET search_path = public")
    _reset_sequences(cursor, schema)
    for name, (last_value, is_called) in manifest.get("sequences", {}).items():
        cursor.execute("SELECT setval(%s, %s, %s)", [f'"{schema}"."{name}"', last_value, is_called])


def _content_type_map(cursor: Any, manifest: dict[str, Any]) -> None:
    """import_ct_map(old_id, new_id): the archive's content types by (app_label, model) in this installation."""
    cursor.execute("CREATE TEMP TABLE import_ct_map (old_id integer PRIMARY KEY, new_id integer) ON COMMIT DROP")
    for old_id, app_label, model in manifest["content_types"]:
        cursor.execute(
            "INSERT INTO public.django_content_type (app_label, model) VALUES (%s, %s) "
            "ON CONFLICT (app_label, model) DO UPDATE SET model = EXCLUDED.model RETURNING id",
            [app_label, model],
        )
        cursor.execute("INSERT INTO import_ct_map VALUES (%s, %s)", [old_id, cursor.fetchone()[0]])


def _reset_sequences(cursor: Any, schema: str) -> None:
    """Identity and serial columns continue after the highest id loaded."""
    cursor.execute(
        "SELECT c.relname, a.attname, pg_get_serial_sequence(format('%%I.%%I', n.nspname, c.relname), a.attname) "
        "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped "
        "AND pg_get_serial_sequence(format('%%I.%%I', n.nspname, c.relname), a.attname) IS NOT NULL",
        [schema],
    )
    for table, column, sequence in cursor.fetchall():
        source = archive.ID_VIEWS.get(table, table)
        cursor.execute(
            f'SELECT setval(%s, coalesce(max("{column}"), 0) + 1, false) FROM {archive.qualified(schema, source)}',  # noqa: S608
            [sequence],
        )


def _verify(cursor: Any, manifest: dict[str, Any], schema: str) -> None:
    """Every table's row count and the ledgers' checksums equal the archive's, or nothing is committed."""
    wrong = []
    for entry in manifest["tables"]:
        if entry["name"] in archive.TARGET_OWNED_TABLES:
            continue
        cursor.execute(f"SELECT count(*) FROM {archive.qualified(schema, entry['name'])}")  # noqa: S608
        count = cursor.fetchone()[0]
        if count != entry["rows"]:
            wrong.append(f"{entry['name']}: {count} rows, the archive has {entry['rows']}")
        if "checksum" in entry:
            checksum = archive.table_checksum(cursor, schema, entry["name"], entry["columns"])
            if checksum != entry["checksum"]:
                wrong.append(f"{entry['name']}: checksum {checksum}, the archive has {entry['checksum']}")
    if manifest.get("ledger_checksum"):
        view = archive.LEDGER_VIEW
        checksum = archive.table_checksum(cursor, schema, view, archive.table_columns(cursor, schema, view))
        if checksum != manifest["ledger_checksum"]:
            wrong.append(f"{view}: checksum {checksum}, the archive has {manifest['ledger_checksum']}")
    if wrong:
        raise ValidationError({"archive": wrong})
