"""Posting no longer keeps two ledger-wide indexes row by row (source member: unused; source order: only for
lines not posted from a run's stored lines). A posted run's lines are found by order in the run's own partition,
indexed when it posts; runs posted before get that index here."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def posted_runs_indexed_by_order(apps, schema_editor):
    run_model = apps.get_model("plans", "CommissionRun")
    with schema_editor.connection.cursor() as cursor:
        for run_id in run_model.objects.filter(status="posted").values_list("pk", flat=True):
            table = f"plans_runline_r{int(run_id)}"
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
            if cursor.fetchone()[0]:
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {table}_order ON {table} (source_order_id) WHERE reason = 0"
                )


class Migration(migrations.Migration):
    dependencies = [
        ("commerce", "0015_volume_period_updated_index"),
        ("members", "0009_member_fillfactor"),
        ("plans", "0013_run_member_own_cv"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="ledgerline",
            name="ledger_run_idx",
        ),
        migrations.RemoveIndex(
            model_name="ledgerline",
            name="ledger_source_order_idx",
        ),
        migrations.AddField(
            model_name="ledgerline",
            name="line_no",
            field=models.IntegerField(
                blank=True,
                help_text="A commission line posted from a run: its line number in the run's lines.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="ledgerline",
            name="source_member",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="members.member",
            ),
        ),
        migrations.AddIndex(
            model_name="ledgerline",
            index=models.Index(fields=["run", "line_no"], name="ledger_run_line_idx"),
        ),
        migrations.AddIndex(
            model_name="ledgerline",
            index=models.Index(
                condition=models.Q(("line_no__isnull", True)), fields=["source_order"], name="ledger_source_order_idx"
            ),
        ),
        migrations.RunPython(posted_runs_indexed_by_order, migrations.RunPython.noop),
    ]
