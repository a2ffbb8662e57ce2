"""/healthz on every host: is the database answering, is the broker answering, do Celery workers answer, and how many
messages wait in each queue. 200 when all is well, 503 otherwise (load balancers and `make serve`'s checks read it)."""

import time

from celery import current_app
from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from config.telemetry import queue_depths

# How long /healthz waits for workers' answers to a ping (a broadcast: every answer that comes in this time counts).
WORKER_PING_SECONDS = 0.5


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


def _check_workers(broker: str) -> tuple[str, list[str]]:
    """ "ok" and the names of the workers that answered a ping within WORKER_PING_SECONDS, or why not."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "ok (tasks run in-process)", []
    if not broker.startswith("ok"):
        return "error: the broker is not answering", []
    try:
        replies = current_app.control.ping(timeout=WORKER_PING_SECONDS) or []
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}: {exc}", []
    names = sorted(name for reply in replies for name in reply)
    return ("ok" if names else f"error: no worker answered within {WORKER_PING_SECONDS:g} s"), names


def _queue_depths(broker: str) -> dict[str, int]:
    if not broker.startswith("ok"):
        return {}
    try:
        return queue_depths()
    except Exception:  # noqa: BLE001
        return {}


def platform_checks() -> dict:
    """What /healthz reports, and the provider console's health page shows: one set of checks for both."""
    started = time.perf_counter()
    checks = {"database": _check_database(), "broker": _check_broker()}
    checks["workers"], worker_names = _check_workers(checks["broker"])
    healthy = all(value.startswith("ok") for value in checks.values())
    return {
        "status": "ok" if healthy else "error",
        **checks,
        "workers_alive": len(worker_names),
        "worker_names": worker_names,
        "queue_depth": _queue_depths(checks["broker"]),
        "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def healthz(request):
    body = platform_checks()
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)
