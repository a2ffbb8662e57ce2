"""A worker killed while posting: the run's lease goes stale, the beat job sends the post again, the run posts once,
and the page and API say what is happening.

The company (conftest): root <- a <- b <- c, each buying one 100 CV kit; unilevel 10 % / 5 % pays five lines."""

import datetime

import pytest

from plans.leases import run_activity, run_lease_take
from plans.models import CommissionRun, LedgerLine, RunLease, RunStatus
from plans.services import run_preview, runs_requeue_stalled
from plans.services_periods import period_close
from plans.services_posting import run_approve, run_post_request
from plans.tasks import commission_run_post
from plans.tests.conftest import buy
from tests.helpers import token_client

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 2, 3, 10, 0, 0, tzinfo=datetime.UTC)


@pytest.fixture
def approved(chain, product, plan, january, admin):
    for name in ("root", "a", "b", "c"):
        buy(chain[name])
    run = run_preview(period=january, by=admin)
    period_close(period=january, by=admin)
    return run_approve(run=run, by=admin)


@pytest.fixture
def killed_while_posting(approved, admin, django_capture_on_commit_callbacks):
    """The post was requested, a worker took the run at T0, wrote "posting to the ledger" and was killed: its post
    transaction rolled back, its lease stays with its last heartbeat at T0."""
    with django_capture_on_commit_callbacks(execute=False) as sent:
        run_post_request(run=approved, by=admin)
    assert len(sent) == 1
    assert run_lease_take(run_id=approved.pk, owner="worker-1:4242", work="post", now=T0)
    CommissionRun.objects.filter(pk=approved.pk).update(progress_note="posting to the ledger")
    return approved


def _fresh(run):
    return CommissionRun.objects.select_related("lease").get(pk=run.pk)


def test_the_run_says_posting_with_the_heartbeat_then_stalled(killed_while_posting):
    run = _fresh(killed_while_posting)
    assert run_activity(run=run, now=T0 + datetime.timedelta(seconds=12)) == "posting, last heartbeat 12 s ago"
    assert run_activity(run=run, now=T0 + datetime.timedelta(minutes=5)) == (
        "stalled: no heartbeat for 5 min; it will be requeued"
    )


def test_a_stalled_post_is_requeued_and_posts_exactly_once(
    killed_while_posting, admin, django_capture_on_commit_callbacks
):
    run = killed_while_posting
    assert runs_requeue_stalled(now=T0 + datetime.timedelta(minutes=1)) == []  # still beating a minute ago

    later = T0 + datetime.timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=False) as sent:
        assert runs_requeue_stalled(now=later) == [run.pk]
    assert len(sent) == 1
    assert (
        run_activity(run=_fresh(run), now=later) == "stalled, requeued at 2026-02-03 10:05:00 UTC; waiting for a worker"
    )

    result = commission_run_post(run.pk, admin.pk)  # the requeued task, on a live worker
    assert result == {"run": run.pk, "status": RunStatus.POSTED, "ledger_lines": 5}
    run.refresh_from_db()
    assert (run.status, run.posted_by, run.progress_note) == (RunStatus.POSTED, admin, "posted")
    lease = RunLease.objects.get(run=run)
    assert (lease.owner, lease.attempt, lease.requested_by) == ("", 2, admin)
    assert run_activity(run=_fresh(run)) == ""

    # Redis redelivers the first message six hours later: refused, nothing posted twice.
    assert commission_run_post(run.pk, admin.pk)["refused"] == [
        f"The period starting {run.period.start} is already posted; it posts once."
    ]
    assert LedgerLine.objects.filter(run=run).count() == 5


def test_a_duplicate_message_while_a_live_worker_holds_the_run_does_nothing(
    approved, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        run_post_request(run=approved, by=admin)
    assert run_lease_take(run_id=approved.pk, owner="worker-1:4242", work="post")
    assert commission_run_post(approved.pk, admin.pk) == {"run": approved.pk, "busy": "another worker holds the run"}
    approved.refresh_from_db()
    assert approved.status == RunStatus.APPROVED
    assert LedgerLine.objects.count() == 0
    assert RunLease.objects.get(run=approved).owner == "worker-1:4242"


def test_the_api_shows_the_activity(killed_while_posting, alpha, admin):
    response = token_client(alpha, admin).get(f"/api/v1/commission-runs/{killed_while_posting.pk}/")
    body = response.json()
    assert body["activity"].startswith("stalled: no heartbeat for ")
    assert (body["attempt"], body["heartbeat_at"]) == (1, "2026-02-03T10:00:00Z")


def test_the_run_page_shows_the_activity(killed_while_posting, alpha):
    from frontend.tests.conftest import signed_in

    page = signed_in(alpha, alpha.admin_email).get(f"/console/commissions/runs/{killed_while_posting.pk}/")
    assert page.status_code == 200
    assert b'<p data-testid="run-activity">stalled: no heartbeat for ' in page.content


def test_the_heartbeat_beats_on_its_own_connection_while_the_worker_is_busy(monkeypatch):
    """Committed for real (a throwaway company): the worker's connection sits in a transaction that has locked the
    run row, as a post does, and the heartbeat still advances from the other connection."""
    import threading
    import time

    from django.db import transaction

    from plans import leases
    from tests.committed import in_own_connection, throwaway_company

    monkeypatch.setattr(leases, "HEARTBEAT_EVERY", datetime.timedelta(seconds=0.2))
    with throwaway_company() as schema:
        run_id = in_own_connection(schema, lambda: CommissionRun.objects.create(plan_document={}, kind="preview").pk)
        beats: list = []
        inside = threading.Event()

        def work():
            with leases.run_leased(run_id=run_id, work="execute") as held, transaction.atomic():
                assert held
                CommissionRun.objects.select_for_update().get(pk=run_id)
                first = RunLease.objects.get(run_id=run_id).heartbeat_at
                inside.set()
                time.sleep(1.0)
                beats.extend([first, RunLease.objects.get(run_id=run_id).heartbeat_at])  # read committed

        in_own_connection(schema, work)
        lease = in_own_connection(schema, lambda: RunLease.objects.get(run_id=run_id))
        assert inside.is_set()
        assert (lease.owner, lease.attempt) == ("", 1)
        assert beats[1] > beats[0]  # beaten while the worker held its transaction
        assert lease.heartbeat_at >= beats[1]
