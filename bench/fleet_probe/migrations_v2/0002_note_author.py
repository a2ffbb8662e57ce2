"""The "new migration" applied to every company: a column with a database default and an index (what a typical
feature migration does), on the probe's own table and on a real company table (members)."""

from django.db import migrations

FORWARD = """
ALTER TABLE fleet_probe_note ADD COLUMN author_id bigint NOT NULL DEFAULT 0;
CREATE INDEX fleet_probe_note_author ON fleet_probe_note (author_id, created_at);
ALTER TABLE members_member ADD COLUMN fleet_probe_flag boolean NOT NULL DEFAULT false;
"""
BACKWARD = """
ALTER TABLE members_member DROP COLUMN fleet_probe_flag;
DROP INDEX fleet_probe_note_author;
ALTER TABLE fleet_probe_note DROP COLUMN author_id;
"""


class Migration(migrations.Migration):
    dependencies = [("fleet_probe", "0001_initial"), ("members", "0006_imported_at")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
