"""A company's schema is an exact copy of the migrated template (tenants.cloning): same tables, columns, defaults,
constraints and indexes under the same names, views, triggers, functions, sequences and migration history."""

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db

CATALOGUE = {
    "columns": "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity, "
    "coalesce(pg_get_expr(d.adbin, d.adrelid, true), '') FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND "
    "d.adnum = a.attnum WHERE n.nspname = %s AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped",
    "constraints": "SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid, true) FROM pg_constraint k "
    "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s",
    "indexes": "SELECT i.relname, pg_get_indexdef(i.oid, 0, true) FROM pg_index x JOIN pg_class i ON i.oid = "
    "x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace WHERE n.nspname = %s",
    "triggers": "SELECT t.tgname, pg_get_triggerdef(t.oid, true) FROM pg_trigger t JOIN pg_class c ON c.oid = "
    "t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND NOT t.tgisinternal",
    "functions": "SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname = %s",
    "sequences": "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = %s AND c.relkind = 'S'",
    "views": "SELECT c.relname, pg_get_viewdef(c.oid, true) FROM pg_class c JOIN pg_namespace n ON n.oid = "
    "c.relnamespace WHERE n.nspname = %s AND c.relkind = 'v'",
    "storage": "SELECT c.relname, c.reloptions::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = %s AND c.reloptions IS NOT NULL",
}


def _catalogue(schema: str) -> dict[str, list]:
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(f'SET search_path = "{schema}"')
        for kind, query in CATALOGUE.items():
            cursor.execute(query, [schema])
            found[kind] = sorted(cursor.fetchall())
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY app, name')
        found["migrations"] = cursor.fetchall()
        cursor.execute("SET search_path = public")
    return found


def test_a_company_schema_is_the_template_object_for_object():
    template = _catalogue(settings.TENANT_BASE_SCHEMA)
    company = _catalogue("alpha")
    # A CHECK added NOT VALID to existing tables is copied as validated (the new schema's tables were empty).
    template["constraints"] = [(*row[:3], row[3].removesuffix(" NOT VALID")) for row in template["constraints"]]
    # A partial index's predicate is re-parsed from its text: equal in meaning, its casts may print differently.
    for found in (template, company):
        found["indexes"] = [
            (name, d.partition(" WHERE ")[0], bool(d.partition(" WHERE ")[2])) for name, d in found["indexes"]
        ]
    for kind in template:
        assert company[kind] == template[kind], kind
    assert len(template["columns"]) > 500 and len(template["triggers"]) == 3
    assert [name for name, _ in company["views"]] == ["plans_ledgerline"]  # the ledger: migration plans 0015
    # The members table keeps room on its pages for heap-only updates (demotion flags, counts), in every company.
    assert ("members_member", "{fillfactor=85}") in company["storage"]


def test_a_clone_keeps_its_own_sequences():
    """Identity columns and the standalone number sequences belong to the company, not the template."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_depend d JOIN pg_class s ON s.oid = d.refobjid JOIN pg_namespace n ON "
            "n.oid = s.relnamespace JOIN pg_class c ON c.oid = d.objid JOIN pg_namespace cn ON cn.oid = "
            "c.relnamespace WHERE cn.nspname = 'alpha' AND n.nspname = %s",
            [settings.TENANT_BASE_SCHEMA],
        )
        assert cursor.fetchone()[0] == 0
