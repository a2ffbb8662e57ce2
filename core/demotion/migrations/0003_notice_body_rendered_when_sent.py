from django.db import migrations, models


class Migration(migrations.Migration):
    """The notice's body column stays where it is (``body``); in Python it is ``sent_body``, written by the sender
    when it renders the e-mail (``Notification.body`` reads the rendered text until then). No change to the table."""

    dependencies = [
        ("demotion", "0002_notice_outbox"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="notification", name="body"),
                migrations.AddField(
                    model_name="notification",
                    name="sent_body",
                    field=models.TextField(blank=True, db_column="body"),
                ),
            ],
            database_operations=[],
        ),
    ]
