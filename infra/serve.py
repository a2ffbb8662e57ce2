"""`make serve`: Canopy's production stack on one machine, with the production settings (config.settings.production).

    python -m infra.serve              prepare (migrate, collect static files, demo data), start everything, supervise
    python -m infra.serve prepare      only the preparation (a deploy step; the compose file's `migrate` service)
    python -m infra.serve run NAME     run one process in the foreground (the container image's commands)

The processes: PgBouncer (session mode) in front of PostgreSQL; gunicorn (config.wsgi, infra/gunicorn.conf.py); a
Celery worker for the long queue (commission runs, demotion, imports), one for the default and short queues
(e-mail, webhooks, fan-outs) and one beat; Caddy (infra/Caddyfile) in front of everything. Ctrl-C (or SIGTERM) stops
them all, then this supervisor exits; if one process dies the others are stopped too.

Every setting comes from the environment (docs/deploy.md); for `make serve` the defaults are safe local ones: ports
8150 (https) and 8151 (http) on 127.0.0.1, the platform domain `localhost` (acme.localhost resolves to this machine),
Caddy's own certificate authority, and secrets generated once into var/serve/secrets.env (mode 600).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from config.queues import queue_names  # noqa: E402
from config.settings.database import resolve_database_url  # noqa: E402

PROCESS_NAMES = ("pgbouncer", "web", "worker-long", "worker-short", "beat", "caddy")


def _default(env: dict, key: str, value: str) -> str:
    env.setdefault(key, value)
    return env[key]


def _secrets(env: dict, state: Path) -> None:
    """SECRET_KEY and FIELD_ENCRYPTION_KEY from the environment, else generated once and kept in var/serve."""
    path = state / "secrets.env"
    if not path.exists():
        path.write_text(f"SECRET_KEY={secrets.token_urlsafe(48)}\nFIELD_ENCRYPTION_KEY={secrets.token_urlsafe(48)}\n")
        path.chmod(0o600)
    for line in path.read_text().splitlines():
        key, _, value = line.partition("=")
        env.setdefault(key, value)


def serve_environment(base: dict) -> dict:
    """The environment every process of the stack gets (each value overridable from the outside)."""
    env = dict(base)
    state = Path(_default(env, "SERVE_STATE_DIR", str(BASE_DIR / "var" / "serve")))
    state.mkdir(parents=True, exist_ok=True)
    _default(env, "DJANGO_SETTINGS_MODULE", "config.settings.production")
    _default(env, "PYTHONUNBUFFERED", "1")
    https_port = _default(env, "CADDY_HTTPS_PORT", "8150")
    _default(env, "CADDY_HTTP_PORT", "8151")
    _default(env, "PGBOUNCER_PORT", "8152")
    web_ports = _default(env, "WEB_PORTS", "8153").split(",")
    _default(env, "PLATFORM_DOMAIN", "localhost")
    _default(env, "PLATFORM_PORT", "" if https_port == "443" else https_port)
    _default(env, "CADDY_HTTPS_SUFFIX", "" if https_port == "443" else f":{https_port}")
    _default(env, "CADDY_LOCAL_CERTS", "local_certs")
    _default(env, "CADDY_CONFIG", str(BASE_DIR / "infra" / "Caddyfile"))
    _default(env, "XDG_DATA_HOME", str(state / "caddy-data"))  # Caddy's certificates and its local CA
    _default(env, "XDG_CONFIG_HOME", str(state / "caddy-config"))
    _default(env, "STATIC_ROOT", str(BASE_DIR / "var" / "static"))
    _default(env, "MEDIA_ROOT", str(BASE_DIR / "var" / "media"))
    _default(env, "CANOPY_UPSTREAMS", " ".join(f"127.0.0.1:{port}" for port in web_ports))
    _default(env, "CANOPY_ASK_UPSTREAM", f"127.0.0.1:{web_ports[0]}")
    # Company domains are checked through this Caddy (no public DNS points at a laptop).
    _default(env, "CUSTOM_DOMAIN_CHECK_ADDRESS", f"127.0.0.1:{env['CADDY_HTTP_PORT']}")
    _default(env, "TRUSTED_PROXY_COUNT", "1")  # Caddy
    # HSTS would pin https on "localhost" for every port in the browser (make demo's http://localhost:8000 too).
    _default(env, "SECURE_HSTS_SECONDS", "0" if env["PLATFORM_DOMAIN"] == "localhost" else str(365 * 24 * 3600))
    _default(env, "PROMETHEUS_MULTIPROC_DIR", str(state / "prometheus"))
    _default(env, "CELERY_BEAT_SCHEDULE_FILE", str(state / "celerybeat-schedule"))
    _secrets(env, state)
    if "DATABASE_URL" not in env:
        env["POSTGRES_URL"] = env.get("POSTGRES_URL") or resolve_database_url(BASE_DIR)
        env["DATABASE_URL"] = pooled_url(env["POSTGRES_URL"], int(env["PGBOUNCER_PORT"]))
    return env


def pooled_url(postgres_url: str, pgbouncer_port: int) -> str:
    """The same database through PgBouncer on 127.0.0.1."""
    parsed = urlparse(postgres_url)
    user = parsed.username or "postgres"
    password = f":{parsed.password}" if parsed.password else ""
    return f"postgresql://{user}{password}@127.0.0.1:{pgbouncer_port}{parsed.path or '/canopy'}"


def pgbouncer_ini(env: dict) -> Path:
    """PgBouncer's configuration (session mode: django-tenants sets search_path per connection, and session mode keeps
    a server connection with its client, so nothing leaks between companies). Any database name is passed through to
    the same PostgreSQL server."""
    upstream = urlparse(env["POSTGRES_URL"])
    host = parse_qs(upstream.query).get("host", [upstream.hostname or "127.0.0.1"])[0]
    user = upstream.username or "postgres"
    password = f" password={upstream.password}" if upstream.password else ""
    state = Path(env["SERVE_STATE_DIR"])
    ini = state / "pgbouncer.ini"
    ini.write_text(
        f"""[databases]
