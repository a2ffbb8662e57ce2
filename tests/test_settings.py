"""Production settings refuse unsafe values (checked in a subprocess: settings load once per process)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings


def _load_production(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY")}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": "postgres://x@h/db",
            **env,
        },
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        pytest.param({"DEBUG": "true", "SECRET_KEY": "x" * 40}, "DEBUG must be off in production", id="debug-on"),
        pytest.param({}, "Set SECRET_KEY to a random value", id="default-secret"),
        pytest.param({"SECRET_KEY": "x" * 40}, "Set FIELD_ENCRYPTION_KEY", id="no-encryption-key"),
    ],
)
def test_production_refuses_unsafe_settings(env, message):
    result = _load_production(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_with_safe_settings():
    result = _load_production(SECRET_KEY="s" * 50, FIELD_ENCRYPTION_KEY="f" * 50)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("dsn", "active"), [("", "False"), ("https://key@127.0.0.1:9/1", "True")], ids=["off", "on"])
def test_error_reporting_starts_only_with_a_sentry_dsn(dsn, active):
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SENTRY_DSN")}
    result = subprocess.run(
        [sys.executable, "-c", "import django, sentry_sdk; django.setup(); print(sentry_sdk.get_client().is_active())"],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": "postgres://x@h/db",
            "SECRET_KEY": "s" * 50,
            "FIELD_ENCRYPTION_KEY": "f" * 50,
            "SENTRY_DSN": dsn,
        },
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip().splitlines()[-1] == active, result.stderr
