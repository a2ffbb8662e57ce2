"""Session-wide fixtures: the test database is migrated once and two companies (alpha, beta) are onboarded once per
session; every test then runs in a transaction that is rolled back, so data never leaks between tests."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_tenants.utils import get_public_schema_name, schema_context

pytest_plugins = ["tests.fixtures_stripe"]

PASSWORD = "correct-horse-battery-staple"


@dataclass
class CompanyFixture:
    schema: str
    host: str
    admin_email: str


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.test.utils import setup_databases, teardown_databases

    from tenants.services import company_onboard, company_template_ensure, public_company_ensure

    own_setup = None
    with django_db_blocker.unblock():
        if connection.settings_dict["NAME"] != connection.creation._get_test_db_name():
            # pytest-django sets the test database up only when a collected test is marked django_db; a session of
            # browser tests alone (their data is committed) has none, so the database is set up here.
            own_setup = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        company_template_ensure()
        public_company_ensure()
        for subdomain in ("alpha", "beta"):
            company_onboard(
                name=subdomain.title(),
                subdomain=subdomain,
                admin_email=f"admin@{subdomain}.test",
                admin_password=PASSWORD,
                send_invitation=False,
            )
    yield
    # Processes the tests started (worker, live server) may still hold a connection while they exit; close them so
    # the test database can be dropped.
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    if own_setup is not None:
        with django_db_blocker.unblock():
            teardown_databases(own_setup, verbosity=0)


@pytest.fixture(autouse=True)
def _public_schema_and_clean_cache(request):
    """Each test starts in the public schema, in the site's language (a test that activates Spanish in this thread
    must not leave the next test's messages in Spanish), with an empty cache (rate-limit counters live there)."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    if "django_db_setup" in request.fixturenames or request.node.get_closest_marker("django_db"):
        connection.set_schema_to_public()
    from django.core.cache import cache

    with contextlib.suppress(Exception):  # tests that need the cache fail on their own with a clear message
        _cache_clear_this_run(cache)
    yield
    translation.deactivate()
    if connection.connection is not None:
        connection.set_schema_to_public()


def _cache_clear_this_run(cache) -> None:
    """Delete this test run's keys only (they carry its KEY_PREFIX): ``cache.clear()`` would empty the whole Redis
    database, and with it the rate-limit counters of another checkout's test run on the same machine."""
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"*{settings.CACHES['default']['KEY_PREFIX']}*", count=1000))
    if keys:
        client.delete(*keys)


def _company(subdomain: str) -> CompanyFixture:
    return CompanyFixture(
        schema=subdomain,
        host=f"{subdomain}.{settings.PLATFORM_DOMAIN}",
        admin_email=f"admin@{subdomain}.test",
    )


@pytest.fixture
def alpha(db) -> CompanyFixture:
    return _company("alpha")


@pytest.fixture
def beta(db) -> CompanyFixture:
    return _company("beta")


@pytest.fixture
def alpha_client(alpha) -> Client:
    return Client(HTTP_HOST=alpha.host)


@pytest.fixture
def beta_client(beta) -> Client:
    return Client(HTTP_HOST=beta.host)


@pytest.fixture
def provider_client(db) -> Client:
    return Client(HTTP_HOST=settings.PLATFORM_DOMAIN)


@pytest.fixture
def provider_staff(db):
    from core.accounts.models import Role
    from core.accounts.services import user_create
    from tests.helpers import two_factor_activate

    with schema_context(get_public_schema_name()):
        staff = user_create(email="staff@provider.test", role=Role.PROVIDER_STAFF, password=PASSWORD, is_staff=True)
        two_factor_activate(staff)  # provider staff must sign in with a second factor
        return staff


def database_url_for_subprocess() -> str:
    """A URL to the test database, for worker and server processes the tests start."""
    db = settings.DATABASES["default"]
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host", "")
    port = db.get("PORT") or ""
    user = db.get("USER") or "postgres"
    if host.startswith("/"):
        return f"postgresql://{user}@/{db['NAME']}?host={host}"
    return f"postgresql://{user}@{host}:{port or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, stripe_emulator):
    """A real Celery worker (separate process) consuming this test run's queue, against the test database and the
    session's Stripe emulator (billing tasks charge through it)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url_for_subprocess(),
        "STRIPE_API_BASE": stripe_emulator.url,
    }
    worker_name = f"test-{settings.TEST_RUN_ID}@localhost"
    log = Path(settings.BASE_DIR) / "var" / f"test-worker-{settings.TEST_RUN_ID}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "--concurrency",
                "1",
                "-Q",
                ",".join(settings.CANOPY_QUEUES),  # default, long and short (config.queues)
                "--loglevel",
                "INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-n",
                worker_name,
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    from config.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Celery worker exited early; see {log}")
        replies = app.control.ping(destination=[worker_name], timeout=0.5)
        if replies:
            break
    else:
        proc.terminate()
        raise RuntimeError(f"Celery worker did not answer within 60 s; see {log}")
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