* = host={host} port={upstream.port or 5432} user={user}{password}

[pgbouncer]
listen_addr = {env.get("PGBOUNCER_LISTEN", "127.0.0.1")}
listen_port = {env["PGBOUNCER_PORT"]}
unix_socket_dir =
auth_type = any
pool_mode = session
max_client_conn = {env.get("PGBOUNCER_MAX_CLIENT_CONN", "500")}
default_pool_size = {env.get("PGBOUNCER_POOL_SIZE", "60")}
server_idle_timeout = 120
ignore_startup_parameters = extra_float_digits,options
{"user = nobody" if os.geteuid() == 0 else ""}
"""
    )
    ini.chmod(0o644)
    return ini


def commands(env: dict, python: str = sys.executable) -> dict[str, list[str]]:
    """The command of each process: `make serve` starts these and the container image runs the same ones."""
    default_queue, long_queue, short_queue = queue_names(env.get("CELERY_QUEUE", "canopy"))
    celery = [python, "-m", "celery", "-A", "config"]
    tag = env.get("WORKER_NAME_TAG", "serve")
    cores = os.cpu_count() or 1
    return {
        "pgbouncer": ["pgbouncer", str(Path(env["SERVE_STATE_DIR"]) / "pgbouncer.ini")],
        "web": [python, "-m", "gunicorn", "-c", str(BASE_DIR / "infra" / "gunicorn.conf.py")],
        "worker-long": [
            *celery,
            "worker",
            "-Q",
            long_queue,
            "-n",
            f"long-{tag}@%h",
            "--concurrency",
            env.get("WORKER_LONG_CONCURRENCY", "1"),
            "--loglevel",
            "INFO",
        ],
        "worker-short": [
            *celery,
            "worker",
            "-Q",
            f"{default_queue},{short_queue}",
            "-n",
            f"short-{tag}@%h",
            "--concurrency",
            env.get("WORKER_SHORT_CONCURRENCY", str(cores)),
            "--loglevel",
            "INFO",
        ],
        "beat": [*celery, "beat", "-s", env["CELERY_BEAT_SCHEDULE_FILE"], "--loglevel", "INFO"],
        "caddy": ["caddy", "run", "--config", env["CADDY_CONFIG"], "--adapter", "caddyfile"],
    }


def prepare(env: dict, *, demo: bool) -> None:
    """Migrate every schema, collect the static files, and (make serve) create the demo company."""
    from infra.db import database_ensure

    database_ensure(env.get("POSTGRES_URL") or env["DATABASE_URL"])
    direct = {**env, "DATABASE_URL": env.get("POSTGRES_URL") or env["DATABASE_URL"]}
    direct.pop("PROMETHEUS_MULTIPROC_DIR", None)  # one-off commands keep their metrics to themselves
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "setup_platform"], cwd=BASE_DIR, env=direct, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], cwd=BASE_DIR, env=direct, check=True)
    if demo:
        print("Seeding the demo company (the first run takes a few minutes)…", flush=True)
        subprocess.run([sys.executable, "-m", "infra.demo_setup"], cwd=BASE_DIR, env=direct, check=True)


def _reset_metrics_dir(env: dict) -> None:
    metrics = Path(env["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(metrics, ignore_errors=True)
    metrics.mkdir(parents=True)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Stack:
    """Started processes, stopped together (SIGTERM, then SIGKILL after a grace period)."""

    def __init__(self, env: dict, names: tuple[str, ...] = PROCESS_NAMES, *, log_dir: Path | None = None) -> None:
        self.env = env
        self.names = names
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        pgbouncer_ini(self.env)
        _reset_metrics_dir(self.env)
        table = commands(self.env)
        for name in self.names:
            for index, port in enumerate(self.env["WEB_PORTS"].split(",") if name == "web" else [""]):
                env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{port}"} if port else self.env
                key = f"{name}-{index + 1}" if name == "web" else name
                out = open(self.log_dir / f"{key}.log", "ab") if self.log_dir else None  # noqa: SIM115
                self.procs[key] = subprocess.Popen(
                    table[name], cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT if out else None
                )
                if name == "pgbouncer":
                    self.wait_for_port(int(self.env["PGBOUNCER_PORT"]))

    def wait_for_port(self, port: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not _answers(port):
            self.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing answers on 127.0.0.1:{port} after {timeout:.0f} s")
            time.sleep(0.2)

    def wait_for_web(self, port: int, timeout: float = 120) -> None:
        """Until the gunicorn on ``port`` answers a request (its master listens before the workers have loaded
        Django, which takes seconds)."""
        deadline = time.monotonic() + timeout
        while True:
            self.check_alive()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/internal/tls-ask?domain=-", timeout=5):
                    return
            except urllib.error.HTTPError:
                return  # 404: Django answered
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the web process on 127.0.0.1:{port} did not answer in {timeout:.0f} s"
                    ) from None
                time.sleep(0.3)

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with code {proc.returncode}")

    def stop(self, grace: float = 20) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + grace
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _banner(env: dict) -> str:
    port = env["CADDY_HTTPS_PORT"]
    domain = env["PLATFORM_DOMAIN"]
    ca = Path(env["XDG_DATA_HOME"]) / "caddy" / "pki" / "authorities" / "local" / "root.crt"
    suffix = "" if port == "443" else f":{port}"
    return f"""
