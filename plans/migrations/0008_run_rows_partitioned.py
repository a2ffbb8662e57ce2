"""Run lines and member results become list-partitioned by run (plans.runstore): each run's rows are a partition of
their own, loaded by COPY before their indexes exist and dropped whole when the run is replaced.

Columns are ordered widest first (no alignment padding). Existing rows move to one partition per run; rows written
another way later (the ORM) go to the ``_default`` partition, which keeps the composite primary key. Django's model
state does not change (the tables hold the same columns)."""

from django.db import migrations

LINES = """
    run_id bigint NOT NULL, payee_id bigint NOT NULL, amount_cents bigint NOT NULL,
    source_order_id bigint NOT NULL, source_member_id bigint NOT NULL, source_party_id bigint NOT NULL,
    basis_cents bigint NOT NULL, line_no integer NOT NULL, level_raw integer NOT NULL,
    level_compressed integer NOT NULL, component smallint NOT NULL, rule smallint NOT NULL,
    reason smallint NOT NULL, rate_bp smallint NOT NULL
"""
MEMBERS = """
    run_id bigint NOT NULL, member_id bigint NOT NULL, pv bigint NOT NULL, psv bigint NOT NULL, gv bigint NOT NULL,
    earned_cents bigint NOT NULL, carry_left bigint NOT NULL, carry_right bigint NOT NULL, rank smallint NOT NULL,
    highest_rank smallint NOT NULL, active boolean NOT NULL
"""
TABLES = (("plans_runline", LINES, "line_no", "payee_id"), ("plans_runmemberresult", MEMBERS, "member_id", None))


def forwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for table, columns, key, lookup in TABLES:
            cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_unpartitioned")
            cursor.execute(f"ALTER TABLE {table}_unpartitioned DROP CONSTRAINT IF EXISTS {table}_pkey")
            cursor.execute(f"CREATE TABLE {table} ({columns}) PARTITION BY LIST (run_id)")
            cursor.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
            cursor.execute(f"ALTER TABLE {table}_default ADD PRIMARY KEY (run_id, {key})")
            if lookup:
                cursor.execute(f"CREATE INDEX {table}_default_{lookup} ON {table}_default (run_id, {lookup})")
            cursor.execute(f"SELECT DISTINCT run_id FROM {table}_unpartitioned ORDER BY run_id")
            for (run_id,) in cursor.fetchall():
                part = f"{table}_r{int(run_id)}"
                cursor.execute(f"CREATE TABLE {part} (LIKE {table}, CHECK (run_id = {int(run_id)}))")
                names = [line.split()[0] for line in columns.replace("\n", " ").split(",")]
                order = f"{lookup}, {key}" if lookup else key
                cursor.execute(
                    f"INSERT INTO {part} ({', '.join(names)}) SELECT {', '.join(names)} FROM {table}_unpartitioned"
                    f" WHERE run_id = %s ORDER BY {order}",
                    [run_id],
                )
                cursor.execute(f"CREATE UNIQUE INDEX {part}_{key.split('_')[0]} ON {part} ({key})")
                if lookup:
                    cursor.execute(f"CREATE INDEX {part}_payee ON {part} USING brin ({lookup})")
                cursor.execute(f"ALTER TABLE {table} ATTACH PARTITION {part} FOR VALUES IN ({int(run_id)})")
            cursor.execute(f"DROP TABLE {table}_unpartitioned")


def backwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for table, _columns, key, _lookup in TABLES:
            cursor.execute(f"CREATE TABLE {table}_plain AS SELECT * FROM {table}")
            cursor.execute(f"DROP TABLE {table} CASCADE")
            cursor.execute(f"ALTER TABLE {table}_plain RENAME TO {table}")
            cursor.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (run_id, {key})")


class Migration(migrations.Migration):
    dependencies = [("plans", "0007_level_columns_32bit")]

    operations = [migrations.RunPython(forwards, backwards)]
