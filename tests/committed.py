"""Helpers for tests that need work committed for real: races between two database connections.

Ordinary tests run inside one rolled-back transaction, which another connection cannot see. A race test instead runs
each side in its own thread (Django gives every thread its own connection), usually in a throwaway company that is
onboarded for the test and dropped afterwards, so nothing it commits reaches other tests."""

from __future__ import annotations

import contextlib
import itertools
import threading
import uuid
from collections.abc import Callable, Iterator

from django.db import connection, connections
from django_tenants.utils import get_public_schema_name, schema_context

_suffix = itertools.count(1)


def in_own_connection(schema: str, work: Callable[[], object], *, timeout: float = 120) -> object:
    """Run ``work`` in ``schema`` on a new thread (its own connection, committed for real); return its result or
    raise its exception."""
    return run_concurrently(schema, work, timeout=timeout, together=False)[0].result()


class Outcome:
    def __init__(self) -> None:
        self.value: object = None
        self.error: BaseException | None = None

    def result(self) -> object:
        if self.error is not None:
            raise self.error
        return self.value


def run_concurrently(
    schema: str, *works: Callable[[], object], timeout: float = 120, together: bool = True
) -> list[Outcome]:
    """Run each of ``works`` on its own thread and connection in ``schema``, released at the same moment by a
    barrier (``together``); returns one Outcome per work, in order."""
    barrier = threading.Barrier(len(works))
    outcomes = [Outcome() for _ in works]

    def run(work, outcome: Outcome) -> None:
        try:
            with schema_context(schema):
                if together:
                    barrier.wait(timeout)
                outcome.value = work()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome.error = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(w, o)) for w, o in zip(works, outcomes, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "a concurrent step did not finish in time"
    return outcomes


@contextlib.contextmanager
def throwaway_company() -> Iterator[str]:
    """Onboard a company whose writes are committed for real; yield its schema; drop it and its public rows after."""
    from tenants.services import company_onboard

    subdomain = f"race{uuid.uuid4().hex[:8]}{next(_suffix)}"

    def onboard():
        return company_onboard(
            name="Race", subdomain=subdomain, admin_email=f"admin@{subdomain}.test", send_invitation=False
        ).company.schema_name

    schema = in_own_connection(get_public_schema_name(), onboard)
    try:
        yield schema
    finally:
        in_own_connection(get_public_schema_name(), lambda: companies_drop(schema))


def companies_drop(*schemas: str) -> None:
    """Drop these companies where they exist: their schemas, and their public rows with every row pointing at them.
    The clean-up of a throwaway company, and of the companies a browser test module onboards (before it too: a crashed
    earlier run may have left them)."""
    from tenants.models import Company

    with schema_context(get_public_schema_name()):
        for company in Company.objects.filter(schema_name__in=schemas):
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{company.schema_name}" CASCADE')
            _delete_with_dependents(Company.objects.filter(pk=company.pk))


def _delete_with_dependents(queryset) -> None:
    """Delete rows and, first, every row that points at them (test clean-up only: PROTECT is deliberate elsewhere)."""
    for relation in queryset.model._meta.related_objects:
        related = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": queryset})
        if related.exists():
            _delete_with_dependents(related)
    queryset.delete()