Canopy is served (production settings: {env["DJANGO_SETTINGS_MODULE"]}).

  Provider console   https://{domain}{suffix}/
  Acme (company)     https://acme.{domain}{suffix}/            admin@acme.example / acme-demo-2026
  Jane's back office https://acme.{domain}{suffix}/office/     jane@acme.example / jane-demo-2026
  Health             https://acme.{domain}{suffix}/healthz
  Metrics            http://127.0.0.1:{env["WEB_PORTS"].split(",")[0]}/metrics   (not exposed through Caddy)
  Caddy's local CA   {ca}
                     (curl --cacert it, or trust it in the browser)

Press Ctrl-C to stop.
"""


def main(argv: list[str]) -> int:
    env = serve_environment(dict(os.environ))
    if argv[:1] == ["prepare"]:
        prepare(env, demo=env.get("SERVE_DEMO", "1") != "0")
        return 0
    if argv[:1] == ["run"] and len(argv) == 2 and argv[1] in PROCESS_NAMES:
        if argv[1] == "pgbouncer":
            pgbouncer_ini(env)
        elif argv[1] != "caddy":
            Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
        command = commands(env)[argv[1]]
        os.execvpe(command[0], command, env)
    if argv:
        sys.exit(f"usage: python -m infra.serve [prepare | run {{{','.join(PROCESS_NAMES)}}}]")
    for tool in ("caddy", "pgbouncer"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (make serve installs it with apt-get: apt-get install {tool}).")
    print(f"Database: {env.get('POSTGRES_URL', env['DATABASE_URL']).split('@')[-1]}", flush=True)
    prepare(env, demo=env.get("SERVE_DEMO", "1") != "0")
    stack = Stack(env)
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        stack.start()
        for port in env["WEB_PORTS"].split(","):
            stack.wait_for_web(int(port))
        stack.wait_for_port(int(env["CADDY_HTTPS_PORT"]))
        print(_banner(env), flush=True)
        while not stopping:
            stack.check_alive()
            time.sleep(0.5)
    except RuntimeError as exc:
        print(f"Stopping: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        print("Stopping Canopy…", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
