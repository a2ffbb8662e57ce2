"""Shared helpers for benchmarks that need Django and a database of their own (never the demo's)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

BENCH_DB = "canopy_bench"


def django_bench_setup(db_name: str = BENCH_DB, fresh: bool = True) -> None:
    """Point Django at a dedicated benchmark database, (re)create it and migrate it."""
    from config.settings.database import resolve_database_url
    from infra.db import BASE_DIR, database_drop, database_ensure

    base_url = resolve_database_url(BASE_DIR)
    url = base_url.replace("/canopy", f"/{db_name}", 1) if "/canopy" in base_url else base_url
    if fresh:
        database_drop(url, db_name)
    database_ensure(url, db_name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("setup_platform", verbosity=0)


def progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def progress_bar(done: int, total: int, label: str = "") -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    end = "\n" if done >= total else ""
    print(f"\r  {label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end, file=sys.stderr, flush=True)


@contextmanager
def timed() -> Iterator[list[float]]:
    box: list[float] = []
    started = time.perf_counter()
    yield box
    box.append(time.perf_counter() - started)


def figure(name: str, value: float, unit: str, digits: int = 2) -> None:
    print(f"{name}: {value:.{digits}f} {unit}", flush=True)
