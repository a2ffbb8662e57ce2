"""Gunicorn (https://docs.gunicorn.org/en/stable/settings.html) for `make serve` and the container image.

Workers: WEB_CONCURRENCY processes (default one per core, at least 2) of GUNICORN_THREADS threads each (default 8;
gthread: a slow client or a long request holds one thread, not a whole process). Measured on 2 cores (docs/deploy.md):
2 × 8 served 2.9× the requests of 5 × 4 (gunicorn's 2 × cores + 1 advice is for sync workers). Canopy is
synchronous Django with psycopg2, so a WSGI server with threads is the simple, well-trodden choice; Caddy in front
does TLS, HTTP/2 and static files. Each thread holds one database connection (CONN_MAX_AGE) through PgBouncer.
"""

import multiprocessing
import os

from prometheus_client import multiprocess

from config.logs import logging_config

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8153")
workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5
# A worker is replaced after this many requests (a slow leak cannot grow forever).
max_requests = 5000
max_requests_jitter = 500
# Caddy appends X-Forwarded-For / -Proto; Django reads them (SECURE_PROXY_SSL_HEADER, TRUSTED_PROXY_COUNT).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "canopy-web"
logconfig_dict = logging_config(
    json_lines=os.environ.get("LOG_JSON", "true").lower() in ("1", "true", "yes", "on"),
    level=os.environ.get("LOG_LEVEL", "INFO"),
)


def child_exit(server, worker):
    """A dead worker's metric files are merged away (prometheus_client multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
