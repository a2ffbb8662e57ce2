"""Celery through a real worker process: tasks run in the schema of the company they were sent for."""

import datetime

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from core.company.models import DailyJobRun
from core.company.tasks import company_daily_jobs, current_schema
from tenants.models import Company
from tenants.services import company_suspend
from tenants.tasks import fan_out_daily_jobs

pytestmark = pytest.mark.django_db


def test_a_task_sent_for_a_company_runs_in_that_company_schema(celery_worker_process):
    with schema_context("alpha"):
        in_alpha = current_schema.delay()
    with schema_context("beta"):
        in_beta = current_schema.delay()
    assert in_alpha.get(timeout=30) == "alpha"
    assert in_beta.get(timeout=30) == "beta"


@pytest.fixture
def forget_committed_daily_runs():
    """The worker commits what the daily job writes in alpha; remove it afterwards so later tests start clean."""
    yield
    import psycopg2

    from conftest import database_url_for_subprocess

    with psycopg2.connect(database_url_for_subprocess()) as conn, conn.cursor() as cursor:
        cursor.execute("DELETE FROM alpha.demotion_evaluationrun")
        cursor.execute("DELETE FROM alpha.demotion_demotionpolicyversion")
        cursor.execute("DELETE FROM alpha.company_dailyjobrun")
        cursor.execute("DELETE FROM alpha.members_genealogysettings")
        cursor.execute("DELETE FROM alpha.commerce_commercesettings")
    conn.close()


def test_daily_fan_out_reaches_active_companies_only_and_once(celery_worker_process, forget_committed_daily_runs):
    day = datetime.date(2031, 1, 15)
    company_suspend(company=Company.objects.get(schema_name="beta"), reason="Testing the fan-out.")
    sent = fan_out_daily_jobs(day.isoformat())  # selection happens here; the jobs run on the worker
    assert sent == ["alpha"]
    with schema_context("alpha"):
        again = company_daily_jobs.delay(day.isoformat()).get(timeout=30)
    assert again == {"schema": "alpha", "day": "2031-01-15", "ran": False}  # the fanned-out run came first
    with schema_context("alpha"):
        assert DailyJobRun.objects.filter(day=day, status="done").count() == 1
    with schema_context("beta"):
        assert DailyJobRun.objects.filter(day=day).count() == 0


def _worker_idle(seconds: float = 60) -> None:
    """The session's worker runs one task at a time (solo pool) and answers a ping only between tasks: a task sent
    by an earlier test may still be running, so wait until it answers, as /healthz's own ping expects."""
    import time

    from config.celery import app

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if app.control.ping(destination=[f"test-{settings.TEST_RUN_ID}@localhost"], timeout=0.5):
            return
    raise AssertionError(f"the test worker did not answer a ping within {seconds:g} s")


def test_healthz_reports_database_broker_workers_and_queues(celery_worker_process, alpha_client, provider_client):
    for client in (alpha_client, provider_client):
        _worker_idle()
        response = client.get("/healthz")
        body = response.json()
        assert (response.status_code, body["status"], body["database"], body["broker"], body["workers"]) == (
            200,
            "ok",
            "ok",
            "ok",
            "ok",
        )
        assert body["workers_alive"] >= 1
        assert set(body["queue_depth"]) == set(settings.CANOPY_QUEUES)
