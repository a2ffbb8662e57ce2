"""Room on every page of the members table for updated rows (fill factor 85), so a change of columns no index
covers (the demotion flags, downline counts, ranks after a post) is a heap-only update: no new entry in the table's
fourteen indexes, two of them GIN indexes over the tree paths. Applies to pages written from now on; an existing
company's table gets the room as its rows are rewritten (or at once with a table rewrite such as pg_repack)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("members", "0008_market_change")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE members_member SET (fillfactor = 85)",
            "ALTER TABLE members_member RESET (fillfactor)",
        )
    ]
