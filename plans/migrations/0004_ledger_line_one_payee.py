"""Every ledger line has exactly one payee (issue 12, item 7).

Added NOT VALID: PostgreSQL enforces it on every new or changed row at once, without checking the rows already there,
because a company that posted a party host reward before this fix has lines with no payee (money paid to no one)
and this migration cannot know whom they belonged to. `SELECT id, source_party_id, amount FROM plans_ledgerline WHERE
payee_id IS NULL AND payee_customer_id IS NULL` lists them, per company schema; once each has been answered, `ALTER TABLE plans_ledgerline VALIDATE CONSTRAINT ledger_line_one_payee` makes the
constraint cover the whole table (and the state here is the same either way)."""

from django.db import migrations, models

CHECK = "(payee_id IS NULL) <> (payee_customer_id IS NULL)"


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0003_run_baseline"),
        ("members", "0004_tree_guards"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"ALTER TABLE plans_ledgerline ADD CONSTRAINT ledger_line_one_payee CHECK ({CHECK}) NOT VALID",
                    "ALTER TABLE plans_ledgerline DROP CONSTRAINT ledger_line_one_payee",
                )
            ],
            state_operations=[
                migrations.AddConstraint(
                    model_name="ledgerline",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("payee__isnull", False), ("payee_customer__isnull", False), _connector="XOR"
                        ),
                        name="ledger_line_one_payee",
                    ),
                )
            ],
        )
    ]
