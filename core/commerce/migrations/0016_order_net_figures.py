"""The order's counted figures net of refunds as integers, written by the database (plans.loader reads them).

One ALTER TABLE for the four columns, so the orders table is rewritten once, not four times."""

import django.db.models.expressions
import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("commerce", "0015_volume_period_updated_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    """
                    ALTER TABLE commerce_order
                      ADD COLUMN net_cv_hundredths bigint
                          GENERATED ALWAYS AS (((cv_total - refunded_cv) * 100)::bigint) STORED,
                      ADD COLUMN net_distributor_cents bigint
                          GENERATED ALWAYS AS (((distributor_total - refunded_distributor) * 100)::bigint) STORED,
                      ADD COLUMN net_pv_hundredths bigint
                          GENERATED ALWAYS AS (((pv_total - refunded_pv) * 100)::bigint) STORED,
                      ADD COLUMN net_retail_cents bigint
                          GENERATED ALWAYS AS (((retail_total - refunded_retail) * 100)::bigint) STORED
                    """,
                    reverse_sql="""
                    ALTER TABLE commerce_order
                      DROP COLUMN net_cv_hundredths, DROP COLUMN net_distributor_cents,
                      DROP COLUMN net_pv_hundredths, DROP COLUMN net_retail_cents
                    """,
                )
            ],
            state_operations=[
                migrations.AddField(
                    model_name="order",
                    name="net_cv_hundredths",
                    field=models.GeneratedField(
                        db_persist=True,
                        expression=django.db.models.functions.comparison.Cast(
                            django.db.models.expressions.CombinedExpression(
                                django.db.models.expressions.CombinedExpression(
                                    models.F("cv_total"), "-", models.F("refunded_cv")
                                ),
                                "*",
                                models.Value(100),
                            ),
                            models.BigIntegerField(),
                        ),
                        output_field=models.BigIntegerField(),
                    ),
                ),
                migrations.AddField(
                    model_name="order",
                    name="net_distributor_cents",
                    field=models.GeneratedField(
                        db_persist=True,
                        expression=django.db.models.functions.comparison.Cast(
                            django.db.models.expressions.CombinedExpression(
                                django.db.models.expressions.CombinedExpression(
                                    models.F("distributor_total"), "-", models.F("refunded_distributor")
                                ),
                                "*",
                                models.Value(100),
                            ),
                            models.BigIntegerField(),
                        ),
                        output_field=models.BigIntegerField(),
                    ),
                ),
                migrations.AddField(
                    model_name="order",
                    name="net_pv_hundredths",
                    field=models.GeneratedField(
                        db_persist=True,
                        expression=django.db.models.functions.comparison.Cast(
                            django.db.models.expressions.CombinedExpression(
                                django.db.models.expressions.CombinedExpression(
                                    models.F("pv_total"), "-", models.F("refunded_pv")
                                ),
                                "*",
                                models.Value(100),
                            ),
                            models.BigIntegerField(),
                        ),
                        output_field=models.BigIntegerField(),
                    ),
                ),
                migrations.AddField(
                    model_name="order",
                    name="net_retail_cents",
                    field=models.GeneratedField(
                        db_persist=True,
                        expression=django.db.models.functions.comparison.Cast(
                            django.db.models.expressions.CombinedExpression(
                                django.db.models.expressions.CombinedExpression(
                                    models.F("retail_total"), "-", models.F("refunded_retail")
                                ),
                                "*",
                                models.Value(100),
                            ),
                            models.BigIntegerField(),
                        ),
                        output_field=models.BigIntegerField(),
                    ),
                ),
            ],
        )
    ]
