"""Browser tests: Debian's Chromium driven by Playwright against a real server process on the test database.

Data for these tests is committed (the server is another process), in companies onboarded for the browser session,
with names no other test uses. Screenshots of the pages visited are saved under artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from conftest import database_url_for_subprocess

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server_process(django_db_setup, stripe_emulator):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url_for_subprocess(),
        "PLATFORM_PORT": str(port),
        "STRIPE_API_BASE": stripe_emulator.url,  # the server's card payments go to the session's emulator
    }
    log = Path(settings.BASE_DIR) / "var" / f"test-live-server-{settings.TEST_RUN_ID}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"The test server exited; see {log}") from None
            time.sleep(0.2)
    yield port
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def browser(live_server_process):
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: run `make browser` (apt-get install chromium).")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    from playwright.sync_api import sync_playwright

    domain = settings.PLATFORM_DOMAIN

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                f"--host-resolver-rules=MAP *.{domain} 127.0.0.1, MAP {domain} 127.0.0.1",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def url(live_server_process):
    def build(subdomain: str | None, path: str = "/") -> str:
        host = f"{subdomain}.{settings.PLATFORM_DOMAIN}" if subdomain else settings.PLATFORM_DOMAIN
        return f"http://{host}:{live_server_process}{path}"

    return build


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture(scope="session")
def committed(django_db_setup, django_db_blocker):
    """Run setup code whose writes must be visible to the server process (committed, not rolled back)."""

    def run(fn):
        with django_db_blocker.unblock():
            return fn()

    return run
