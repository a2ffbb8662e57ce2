"""`make bench NAME=load`: a bounded load on the served stack (infra/serve.py: Caddy over https, gunicorn, PgBouncer,
production settings) and, in the same run, on the development server (`manage.py runserver`, local settings, as
`make demo` runs it), both on the demo company of a database of their own (``canopy_bench_load``, or BENCH_LOAD_DB;
kept between runs: the first run builds the demo company, a few minutes).

Each of BENCH_LOAD_CLIENTS clients (default 50) requests, in turn, Jane's replicated site (/jane/), her shop
(/jane/shop/), her back-office dashboard (/office/, signed in) and the company API (/api/v1/members/me/, with her API
token) for BENCH_LOAD_SECONDS (default 60) per server, on 127.0.0.1 only. Printed per page and server:
``load_<page>_rps`` (requests answered per second), ``load_<page>_p50_ms`` / ``_p95_ms`` / ``_p99_ms`` for the
served stack and ``load_runserver_<page>_…`` for the development server, then ``load_dashboard_speedup``.
Ports: BENCH_LOAD_PORT_BASE (default 8150) and the next five.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

from bench.support import figure, progress

PAGES = (
    ("replicated_site", "/jane/"),
    ("shop", "/jane/shop/"),
    ("dashboard", "/office/"),
    ("api", "/api/v1/members/me/"),
)
HOST = "acme.localhost"
JANE = ("jane@acme.example", "jane-demo-2026")
BASE_DIR = Path(__file__).resolve().parent.parent


class Loopback:
    """aiohttp resolver: every host is 127.0.0.1 (the benchmark never leaves the machine)."""

    async def resolve(self, host, port=0, family=socket.AF_INET):
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET, "proto": 0, "flags": 0}]

    async def close(self):
        return None


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def _sign_in(session, base: str) -> tuple[str, str]:
    """Jane's session cookie (allauth's sign-in form) and her API token."""
    page = await session.get(f"{base}/accounts/login/")
    html = await page.text()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    answer = await session.post(
        f"{base}/accounts/login/",
        data={"login": JANE[0], "password": JANE[1], "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{base}/accounts/login/", "Origin": base},
        allow_redirects=False,
    )
    assert answer.status in (302, 303), f"sign-in answered {answer.status}"
    token = await session.post(f"{base}/api/v1/auth/token/", json={"email": JANE[0], "password": JANE[1]})
    assert token.status == 200, f"token answered {token.status}"
    return session.cookie_jar.filter_cookies(base).get("sessionid").value, (await token.json())["token"]


async def _drive(base: str, *, clients: int, seconds: float, ssl_context) -> dict[str, list[float]]:
    import aiohttp

    connector = aiohttp.TCPConnector(resolver=Loopback(), ssl=ssl_context, limit=0)
    timings: dict[str, list[float]] = {name: [] for name, _ in PAGES}
    errors: dict[str, int] = {name: 0 for name, _ in PAGES}
    async with aiohttp.ClientSession(connector=connector) as signer:
        session_id, token = await _sign_in(signer, base)
    connector = aiohttp.TCPConnector(resolver=Loopback(), ssl=ssl_context, limit=0)
    headers = {"Cookie": f"sessionid={session_id}"}
    deadline = time.monotonic() + seconds

    async def client(index: int, session) -> None:
        turn = index
        while time.monotonic() < deadline:
            name, path = PAGES[turn % len(PAGES)]
            turn += 1
            extra = {"Authorization": f"Token {token}"} if name == "api" else headers
            started = time.perf_counter()
            try:
                async with session.get(f"{base}{path}", headers=extra, allow_redirects=False) as response:
                    await response.read()
                    ok = response.status == 200
            except (TimeoutError, aiohttp.ClientError):
                ok = False
            if ok:
                timings[name].append((time.perf_counter() - started) * 1000)
            else:
                errors[name] += 1

    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(client(i, session) for i in range(clients)))
    for name, count in errors.items():
        if count:
            progress(f"{base}: {count} {name} requests failed")
    return timings


def _report(prefix: str, timings: dict[str, list[float]], seconds: float) -> dict[str, float]:
    rates = {}
    for name, values in timings.items():
        rates[name] = len(values) / seconds
        figure(f"{prefix}{name}_rps", rates[name], "req/s", 1)
        for q in (50, 95, 99):
            figure(f"{prefix}{name}_p{q}_ms", _percentile(values, q / 100), "ms", 0)
    return rates


def _wait(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:4]} exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port}")


def run() -> None:
    from config.settings.database import resolve_database_url
    from infra.serve import Stack, prepare, serve_environment

    clients = int(os.environ.get("BENCH_LOAD_CLIENTS", "50"))
    seconds = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
    base_port = int(os.environ.get("BENCH_LOAD_PORT_BASE", "8150"))
    postgres = resolve_database_url(BASE_DIR, os.environ.get("BENCH_LOAD_DB", "canopy_bench_load"))
    state = BASE_DIR / "var" / "bench-load"
    env = serve_environment(
        {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SERVE_STATE_DIR": str(state),
            "POSTGRES_URL": postgres,
            "PLATFORM_DOMAIN": "localhost",
            "CADDY_HTTPS_PORT": str(base_port),
            "CADDY_HTTP_PORT": str(base_port + 1),
            "PGBOUNCER_PORT": str(base_port + 2),
            "WEB_PORTS": str(base_port + 3),
            "CELERY_QUEUE": "canopy-bench-load",
            "WORKER_NAME_TAG": "bench-load",
            "CELERY_TASK_ALWAYS_EAGER": "false",
        }
    )
    progress("preparing canopy_bench_load (migrations, static files, the demo company: minutes the first time)…")
    prepare(env, demo=True)
    stack = Stack(env, ("pgbouncer", "web", "worker-short", "caddy"), log_dir=state)
    dev_port = base_port + 5
    dev_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": postgres,
        "PLATFORM_PORT": str(dev_port),
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "LOG_LEVEL": "WARNING",
    }
    try:
        stack.start()
        stack.wait_for_web(base_port + 3)
        stack.wait_for_port(base_port)
        ca = Path(env["XDG_DATA_HOME"]) / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        time.sleep(1)  # Caddy writes its CA on start
        context = ssl.create_default_context(cafile=str(ca))
        served = f"https://{HOST}:{base_port}"
        progress(f"served stack: {clients} clients for {seconds:.0f} s on {served} …")
        asyncio.run(_drive(served, clients=2, seconds=3, ssl_context=context))  # warm-up: certificates, workers
        served_rates = _report(
            "load_", asyncio.run(_drive(served, clients=clients, seconds=seconds, ssl_context=context)), seconds
        )
    finally:
        stack.stop()
    dev = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{dev_port}", "--noreload"],
        cwd=BASE_DIR,
        env=dev_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(dev_port, dev)
        base = f"http://{HOST}:{dev_port}"
        progress(f"development server: {clients} clients for {seconds:.0f} s on {base} …")
        asyncio.run(_drive(base, clients=2, seconds=3, ssl_context=False))
        dev_rates = _report(
            "load_runserver_", asyncio.run(_drive(base, clients=clients, seconds=seconds, ssl_context=False)), seconds
        )
    finally:
        dev.terminate()
        dev.wait(timeout=20)
    figure("load_dashboard_speedup", served_rates["dashboard"] / max(dev_rates["dashboard"], 0.001), "x", 1)
