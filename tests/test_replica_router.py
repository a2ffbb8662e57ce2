"""Reports and exports read from the `replica` database when one is configured (config.replica), everything else
from `default`. The "replica" here is a second connection to the test database: it sees only committed rows, like a
standby, so a row written inside the test's transaction shows which connection a read used."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test.testcases import _DatabaseFailure
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from config.replica import REPLICA, ReplicaRouter, reads_from_replica, replica_alias, replica_reads
from core.commerce.selectors.reports import sales_totals
from core.members.importing.export import members_export_rows
from core.members.models import Member
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def replica(monkeypatch):
    alias = {**connections.settings["default"], "TEST": {"MIRROR": "default"}}
    # settings.DATABASES first: connections.settings is the same dict, and monkeypatch must see the key as new so
    # that undoing it removes the alias (it would otherwise put it back for every later test).
    monkeypatch.setitem(settings.DATABASES, REPLICA, alias)
    connections.settings[REPLICA] = alias
    yield
    _allow_replica()
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


def _allow_replica() -> None:
    """The test case forbids aliases it was not told about; this alias is the test's own (added by the fixture)."""
    replica = connections[REPLICA]
    for name in ("connect", "temporary_connection", "cursor", "chunked_cursor"):
        method = getattr(replica, name, None)
        if isinstance(method, _DatabaseFailure):
            setattr(replica, name, method.wrapped)
    if replica.connection is None:
        replica.connect()


def test_without_a_replica_everything_reads_default():
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(Member) is None
    assert replica_alias() == "default"
    assert router.db_for_write(Member) == "default"


def test_exports_and_reports_read_the_replica_on_the_company_schema(alpha, replica):
    _allow_replica()
    with schema_context(alpha.schema):
        MemberFactory(username="uncommitted")  # visible to default only, until the test's transaction commits
        assert Member.objects.filter(username="uncommitted").exists()
        usernames = [row[1] for row in members_export_rows()][1:]
        assert "uncommitted" not in usernames
        assert connections[REPLICA].schema_name == alpha.schema
        # A totals dict is computed on the replica (it answers for the same company's schema, without the new row).
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            totals = sales_totals(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31))
        assert (totals["orders"], totals["net_sales"]) == (0, Decimal("0.00"))
        assert any("commerce_order" in q["sql"] for q in on_replica.captured_queries)
        # Outside a marked selector reads stay on default, and writes always do.
        assert ReplicaRouter().db_for_read(Member) is None
        assert ReplicaRouter().db_for_write(Member) == "default"
        assert connection.schema_name == alpha.schema


def test_a_queryset_from_a_marked_selector_is_bound_to_the_replica(alpha, replica):
    @reads_from_replica
    def every_member():
        return Member.objects.all()

    _allow_replica()
    with schema_context(alpha.schema):
        MemberFactory(username="fresh")
        queryset = every_member()
        assert queryset.db == REPLICA
        assert "fresh" not in set(queryset.values_list("username", flat=True))
