"""The real Stripe emulator (localstripe) for the test session: `stripe_emulator` starts it on a free port, waits
until it answers, points Django's STRIPE_API_BASE and the stripe library at it, and stops it at session end.

Registered in the root conftest.py through `pytest_plugins`; any app's tests can request `stripe_emulator`.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class StripeEmulator:
    url: str
    api_key: str
    process: subprocess.Popen

    def register_webhook(self, *, name: str, url: str, secret: str, events: list[str] | None = None) -> None:
        """Ask the emulator to POST events to `url` signed with `secret` (localstripe's /_config endpoint)."""
        import json

        body = json.dumps({"url": url, "secret": secret, **({"events": events} if events else {})}).encode()
        request = urllib.request.Request(
            f"{self.url}/_config/webhooks/{name}", data=body, headers={"Content-Type": "application/json"}
        )
        urllib.request.urlopen(request, timeout=5).close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _localstripe_command(port: int) -> list[str]:
    beside_python = Path(sys.executable).with_name("localstripe")
    executable = str(beside_python) if beside_python.exists() else shutil.which("localstripe")
    if executable is None:
        raise RuntimeError("localstripe is not installed (it is a dev dependency: `make venv`).")
    return [executable, "--port", str(port), "--from-scratch"]


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"localstripe exited with code {process.returncode} before answering")
        try:
            urllib.request.urlopen(f"{url}/v1/customers", timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # it answers (e.g. 401 without a key): up
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"localstripe did not answer on {url} within {timeout:.0f} s")


def stripe_key_set(api_key: str) -> None:
    """Point the current company's commerce settings at the emulator: its API key as the company's Stripe key."""
    from core.commerce.services.commerce_settings import commerce_settings_get

    row = commerce_settings_get()
    row.stripe_secret_key = api_key
    row.save()


@pytest.fixture(scope="session")
def stripe_emulator():
    import stripe
    from django.conf import settings

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = Path(settings.BASE_DIR) / "var" / f"test-localstripe-{settings.TEST_RUN_ID}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(_localstripe_command(port), stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(url, process)
    except Exception:
        process.kill()
        raise
    saved = (settings.STRIPE_API_BASE, settings.STRIPE_API_KEY, stripe.api_base, stripe.api_key)
    api_key = "sk_test_canopy_emulator"
    settings.STRIPE_API_BASE, settings.STRIPE_API_KEY = url, api_key
    stripe.api_base, stripe.api_key = url, api_key
    yield StripeEmulator(url=url, api_key=api_key, process=process)
    settings.STRIPE_API_BASE, settings.STRIPE_API_KEY, stripe.api_base, stripe.api_key = saved
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
