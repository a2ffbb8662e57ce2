"""`make demo`: set up the platform with the demo company `acme` and run the web server, a worker, beat and the Stripe
emulator (localstripe, so paying with a test card works with no outside network).

Finds PostgreSQL (DATABASE_URL, else 127.0.0.1:5432, else the embedded server, which this process then holds open
for the processes it starts), migrates, seeds the demo (idempotent: a second `make demo` reuses the data), then
supervises the processes until Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from config.queues import queue_names  # noqa: E402
from config.settings.database import resolve_database_url  # noqa: E402
from infra.db import database_ensure  # noqa: E402

PORT = int(os.environ.get("PORT", "8000"))
STRIPE_EMULATOR_PORT = int(os.environ.get("STRIPE_EMULATOR_PORT", "8420"))


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stripe_emulator(env: dict, procs: list[subprocess.Popen]) -> str:
    """Start localstripe (its state kept between runs, as the demo's data is) and point the product at it: the API
    base, a test secret key, and a publishable key for the pages' Stripe.js (the emulator's stand-in). With
    STRIPE_API_KEY set in the environment the demo uses that Stripe account (test mode) instead."""
    if os.environ.get("STRIPE_API_KEY"):
        return "Stripe: your STRIPE_API_KEY (no emulator)"
    port = STRIPE_EMULATOR_PORT if not _answers("127.0.0.1", STRIPE_EMULATOR_PORT) else _free_port()
    executable = Path(sys.executable).with_name("localstripe")
    procs.append(
        subprocess.Popen(
            [str(executable), "--port", str(port)], cwd=BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    )
    for _ in range(60):
        if _answers("127.0.0.1", port):
            break
        time.sleep(0.25)
    env["STRIPE_API_BASE"] = f"http://localhost:{port}"
    env["STRIPE_API_KEY"] = "sk_test_canopy_demo"
    env.setdefault("STRIPE_PUBLISHABLE_KEY", "pk_test_canopy_demo")
    return f"Stripe emulator   http://localhost:{port}/   (test card 4242 4242 4242 4242; 4000 0000 0000 0341 declines)"


def _manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def demo_environment(base: dict, *, port: int) -> dict:
    """The environment of the demo's processes: local settings, and the web server's port as the platform's port,
    so the links in e-mails and pages point at the server that runs (`PORT=8123 make demo`)."""
    env = {**base, "DJANGO_SETTINGS_MODULE": "config.settings.local", "PYTHONUNBUFFERED": "1"}
    env.setdefault("PLATFORM_PORT", str(port))
    return env


def demo_worker_command(env: dict) -> list[str]:
    """One worker for every queue tasks are routed to (config.queues: the default, long and short ones); a worker
    started without ``-Q`` would consume the default queue only, and commission runs and e-mails would wait forever."""
    queues = ",".join(queue_names(env.get("CELERY_QUEUE", "canopy")))
    return [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues, "--loglevel", "WARNING",
            "--concurrency", "2"]  # fmt: skip


def main() -> int:
    env = demo_environment(dict(os.environ), port=PORT)
    url = resolve_database_url(BASE_DIR)
    env["DATABASE_URL"] = url
    where = "embedded PostgreSQL (var/pgdata)" if "host=/" in url or "@/" in url else url.split("@")[-1]
    print(f"Database: {where}")
    database_ensure(url)

    redis_url = env.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    redis_host_port = redis_url.split("//", 1)[1].split("/", 1)[0]
    host, _, port = redis_host_port.rpartition(":")
    have_redis = _answers(host or "127.0.0.1", int(port or 6379))
    if not have_redis:
        env["CELERY_TASK_ALWAYS_EAGER"] = "true"
        env["CACHE_URL"] = ""
        print("Redis is not answering: background tasks will run in-process (no worker or beat).")

    procs: list[subprocess.Popen] = []
    stripe_line = _stripe_emulator(env, procs)
    try:
        print("Migrating…")
        _manage(env, "setup_platform")
        print("Seeding the demo company (the first run takes a few minutes)…")
        subprocess.run([sys.executable, "-m", "infra.demo_setup"], cwd=BASE_DIR, env=env, check=True)
    except BaseException:
        for proc in procs:  # the emulator
            proc.terminate()
        raise

    web = [sys.executable, "manage.py", "runserver", f"0.0.0.0:{PORT}", "--noreload"]
    procs.append(subprocess.Popen(web, cwd=BASE_DIR, env=env))
    if have_redis:
        celery = [sys.executable, "-m", "celery", "-A", "config"]
        procs.append(subprocess.Popen(demo_worker_command(env), cwd=BASE_DIR, env=env))
        beat_schedule = BASE_DIR / "var" / "celerybeat-schedule"
        beat_schedule.parent.mkdir(exist_ok=True)
        procs.append(
            subprocess.Popen(
                [*celery, "beat", "--loglevel", "WARNING", "-s", str(beat_schedule)], cwd=BASE_DIR, env=env
            )
        )

    for _ in range(60):
        if _answers("127.0.0.1", PORT):
            break
        time.sleep(0.5)
    print(
        f"""
Canopy is running.

  Provider console   http://localhost:{PORT}/                provider@canopy.local / canopy-demo-2026
  Acme (company)     http://acme.localhost:{PORT}/           admin@acme.example / acme-demo-2026
  Acme console       http://acme.localhost:{PORT}/console/   (the admin above)
  Jane's back office http://acme.localhost:{PORT}/office/    jane@acme.example / jane-demo-2026
  Jane's shop        http://acme.localhost:{PORT}/jane/
  Acme API docs      http://acme.localhost:{PORT}/api/docs/
  Provider API docs  http://localhost:{PORT}/api/docs/
  Health             http://acme.localhost:{PORT}/healthz
  {stripe_line}
  {"Worker and beat are running." if have_redis else "Tasks run in-process (no Redis)."}

Press Ctrl-C to stop.
""",
        flush=True,
    )

    def stop(*_):
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while True:
        for proc in procs:
            if proc.poll() is not None:
                print(f"A process exited ({' '.join(proc.args[:4])}); stopping the demo.")
                stop()
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
