"""Leases and heartbeats for long commission runs (calculating a preview, posting to the ledger).

A worker killed mid-run used to leave the run saying "posting to the ledger" until Redis redelivered the message
after its visibility timeout (6 hours). Now:

* the worker takes the run's lease before working (``run_leased``): one UPDATE that succeeds only if nobody holds
  it, or the holder's heartbeat is older than ``STALE_AFTER`` — a redelivered message for a run a live worker is on
  does nothing;
* while it works, a thread with its own database connection writes a heartbeat every ``HEARTBEAT_EVERY``;
* a beat job (``runs_requeue_stalled``, every minute in each company) sends the task again for a run whose holder
  stopped beating, or whose task was never picked up. Posting stays exactly once: ``run_post`` locks the period and
  run and refuses a run already posted, and the killed worker's transaction rolled back with it.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import socket
import threading
from collections.abc import Iterator

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from config.tenancy import current_schema
from plans.models import CommissionRun, RunLease, RunStatus, RunWork

HEARTBEAT_EVERY = datetime.timedelta(seconds=10)
STALE_AFTER = datetime.timedelta(minutes=2)  # twelve missed heartbeats
NEVER_PICKED_UP_AFTER = datetime.timedelta(minutes=30)  # a busy queue may keep a task waiting a while
POSTING_NOTES = ("queued for posting", "posting to the ledger")


def lease_queued(*, run_id: int, work: str, by_id: int | None = None) -> None:
    """Note that the task for ``work`` was sent (called with the send, in the same transaction). Attempts count
    afresh when the work changes (a post after its preview); a requeue of the same work keeps counting."""
    fields = {"work": work, "queued_at": timezone.now(), "requested_by_id": by_id}
    lease, created = RunLease.objects.get_or_create(run_id=run_id, defaults=fields)
    if not created:
        RunLease.objects.filter(pk=lease.pk).update(**fields, **({"attempt": 0} if lease.work != work else {}))


def run_lease_take(*, run_id: int, owner: str, work: str, now: datetime.datetime | None = None) -> bool:
    """Take the run for ``owner`` unless a live worker holds it. One statement, so two workers cannot both win."""
    now = now or timezone.now()
    RunLease.objects.get_or_create(run_id=run_id, defaults={"work": work, "queued_at": now})
    taken = (
        RunLease.objects.filter(run_id=run_id)
        .filter(Q(owner="") | Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - STALE_AFTER))
        .update(owner=owner, work=work, heartbeat_at=now, attempt=F("attempt") + 1)
    )
    return taken == 1


def run_lease_release(*, run_id: int, owner: str) -> None:
    RunLease.objects.filter(run_id=run_id, owner=owner).update(owner="", heartbeat_at=timezone.now())


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


class _Heartbeat(threading.Thread):
    """Beats on its own connection: the worker's connection may be inside a long transaction."""

    def __init__(self, *, schema: str, run_id: int, owner: str) -> None:
        super().__init__(daemon=True, name=f"run-{run_id}-heartbeat")
        self.schema, self.run_id, self.owner = schema, run_id, owner
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            with schema_context(self.schema):
                while not self.stopped.wait(HEARTBEAT_EVERY.total_seconds()):
                    RunLease.objects.filter(run_id=self.run_id, owner=self.owner).update(heartbeat_at=timezone.now())
        finally:
            connection.close()


@contextlib.contextmanager
def run_leased(*, run_id: int, work: str) -> Iterator[bool]:
    """Hold the run's lease and beat while the body runs; yields False (do nothing) if a live worker holds it."""
    owner = worker_name()
    with transaction.atomic():
        taken = run_lease_take(run_id=run_id, owner=owner, work=work)
    if not taken:
        yield False
        return
    heartbeat = _Heartbeat(schema=current_schema(), run_id=run_id, owner=owner)
    heartbeat.start()
    try:
        yield True
    finally:
        heartbeat.stopped.set()
        heartbeat.join()
        run_lease_release(run_id=run_id, owner=owner)


def runs_working(runs):
    """Runs a worker should be on: queued or calculating, or approved with a post under way."""
    return runs.filter(
        Q(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
        | Q(status=RunStatus.APPROVED, progress_note__in=POSTING_NOTES)
    )


def lease_stalled(lease: RunLease | None, now: datetime.datetime) -> bool:
    if lease is None:
        return False  # sent before leases existed: Redis redelivers it
    if lease.owner:
        return lease.heartbeat_at is None or lease.heartbeat_at < now - STALE_AFTER
    return lease.queued_at < now - NEVER_PICKED_UP_AFTER


def run_activity(*, run: CommissionRun, now: datetime.datetime | None = None) -> str:
    """What is happening to a run, in words, for its page and API: "posting, last heartbeat 12 s ago".
    Reads the run as given and its lease (select_related("lease") makes a list of runs one query)."""
    now = now or timezone.now()
    working = run.status in (RunStatus.QUEUED, RunStatus.RUNNING) or (
        run.status == RunStatus.APPROVED and run.progress_note in POSTING_NOTES
    )
    if not working:
        return ""
    try:
        lease = run.lease
    except RunLease.DoesNotExist:
        return _("waiting for a worker")
    doing = _("posting") if lease.work == RunWork.POST else _("calculating")
    if lease.owner and lease.heartbeat_at and lease.heartbeat_at >= now - STALE_AFTER:
        seconds = int((now - lease.heartbeat_at).total_seconds())
        text = _("%(doing)s, last heartbeat %(seconds)d s ago") % {"doing": doing, "seconds": seconds}
        return text + (_(" (attempt %(attempt)d)") % {"attempt": lease.attempt} if lease.attempt > 1 else "")
    if lease.owner:
        minutes = int((now - (lease.heartbeat_at or lease.queued_at)).total_seconds() // 60)
        return _("stalled: no heartbeat for %(minutes)d min; it will be requeued") % {"minutes": minutes}
    if lease.requeued_at:
        return _("stalled, requeued at %(time)s UTC; waiting for a worker") % {
            "time": lease.requeued_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
        }
    return _("waiting for a worker")
