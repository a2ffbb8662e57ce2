"""A thousand companies on one PostgreSQL: onboarding speed as schemas pile up, one new migration applied to every
company with `setup_platform --parallel`, and a company site's latency with 1,000 schemas present vs a 1-company
platform.

FLEET_COMPANIES (default 1000) companies, then FLEET_MORE (default 100) more; FLEET_PARALLEL (default 2) migration
processes; FLEET_REQUESTS (default 300) timed requests per latency sample. Runs in its own database
(canopy_bench_fleet), dropped at the end. Settings: bench.fleet_settings (adds the bench-only app bench.fleet_probe,
whose migration 0002 is the "new migration").
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.support import django_bench_setup, figure, progress, progress_bar

DB_NAME = "canopy_bench_fleet"
ROOT = Path(__file__).resolve().parent.parent
PATHS = ("/", "/accounts/login/", "/pages/")


def _count(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _latency_ms(hosts: list[str], requests: int) -> list[float]:
    """Time GETs of the company site in this process (Django's full middleware stack, host → schema routing)."""
    from django.test import Client

    client = Client()
    for host in hosts[:20]:  # warm-up: templates, URLconf, connection
        for path in PATHS:
            client.get(path, HTTP_HOST=host)
    samples = []
    for i in range(requests):
        host = hosts[i % len(hosts)]
        path = PATHS[i % len(PATHS)]
        started = time.perf_counter()
        response = client.get(path, HTTP_HOST=host)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code not in (200, 302):
            raise RuntimeError(f"{host}{path} answered {response.status_code}")
    return samples


def _onboard(first: int, last: int, total: int, label: str) -> list[float]:
    from tenants.services import company_onboard

    timings = []
    for i in range(first, last):
        started = time.perf_counter()
        company_onboard(
            name=f"Fleet {i}", subdomain=f"fleet-{i}", admin_email=f"admin{i}@fleet.test", send_invitation=False
        )
        timings.append(time.perf_counter() - started)
        if (i + 1 - first) % 10 == 0 or i + 1 == last:
            progress_bar(i + 1 - first, last - first, label)
    return timings


def _host(i: int) -> str:
    from config.hosts import company_host

    return company_host(f"fleet-{i}")


def _migrate_all(parallel: int) -> float:
    env = {**os.environ, "FLEET_PHASE": "2", "DJANGO_SETTINGS_MODULE": "bench.fleet_settings"}
    command = [sys.executable, "manage.py", "setup_platform", f"--parallel={parallel}", "--verbosity=0"]
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _schemas_with_new_column() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'members_member' "
            "AND column_name = 'fleet_probe_flag'"
        )
        return cursor.fetchone()[0]


def _load_note() -> str:
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:
        return "?"


def run() -> None:
    companies = _count("FLEET_COMPANIES", 1000)
    more = _count("FLEET_MORE", 100)
    parallel = _count("FLEET_PARALLEL", 2)
    requests = _count("FLEET_REQUESTS", 300)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.fleet_settings"
    os.environ["FLEET_PHASE"] = "1"
    progress(f"fresh database {DB_NAME}; {companies} companies then {more} more; load {_load_note()}")
    django_bench_setup(DB_NAME)
    from django.db import connection

    from infra.db import database_drop

    try:
        first = _onboard(0, 1, 1, "first company")
        baseline = _latency_ms([_host(0)], requests)
        progress(f"1-company platform: p50 {statistics.median(baseline):.1f} ms, p95 {_p95(baseline):.1f} ms")

        timings = first + _onboard(1, companies, companies - 1, "onboarding")
        at_scale = _onboard(companies, companies + more, more, f"onboarding {more} more")
        progress(f"load {_load_note()}")
        fleet = _latency_ms([_host(0)], requests)
        spread = random.Random(7).sample(range(companies + more), min(50, companies + more))
        mixed = _latency_ms([_host(i) for i in spread], requests)

        connection.close()
        migrate_s = _migrate_all(parallel)
        migrated = _schemas_with_new_column()
        progress(f"new migration present in {migrated} schemas ({companies + more} companies + the template)")

        figure("fleet_onboard_first100_per_company_s", statistics.mean(timings[:100]), "s", 3)
        figure("fleet_onboard_per_company_s", statistics.mean(at_scale), "s", 3)
        figure("fleet_onboard_max_s", max(timings + at_scale), "s", 3)
        figure("fleet_migrate_1000_s", migrate_s, "s", 1)
        figure("fleet_migrate_per_company_s", migrate_s / (companies + more + 1), "s", 3)
        figure("fleet_site_p95_1company_ms", _p95(baseline), "ms", 1)
        figure("fleet_site_p95_ms", _p95(fleet), "ms", 1)
        figure("fleet_site_p95_mixed_ms", _p95(mixed), "ms", 1)
        figure("fleet_companies", companies + more, "companies", 0)
        progress(f"load at the end {_load_note()}")
    finally:
        connection.close()
        database_drop(os.environ["DATABASE_URL"], DB_NAME)


if __name__ == "__main__":
    run()
