"""The ledger becomes a view: the lines written one by one stay in a table (renamed ``plans_ledgerentry``), and a
run posted from now on adds its paid lines by reference, read from its own stored lines, instead of copying them
(10M inserted rows were 60-90 s of a 1M-member post): plans.ledger_view. Runs posted before keep their copied lines
in the table (their ``ledger_first_id`` stays null, so the view does not show them twice).

Two foreign keys into the ledger lose their database constraint (a line may now be a run's line): a clawback's
``reverses`` and a payout item's ``last_line``. Both are written by services that read the line they name first."""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models

COLUMNS = (
    "kind, period_id, run_id, payee_id, payee_customer_id, amount, component, rule, source_order_id, "
    "source_member_id, source_party_id, line_no, level_raw, level_compressed, rate, basis, explanation, reverses_id, "
    "reason, created_by_id, created_at"
)

# No run has posted under the view yet: it is the table alone. Posting adds each run as a branch of its own
# (plans.ledger_view.ledger_view_rebuild).
VIEW = f"CREATE VIEW plans_ledgerline (id, {COLUMNS}) AS SELECT id, {COLUMNS} FROM plans_ledgerentry"

NEW = ", ".join(f"NEW.{name.strip()}" for name in COLUMNS.split(","))

# Written lines (a clawback, an adjustment) go into the table; the view hands back the id the table gave.
WRITE = f"""
CREATE FUNCTION plans_ledgerline_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id IS NULL THEN
        INSERT INTO plans_ledgerentry ({COLUMNS}) VALUES ({NEW}) RETURNING id INTO NEW.id;
    ELSE
        INSERT INTO plans_ledgerentry (id, {COLUMNS}) VALUES (NEW.id, {NEW});
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER plans_ledgerline_write INSTEAD OF INSERT ON plans_ledgerline
    FOR EACH ROW EXECUTE FUNCTION plans_ledgerline_write();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0014_ledger_line_no_post_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ledgerline",
            name="reverses",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                help_text="For a clawback: the commission line it takes back.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reversed_by",
                to="plans.ledgerline",
            ),
        ),
        migrations.AlterField(
            model_name="payoutitem",
            name="last_line",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="The newest ledger line settled: the batch settles the member's lines up to the period "
                "with ids up to this one.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="plans.ledgerline",
            ),
        ),
        migrations.AddField(
            model_name="commissionrun",
            name="ledger_components",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=60), blank=True, default=list, size=None
            ),
        ),
        migrations.AddField(
            model_name="commissionrun",
            name="ledger_first_id",
            field=models.BigIntegerField(
                blank=True, help_text="Posted: the ledger id of line 0; the run's ids run to it + its lines.", null=True
            ),
        ),
        migrations.AddField(
            model_name="commissionrun",
            name="ledger_rules",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=20), blank=True, default=list, size=None
            ),
        ),
        migrations.RunSQL(
            sql=[
                "ALTER TABLE plans_ledgerline RENAME TO plans_ledgerentry",
                "ALTER SEQUENCE plans_ledgerline_id_seq RENAME TO plans_ledgerentry_id_seq",  # as a clone names it
                VIEW,
                WRITE,
            ],
            reverse_sql=[
                "DROP VIEW plans_ledgerline",
                "DROP FUNCTION plans_ledgerline_write()",
                "ALTER TABLE plans_ledgerentry RENAME TO plans_ledgerline",
                "ALTER SEQUENCE plans_ledgerentry_id_seq RENAME TO plans_ledgerline_id_seq",
            ],
        ),
        migrations.AlterModelOptions(
            name="ledgerline",
            options={"managed": False, "ordering": ["id"]},
        ),
    ]
