"""/healthz on every host: is the database answering, is the broker answering."""

import time

from celery import current_app
from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - a health check reports any failure
        return f"error: {exc.__class__.__name__}: {exc}"


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "ok (tasks run in-process)"
    try:
        with current_app.connection_for_write() as conn:  # config.celery's app, the current one
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}: {exc}"


def platform_checks() -> dict:
    """What /healthz reports (also shown on the provider console's health page)."""
    started = time.perf_counter()
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(value.startswith("ok") for value in checks.values())
    return {
        "status": "ok" if healthy else "error",
        **checks,
        "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def healthz(request):
    body = platform_checks()
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)
