"""The Celery app. Tasks sent inside a company's schema context run in that schema on the worker
(tenant-schemas-celery stores the schema name in the message)."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = CeleryApp("canopy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
