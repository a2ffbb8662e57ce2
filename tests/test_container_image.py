"""The container image (Dockerfile) builds and runs the same commands as `make serve`. Marked ``container``; skipped
when no Docker daemon answers or the base image cannot be had (no registry access)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.conf import settings

pytestmark = pytest.mark.container
IMAGE = "canopy:test"


def _docker(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def image():
    if shutil.which("docker") is None or _docker("info").returncode != 0:
        pytest.skip("no Docker daemon answers")
    if _docker("image", "inspect", "debian:bookworm-slim").returncode != 0:
        pulled = _docker("pull", "debian:bookworm-slim", timeout=300)
        if pulled.returncode != 0:
            pytest.skip(f"the base image debian:bookworm-slim cannot be pulled: {pulled.stderr.strip()[:200]}")
    built = _docker("build", "-t", IMAGE, str(settings.BASE_DIR), timeout=1800)
    assert built.returncode == 0, built.stderr[-2000:]
    return IMAGE


def test_the_image_carries_the_stack_and_its_commands(image):
    for tool in (["caddy", "version"], ["pgbouncer", "--version"]):
        assert _docker("run", "--rm", "--entrypoint", tool[0], image, *tool[1:]).returncode == 0
    usage = _docker("run", "--rm", image, "nonsense")
    assert "usage: python -m infra.serve" in usage.stderr
    check = _docker(
        "run",
        "--rm",
        "-e",
        "SECRET_KEY=smoke-test-smoke-test-smoke-test-000",
        "-e",
        "FIELD_ENCRYPTION_KEY=smoke-test-smoke-test-smoke-test-001",
        "-e",
        "DATABASE_URL=postgresql://smoke@127.0.0.1/smoke",
        "--entrypoint",
        "python",
        image,
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "ERROR",
    )
    assert check.returncode == 0, check.stderr[-2000:]
