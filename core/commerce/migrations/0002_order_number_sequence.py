from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("commerce", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS commerce_order_number_seq START 1;",
            "DROP SEQUENCE IF EXISTS commerce_order_number_seq;",
        )
    ]
