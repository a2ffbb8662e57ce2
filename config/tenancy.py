"""Which company the current connection serves. django-tenants sets ``schema_name`` on its database wrapper, which
Django's type stubs do not know; this one typed helper reads it, so the rest of the code needs no ``type: ignore``."""

from django.db import connection


def current_schema() -> str:
    """The schema the default connection is on (``public`` outside any company)."""
    schema: str = connection.schema_name  # type: ignore[attr-defined]  # set by django_tenants.postgresql_backend
    return schema
