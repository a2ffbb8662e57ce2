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


def _check_workers(broker: str) -> tuple[str, int]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "ok (tasks run in-process)", 0
    if not broker.startswith("ok"):
        return "error: the broker is not answering", 0
    try:
        replies = current_app.control.ping(timeout=WORKER_PING_SECONDS)
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}: {exc}", 0
    return ("ok" if replies else "error: no worker answered"), len(replies)


def _queue_depths(broker: str) -> dict[str, int]:
    if not broker.startswith("ok"):
        return {}
    try:
        return queue_depths()
    except Exception:  # noqa: BLE001
        return {}


WORKER_PING_TIMEOUT = 1.0  # seconds: the health page waits at most this long for workers to answer


def _workers_answering() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "ok (tasks run in-process)"
    try:
        replies = current_app.control.ping(timeout=WORKER_PING_TIMEOUT) or []
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}: {exc}"
    names = sorted(name for reply in replies for name in reply)
    if not names:
        return f"error: no worker answered within {WORKER_PING_TIMEOUT:g} s"
    return f"ok ({len(names)} answering: {', '.join(names)})"


def _queue_depth() -> str:
    """Tasks waiting in the default queue. Kombu's Redis transport keeps a queue as a list under its name, plus one
    list per priority step (``<name>\x06\x16<n>``)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "ok (no queue: tasks run in-process)"
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    try:
        with current_app.connection_for_read() as conn:
            client = conn.default_channel.client
            keys = [queue, *(f"{queue}\x06\x16{step}" for step in range(1, 10))]
            waiting = sum(int(client.llen(key)) for key in keys)
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}: {exc}"
    return f"ok ({waiting} task{'s' if waiting != 1 else ''} waiting in {queue})"


def worker_checks() -> dict:
    """Workers and queue, for the provider console (not /healthz: a ping waits for replies, up to a second)."""
    return {"workers": _workers_answering(), "queue": _queue_depth()}


def platform_checks() -> dict:
    """What /healthz reports (also shown on the provider console's health page)."""
    started = time.perf_counter()
    checks = {"database": _check_database(), "broker": _check_broker()}
    checks["workers"], workers_alive = _check_workers(checks["broker"])
    healthy = all(value.startswith("ok") for value in checks.values())
    return {
        "status": "ok" if healthy else "error",
        **checks,
        "workers_alive": workers_alive,
        "queue_depth": _queue_depths(checks["broker"]),
        "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def healthz(request):
    body = platform_checks()
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)
