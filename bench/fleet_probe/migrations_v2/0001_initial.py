from django.db import migrations

CREATE = """
CREATE TABLE fleet_probe_note (id bigserial PRIMARY KEY, body text NOT NULL DEFAULT '', created_at timestamptz NOT NULL
DEFAULT now())
"""


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []
    operations = [migrations.RunSQL(CREATE, "DROP TABLE fleet_probe_note")]
