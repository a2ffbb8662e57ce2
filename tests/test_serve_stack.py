"""The served stack (`make serve`, infra/serve.py) with the production settings: Caddy (TLS from its local CA, HTTP/2,
on-demand certificates asked from Canopy) in front of two gunicorn processes on different ports, PgBouncer in front of
the test database, and two Celery workers (long and short queues) — sharing nothing but the database and the broker.

The stack is started once for the module (about 20 s); the tests talk to it with curl, as a visitor would, with
``--resolve`` instead of DNS. Skipped when Caddy or PgBouncer is not installed (`make test` installs them)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django_tenants.utils import schema_context

from conftest import PASSWORD, database_url_for_subprocess
from tests.committed import in_own_connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (shutil.which("caddy") and shutil.which("pgbouncer")), reason="caddy and pgbouncer are not installed"
    ),
]

CUSTOM = "shop.alpha-wellness.test"
# A company-staff login with the production password hasher (the test settings hash with MD5, which the production
# settings the stack runs do not accept); created for the module and deleted after.
STACK_USER = "stack@alpha.test"


def _free_ports(count: int) -> list[int]:
    """Ports for the stack: SERVE_TEST_PORT_BASE (a range of ten) if set, else free ones from the OS."""
    base = int(os.environ.get("SERVE_TEST_PORT_BASE", "0"))
    if base:
        return [base + i for i in range(count)]
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


class Served:
    def __init__(self, env: dict, state: Path) -> None:
        self.env = env
        self.state = state
        self.https = int(env["CADDY_HTTPS_PORT"])
        self.http = int(env["CADDY_HTTP_PORT"])
        self.webs = [int(port) for port in env["WEB_PORTS"].split(",")]
        self.ca = state / "caddy-data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"

    def curl(self, url: str, *args: str, host: str | None = None) -> subprocess.CompletedProcess:
        """curl ``url`` (its host resolved to 127.0.0.1); stdout is the body, the last line status and version."""
        host = host or url.split("/")[2].split(":")[0]
        port = url.split("/")[2].split(":")[1]
        command = ["curl", "-sS", "--max-time", "60", "--resolve", f"{host}:{port}:127.0.0.1"]
        command += ["--cacert", str(self.ca), "-w", "\n%{http_code} %{http_version}", *args, url]
        return subprocess.run(command, capture_output=True, text=True, timeout=90)

    def web(self, index: int, path: str, host: str, *args: str) -> subprocess.CompletedProcess:
        """A request straight to one gunicorn process (as Caddy sends it: forwarded from https)."""
        url = f"http://127.0.0.1:{self.webs[index]}{path}"
        command = ["curl", "-sS", "--max-time", "60", "-H", f"Host: {host}", "-H", "X-Forwarded-Proto: https"]
        command += ["-w", "\n%{http_code}", *args, url]
        return subprocess.run(command, capture_output=True, text=True, timeout=90)

    def logs(self) -> str:
        return "".join(path.read_text(errors="replace") for path in sorted(self.state.glob("web-*.log")))


def _status(result: subprocess.CompletedProcess) -> tuple[str, str]:
    """(body, last line) of a curl run with -w."""
    body, _, last = result.stdout.rpartition("\n")
    return body, last


@pytest.fixture(scope="module")
def served(django_db_setup, django_db_blocker):
    from infra.serve import Stack, serve_environment

    https, http, pgbouncer, web_a, web_b = _free_ports(5)
    state = Path(settings.BASE_DIR) / "var" / f"test-serve-{settings.TEST_RUN_ID}"
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    redis_base = settings.REDIS_URL.rsplit("/", 1)[0]
    env = serve_environment(
        {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",  # not the tests' settings: the deployed ones
            "SERVE_STATE_DIR": str(state),
            "POSTGRES_URL": database_url_for_subprocess(),
            "PLATFORM_DOMAIN": settings.PLATFORM_DOMAIN,
            "CADDY_HTTPS_PORT": str(https),
            "CADDY_HTTP_PORT": str(http),
            "PGBOUNCER_PORT": str(pgbouncer),
            "WEB_PORTS": f"{web_a},{web_b}",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "2",
            "WORKER_SHORT_CONCURRENCY": "1",
            "WORKER_NAME_TAG": f"stack-{settings.TEST_RUN_ID}",
            "CELERY_QUEUE": f"canopy-stack-{settings.TEST_RUN_ID}",
            "REDIS_URL": f"{redis_base}/13",
            "CACHE_URL": f"{redis_base}/14",
            "CACHE_KEY_PREFIX": f"stack-{settings.TEST_RUN_ID}",
            "STRIPE_API_BASE": "http://127.0.0.1:9",
        }
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=settings.BASE_DIR,
        env={**env, "DATABASE_URL": env["POSTGRES_URL"]},
        check=True,
    )
    stack = Stack(env, ("pgbouncer", "web", "worker-long", "worker-short", "caddy"), log_dir=state)
    try:
        stack.start()
        for port in (web_a, web_b):
            stack.wait_for_web(port)
        for port in (https, http):
            stack.wait_for_port(port)
        _wait_for_workers(env)
        with django_db_blocker.unblock():
            in_own_connection("alpha", _stack_user_create)
        yield Served(env, state)
    finally:
        stack.stop(grace=10)
        with django_db_blocker.unblock():
            in_own_connection("public", _forget_custom_domain)
            in_own_connection("alpha", _stack_user_delete)


def _wait_for_workers(env: dict, timeout: float = 90) -> None:
    from config.celery import app

    names = [f"{kind}-{env['WORKER_NAME_TAG']}@{socket.gethostname()}" for kind in ("long", "short")]
    deadline = time.monotonic() + timeout
    while len(app.control.ping(destination=names, timeout=1)) < 2:
        assert time.monotonic() < deadline, "the stack's workers did not answer"


def _stack_user_create():
    from core.accounts.models import Role
    from core.accounts.services import user_create

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]):
        user_create(email=STACK_USER, role=Role.COMPANY_STAFF, password=PASSWORD)


def _stack_user_delete():
    from core.accounts.models import User

    User.objects.filter(email=STACK_USER).delete()


def _forget_custom_domain():
    from tenants.models import CustomDomain, Domain

    Domain.objects.filter(domain=CUSTOM).delete()
    CustomDomain.objects.filter(domain=CUSTOM).delete()


def test_a_company_subdomain_is_served_over_https_and_http2_with_health(served):
    body, last = _status(served.curl(f"https://alpha.{settings.PLATFORM_DOMAIN}:{served.https}/healthz"))
    health = json.loads(body)
    assert last == "200 2"  # HTTP/2, with a certificate from Caddy's local CA that curl verified
    assert (health["status"], health["database"], health["broker"], health["workers"]) == ("ok", "ok", "ok", "ok")
    assert health["workers_alive"] >= 2
    assert set(health["queue_depth"]) == {
        f"canopy-stack-{settings.TEST_RUN_ID}",
        f"canopy-stack-{settings.TEST_RUN_ID}.long",
        f"canopy-stack-{settings.TEST_RUN_ID}.short",
    }
    # Plain http is sent to https; static files come from Caddy, compressed.
    redirect = served.curl(f"http://alpha.{settings.PLATFORM_DOMAIN}:{served.http}/office/", "-o", "/dev/null")
    assert _status(redirect)[1].startswith("308")
    static = served.curl(
        f"https://alpha.{settings.PLATFORM_DOMAIN}:{served.https}/static/vendor/htmx/htmx.min.js",
        "-H",
        "Accept-Encoding: gzip",
        "-D",
        "-",
        "-o",
        "/dev/null",
    )
    assert "content-encoding: gzip" in static.stdout.lower() and _status(static)[1] == "200 2"


def test_unknown_and_unverified_domains_get_no_certificate(served):
    assert _status(served.web(0, "/internal/tls-ask?domain=nobody.example.org", "127.0.0.1"))[1] == "404"
    assert _status(served.web(0, f"/internal/tls-ask?domain=alpha.{settings.PLATFORM_DOMAIN}", "x"))[1] == "200"
    refused = served.curl(f"https://nobody.example.org:{served.https}/")
    assert refused.returncode != 0  # the TLS handshake fails: Caddy asked, Canopy said no
    # The stack's own endpoints are not reachable through Caddy.
    hidden = served.curl(f"https://alpha.{settings.PLATFORM_DOMAIN}:{served.https}/metrics", "-o", "/dev/null")
    assert _status(hidden)[1] == "404 2"


def test_a_verified_company_domain_is_served_with_its_own_certificate(served):
    from tenants.models import Company
    from tenants.services_domains import custom_domain_add, custom_domain_verify

    def add():
        return custom_domain_add(company=Company.objects.get(schema_name="alpha"), domain=CUSTOM.upper())

    claim = in_own_connection("public", add)
    assert _status(served.web(0, f"/internal/tls-ask?domain={CUSTOM}", "x"))[1] == "404"  # not verified yet
    token = served.curl(f"http://{CUSTOM}:{served.http}/.well-known/canopy-domain-verification")
    assert _status(token) == (claim.token, "200 1.1")

    def verify():
        with override_settings(CUSTOM_DOMAIN_CHECK_ADDRESS=f"127.0.0.1:{served.http}"):
            return custom_domain_verify(custom_domain=claim)

    verified = in_own_connection("public", verify)
    assert (verified.is_verified, verified.last_error) == (True, "")
    assert _status(served.web(0, f"/internal/tls-ask?domain={CUSTOM}", "x"))[1] == "200"
    body, last = _status(served.curl(f"https://{CUSTOM}:{served.https}/"))
    assert last == "200 2"
    assert "Alpha" in body  # alpha's storefront, on its own domain


def test_metrics_count_requests_and_logs_are_json_with_company_and_request_id(served):
    request_id = f"test-{uuid.uuid4().hex}"
    result = served.curl(
        f"https://alpha.{settings.PLATFORM_DOMAIN}:{served.https}/accounts/login/",
        "-H",
        f"X-Request-ID: {request_id}",
        "-o",
        "/dev/null",
    )
    assert _status(result)[1] == "200 2"
    # Caddy sets its own request id (a client cannot choose what goes in the logs): find the line by path and time.
    deadline = time.monotonic() + 10
    line = None
    while line is None and time.monotonic() < deadline:
        for raw in served.logs().splitlines():
            if raw.startswith("{") and '"path": "/accounts/login/"' in raw:
                line = json.loads(raw)
        time.sleep(0.2)
    assert line is not None
    assert (line["company"], line["status"], line["logger"]) == ("alpha", 200, "canopy.request")
    assert len(line["request_id"]) >= 8 and line["request_id"] != request_id
    metrics, status = _status(served.web(1, "/metrics", "127.0.0.1"))
    assert status == "200"
    assert 'django_http_requests_total_by_method_total{method="GET"}' in metrics
    assert f'canopy_queue_depth{{queue="canopy-stack-{settings.TEST_RUN_ID}.long"}}' in metrics


def test_two_web_processes_and_two_workers_serve_the_same_company(served):
    """Statelessness: a token issued by one web process works on the other; each worker runs alpha's tasks in
    alpha's schema. The processes share only PostgreSQL (through PgBouncer) and Redis."""
    from config.celery import app
    from core.company.tasks import current_schema

    host = f"alpha.{settings.PLATFORM_DOMAIN}"
    body, status = _status(
        served.web(
            0,
            "/api/v1/auth/token/",
            host,
            "-H",
            "Content-Type: application/json",
            "-d",
            json.dumps({"email": STACK_USER, "password": PASSWORD}),
        )
    )
    assert status == "200", body
    token = json.loads(body)["token"]
    me, status = _status(served.web(1, "/api/v1/me/", host, "-H", f"Authorization: Token {token}"))
    assert (status, json.loads(me)["email"]) == ("200", STACK_USER)

    tag = served.env["WORKER_NAME_TAG"]
    replies = app.control.ping(
        destination=[f"long-{tag}@{socket.gethostname()}", f"short-{tag}@{socket.gethostname()}"]
    )
    assert len(replies) == 2
    queue = served.env["CELERY_QUEUE"]
    with schema_context("alpha"):
        results = [current_schema.apply_async(queue=queue), current_schema.apply_async(queue=f"{queue}.long")]
    assert [result.get(timeout=90) for result in results] == ["alpha", "alpha"]
