"""Reports and exports read from a PostgreSQL standby when one is configured (DATABASE_REPLICA_URL), so long reads
never compete with the primary's writes. Off by default: without a `replica` database every read stays on `default`.

A selector opts in with @reads_from_replica. What it returns decides how:
- a QuerySet is bound to the replica (`.using`), so it reads there whenever it is evaluated;
- a generator (streamed CSV exports) reads from the replica during each step of its iteration;
- any other value (a dict of totals) was computed while ReplicaRouter sent reads to the replica.
Writes always go to `default`, and so does everything outside a marked selector. The replica connection is put on the
same company schema as the default connection before each use. A standby lags its primary by its replication delay
(usually well under a second): fine for reports and exports, never used for what a user just wrote.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, connections
from django.db.models import QuerySet

REPLICA = "replica"
_reading_replica: ContextVar[bool] = ContextVar("reading_replica", default=False)
F = TypeVar("F", bound=Callable[..., Any])


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_alias() -> str:
    """The alias a report or export reads from: `replica` on the tenant's schema when configured, else `default`."""
    if not replica_configured():
        return "default"
    replica = connections[REPLICA]
    schema = getattr(connection, "schema_name", "public")
    if getattr(replica, "schema_name", None) != schema:
        replica.set_schema(schema)  # type: ignore[attr-defined]  # django_tenants.postgresql_backend
    return REPLICA


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def _stepwise(generator: Iterator[Any]) -> Iterator[Any]:
    while True:
        with replica_reads():
            try:
                item = next(generator)
            except StopIteration:
                return
        yield item


def reads_from_replica(function: F) -> F:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with replica_reads():
            result = function(*args, **kwargs)
        if isinstance(result, QuerySet):
            return result.using(replica_alias())
        if hasattr(result, "__next__") and hasattr(result, "send"):  # a generator: read during each step
            return _stepwise(result)
        return result

    return wrapper  # type: ignore[return-value]


class ReplicaRouter:
    """Reads inside a marked selector go to the replica; everything else is left to the next router (None)."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if _reading_replica.get() and replica_configured():
            return replica_alias()
        return None

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica is a copy of default: its rows relate to default's

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None
