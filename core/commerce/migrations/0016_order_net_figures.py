"""The order's counted figures net of refunds as integers, written by the database (plans.loader reads them).

One ALTER TABLE for the four columns, so the orders table is rewritten once, not four times."""

from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Cast

# (column, total, refunded): the column is (total - refunded) in whole hundredths.
NET_COLUMNS = (
    ("net_cv_hundredths", "cv_total", "refunded_cv"),
    ("net_distributor_cents", "distributor_total", "refunded_distributor"),
    ("net_pv_hundredths", "pv_total", "refunded_pv"),
    ("net_retail_cents", "retail_total", "refunded_retail"),
)


def _field(total: str, refunded: str) -> models.GeneratedField:
    return models.GeneratedField(
        expression=Cast((F(total) - F(refunded)) * 100, models.BigIntegerField()),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("commerce", "0015_volume_period_updated_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE commerce_order "
                    + ", ".join(
                        f"ADD COLUMN {name} bigint GENERATED ALWAYS AS ((({total} - {refunded}) * 100)::bigint) STORED"
                        for name, total, refunded in NET_COLUMNS
                    ),
                    reverse_sql="ALTER TABLE commerce_order "
                    + ", ".join(f"DROP COLUMN {name}" for name, _, _ in NET_COLUMNS),
                )
            ],
            state_operations=[
                migrations.AddField(model_name="order", name=name, field=_field(total, refunded))
                for name, total, refunded in NET_COLUMNS
            ],
        )
    ]
