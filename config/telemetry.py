"""Prometheus metrics beyond django-prometheus' request metrics: Celery task durations (from Celery's signals), queue
depth (read from the broker at scrape time), and commission-run progress (set by plans.services as a run advances).

With several processes (gunicorn workers, Celery workers) the values are shared through prometheus_client's
multiprocess directory (PROMETHEUS_MULTIPROC_DIR, set by ``make serve`` and the compose file); ``metrics_payload``
reads them all, so one scrape of any web process shows the whole host.
"""

from __future__ import annotations

import logging
import os
import time

import redis
from celery import signals
from django.conf import settings
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

TASK_SECONDS = Histogram(
    "canopy_task_duration_seconds",
    "Celery task run time, by task, queue and outcome.",
    ["task", "queue", "state"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
)
TASKS_STARTED = Counter("canopy_tasks_started_total", "Celery tasks started, by task and queue.", ["task", "queue"])
RUN_PROGRESS = Gauge(
    "canopy_run_progress_percent",
    "Progress of the commission runs in flight (percent), by company and run.",
    ["company", "run"],
    multiprocess_mode="mostrecent",
)
# Celery's Redis transport keeps one list per queue and priority step (the queue's name, then name + \x06\x16 + step).
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")

_started: dict[str, float] = {}
logger = logging.getLogger(__name__)


def run_progress_set(*, company: str, run: int, percent: int) -> None:
    """Never fails the run: a metrics problem (say, a missing multiprocess directory) is logged and ignored."""
    try:
        RUN_PROGRESS.labels(company=company, run=str(run)).set(percent)
    except OSError:
        logger.warning("could not record run progress in the metrics", exc_info=True)


def _queue_of(task) -> str:
    info = getattr(task.request, "delivery_info", None) or {}
    return info.get("routing_key") or info.get("exchange") or settings.CELERY_TASK_DEFAULT_QUEUE


@signals.task_prerun.connect
def _task_started(task_id=None, task=None, **_) -> None:
    _started[task_id] = time.perf_counter()
    TASKS_STARTED.labels(task=task.name, queue=_queue_of(task)).inc()


@signals.task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **_) -> None:
    started = _started.pop(task_id, None)
    if started is not None:
        TASK_SECONDS.labels(task=task.name, queue=_queue_of(task), state=state or "UNKNOWN").observe(
            time.perf_counter() - started
        )


def queue_depths() -> dict[str, int]:
    """Messages waiting in each of the platform's queues (default, long, short)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {}
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        pipe = client.pipeline()
        for queue in settings.CANOPY_QUEUES:
            for suffix in PRIORITY_SUFFIXES:
                pipe.llen(queue + suffix)
        counts = pipe.execute()
    finally:
        client.close()
    step = len(PRIORITY_SUFFIXES)
    return {q: sum(counts[i * step : (i + 1) * step]) for i, q in enumerate(settings.CANOPY_QUEUES)}


class QueueDepthCollector:
    """``canopy_queue_depth{queue=…}``, read from the broker when Prometheus scrapes."""

    def collect(self):
        family = GaugeMetricFamily("canopy_queue_depth", "Messages waiting in each Celery queue.", labels=["queue"])
        try:
            depths = queue_depths()
        except redis.RedisError:
            depths = {}
        for queue, depth in depths.items():
            family.add_metric([queue], depth)
        yield family


def metrics_payload() -> tuple[bytes, str]:
    """The exposition text of every process on this host (multiprocess mode) or of this one, plus queue depth."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    queues = CollectorRegistry()
    queues.register(QueueDepthCollector())
    return generate_latest(registry) + generate_latest(queues), CONTENT_TYPE_LATEST
