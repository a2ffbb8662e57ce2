from django.db import migrations


class Migration(migrations.Migration):
    """Member and customer numbers come from per-schema sequences (cloned with the template schema)."""

    dependencies = [("members", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS members_member_number_seq START 1;"
            "CREATE SEQUENCE IF NOT EXISTS members_customer_number_seq START 1;",
            "DROP SEQUENCE IF EXISTS members_member_number_seq; DROP SEQUENCE IF EXISTS members_customer_number_seq;",
        ),
    ]
