"""Structured logs: every line carries the company (the schema in use) and the request id.

``RequestIdMiddleware`` (config.middleware) sets the request id for the request's duration (the ``X-Request-ID`` that
Caddy sends, or a new one) and answers with it; in a Celery task the task id stands in. ``ContextFilter`` puts both
on every record, whichever logger wrote it; the production settings format records as JSON (python-json-logger).
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from celery import current_task
from django.db import connection

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("canopy_request_id", default="")
# What we accept from a proxy's X-Request-ID: a bounded token, so a client cannot inject log content.
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def request_id_from(header: str | None) -> str:
    return header if header and REQUEST_ID_RE.match(header) else uuid.uuid4().hex


def _current_schema() -> str:
    try:  # before Django is set up (a server's first lines) there is no connection yet
        return getattr(connection, "schema_name", "") or ""
    except Exception:  # noqa: BLE001 - a log line never fails for want of its context
        return ""


def _task_id() -> str:
    try:
        task = current_task
        return (task.request.id or "") if task else ""
    except Exception:  # noqa: BLE001
        return ""


class ContextFilter(logging.Filter):
    """Adds ``company`` and ``request_id`` to every record (an explicit ``extra=`` wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = REQUEST_ID.get() or _task_id()
        if not getattr(record, "company", ""):
            record.company = _current_schema()
        return True


def logging_config(*, json_lines: bool, level: str = "INFO") -> dict:
    """The LOGGING setting: JSON lines (production) or readable text (development), with the context on each."""
    formatter = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(company)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
        if json_lines
        else {"format": "%(asctime)s %(levelname)s %(name)s [%(company)s %(request_id)s] %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "config.logs.ContextFilter"}},
        "formatters": {"canopy": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": "canopy"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # Gunicorn's and Celery's own lines go through the same handler (one format for the whole stack).
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        },
    }
