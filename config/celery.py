"""The Celery app. Tasks sent inside a company's schema context run in that schema on the worker
(tenant-schemas-celery stores the schema name in the message)."""

import os

from tenant_schemas_celery.app import CeleryApp

import config.telemetry  # noqa: F401 - task duration metrics (Celery signals)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = CeleryApp("canopy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _commerce_beat(sender, **kwargs):
    """Back-office fees and autoships run daily; the task fans out to each active company."""
    sender.add_periodic_task(
        24 * 3600,
        sender.signature("tenants.tasks.commerce_daily_fan_out"),
        name="commerce-daily",
        expires=12 * 3600,
    )
