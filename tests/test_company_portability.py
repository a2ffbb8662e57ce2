"""Issue 17 item 5: a company travels as one archive (company_export) and comes back under a new subdomain
(company_import): every table's row count and the ledgers' checksums equal, the public rows follow with their keys
remapped, media files come along, its site and API answer, and a damaged archive imports nothing."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists
from rest_framework.test import APIClient

from billing.models import BillingAccount, PlanAssignment, PricePlan
from conftest import PASSWORD
from core.accounts.models import Role, User
from provider.portability import archive
from provider.portability.public_rows import COMPANY, PUBLIC_ROWS
from tenants.models import Company, CompanyEvent, Domain
from tests.committed import in_own_connection, throwaway_company

pytestmark = pytest.mark.django_db


def _fill(schema: str) -> None:
    """Committed data in every corner a move must keep: members in a tree, stock movements, ledger lines, an admin
    login, a media file, and the company's billing rows in the public schema."""
    from core.commerce.services.stock import stock_receive
    from plans.services import period_get_or_create, run_preview
    from plans.services_adjustments import ledger_adjust
    from plans.services_periods import period_close
    from plans.services_plan_versions import plan_version_activate, plan_version_create
    from plans.services_posting import run_approve, run_post
    from plans.tests.conftest import JAN, PLAN, buy, enroll
    from tests.factories.catalogue import KitFactory, ProductFactory, WarehouseFactory

    def work():
        admin = User.objects.get(role=Role.COMPANY_ADMIN)
        admin.set_password(PASSWORD)
        admin.save()
        jane = enroll(None, username="jane")
        joe = enroll(jane, username="joe")
        ann = enroll(joe, username="ann")
        warehouse = WarehouseFactory()
        product = ProductFactory(sku="SHAKE")
        stock_receive(product=product, warehouse=warehouse, quantity=40, by=admin)
        stock_receive(product=product, warehouse=warehouse, quantity=2, by=admin)
        ledger_adjust(member=jane, amount=Decimal("25.10"), reason="Bonus", by=admin)
        ledger_adjust(member=joe, amount=Decimal("-3.05"), reason="Correction", by=admin)
        # A posted period, after the adjustments: its lines are ledger lines read from the run's own rows
        # (plans.ledger_view), with the ledger's highest ids, none of them a row of its table.
        KitFactory()
        for member in (jane, joe, ann):
            buy(member)
        plan_version_activate(version=plan_version_create(document=PLAN, by=admin), effective_from=JAN, by=admin)
        january = period_get_or_create(day=JAN)
        run = run_preview(period=january, by=admin)
        run_approve(run=run, by=admin)
        period_close(period=january, by=admin)
        run_post(run=run, by=admin)
        media = Path(settings.MEDIA_ROOT) / schema / "avatars"
        media.mkdir(parents=True, exist_ok=True)
        (media / "jane.png").write_bytes(b"\x89PNG not really")
        jane.avatar = "avatars/jane.png"
        jane.save(update_fields=["avatar"])

    in_own_connection(schema, work)

    def billing():
        company = Company.objects.get(schema_name=schema)
        plan, _ = PricePlan.objects.get_or_create(code="portable", defaults={"name": "Portable"})
        company.price_plan = plan
        company.save(update_fields=["price_plan"])
        PlanAssignment.objects.create(company=company, plan=plan, effective_from=date(2026, 1, 1))
        BillingAccount.objects.create(company=company, stripe_customer_id="cus_portable")

    in_own_connection(get_public_schema_name(), billing)


def _posted_notices_sent(schema: str, *, timeout: float = 60) -> None:
    """The "commissions posted" e-mails go out from the worker after the post commits, one outbox row per payee:
    an export taken while the worker is between two payees holds a row fewer than the company a moment later, so
    the export waits until every payee of the posted period has their row, sent."""
    from plans.models import CommissionPeriod, LedgerLine, PeriodStatus, StatementNotice, StatementNoticeStatus

    def outbox() -> tuple[int, int]:
        period = CommissionPeriod.objects.get(status=PeriodStatus.POSTED)
        payees = LedgerLine.objects.filter(period=period, payee__isnull=False).exclude(payee__email="")
        settled = StatementNotice.objects.filter(period=period).exclude(status=StatementNoticeStatus.SENDING)
        return payees.values("payee_id").distinct().count(), settled.count()

    deadline = time.monotonic() + timeout
    while (counts := in_own_connection(schema, outbox))[0] != counts[1]:
        assert time.monotonic() < deadline, f"payees, notices settled: {counts}"
        time.sleep(0.2)


def _row_counts(schema: str) -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in archive.schema_tables(cursor, schema):
            if table in archive.SKIPPED_TABLES or table in archive.TARGET_OWNED_TABLES:
                continue
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def _checksum(schema: str, table: str) -> str:
    with connection.cursor() as cursor:
        return archive.table_checksum(cursor, schema, table, archive.table_columns(cursor, schema, table))


@pytest.fixture(scope="module")
def exported(django_db_setup, django_db_blocker, tmp_path_factory, celery_worker_process):
    """A committed throwaway company, exported once for the module; dropped after the module's tests (their
    transactions have rolled back by then, so nothing holds its tables). The worker sends the posted period's
    e-mails, whose outbox rows travel with the company."""
    with django_db_blocker.unblock():
        try:
            with throwaway_company() as schema:
                _fill(schema)
                _posted_notices_sent(schema)
                path = tmp_path_factory.mktemp("export") / "company.tar.gz"
                out = io.StringIO()
                call_command("company_export", schema, str(path), stdout=out)
                assert "Exported Race" in out.getvalue()
                yield schema, path
                shutil.rmtree(Path(settings.MEDIA_ROOT) / schema, ignore_errors=True)
        finally:
            in_own_connection(get_public_schema_name(), lambda: PricePlan.objects.filter(code="portable").delete())


def test_round_trip_under_a_new_subdomain(exported, django_capture_on_commit_callbacks):
    source, path = exported
    media_target = Path(settings.MEDIA_ROOT) / "moved_here"
    try:
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("company_import", str(path), "--subdomain", "moved-here", stdout=out)
        assert "Imported Race at moved-here.canopy.test" in out.getvalue()

        # Every table, every row; the ledgers byte for byte.
        assert _row_counts("moved_here") == _row_counts(source)
        assert _row_counts("moved_here")["plans_ledgerentry"] == 2
        # The whole ledger: the two adjustments and the posted run's three lines (ann's order: joe 10 %, jane 5 %;
        # joe's: jane 10 %).
        ledger = "SELECT id, payee_id, amount FROM {}.plans_ledgerline ORDER BY id"
        with connection.cursor() as cursor:
            cursor.execute(ledger.format(source))
            before = cursor.fetchall()
            cursor.execute(ledger.format("moved_here"))
            assert cursor.fetchall() == before and len(before) == 5
        assert _row_counts("moved_here")["commerce_stockmovement"] == 2
        for table in archive.CHECKSUM_TABLES:
            assert _checksum("moved_here", table) == _checksum(source, table)
        with tarfile.open(path) as tar:
            manifest = json.load(tar.extractfile("manifest.json"))
        assert manifest["ledger_checksum"] == _checksum("moved_here", "plans_ledgerline")
        assert (media_target / "avatars" / "jane.png").read_bytes() == b"\x89PNG not really"

        # The public rows, pointing at the new company; the copy does not share the original's Stripe customer.
        moved = Company.objects.get(schema_name="moved_here")
        assert moved.name == "Race" and moved.price_plan.code == "portable"
        assert list(Domain.objects.filter(tenant=moved).values_list("domain", "is_primary")) == [
            ("moved-here.canopy.test", True)
        ]
        assert [e.kind for e in CompanyEvent.objects.filter(company=moved)] == [CompanyEvent.Kind.ONBOARDED]
        assert PlanAssignment.objects.get(company=moved).effective_from == date(2026, 1, 1)
        assert BillingAccount.objects.get(company=moved).stripe_customer_id == ""
        assert BillingAccount.objects.get(company__schema_name=source).stripe_customer_id == "cus_portable"

        # Its site and API answer, with the same password, and new rows continue after the imported ids.
        assert APIClient().get("/", HTTP_HOST="moved-here.canopy.test").status_code == 200
        api = APIClient(HTTP_HOST="moved-here.canopy.test")
        admin_email = f"admin@{source}.test"
        token = api.post("/api/v1/auth/token/", {"email": admin_email, "password": PASSWORD}).json()["token"]
        members = api.get("/api/v1/members/", HTTP_AUTHORIZATION=f"Token {token}").json()
        assert sorted(m["username"] for m in members["results"]) == ["ann", "jane", "joe"]
        with schema_context("moved_here"):
            from core.members.models import Member
            from tests.factories.members import MemberFactory

            newest = MemberFactory(username="newbie", sponsor=Member.objects.get(username="ann"))
            assert newest.pk > Member.objects.exclude(pk=newest.pk).order_by("-pk").first().pk
            # A new ledger line's id follows every line of the ledger, the posted run's (not rows of its table) too.
            from plans.services_adjustments import ledger_adjust

            admin = User.objects.get(email=admin_email)
            line = ledger_adjust(member=newest, amount=Decimal("1.00"), reason="Welcome", by=admin)
            assert line.pk > max(pk for pk, _, _ in before)
    finally:
        shutil.rmtree(media_target, ignore_errors=True)


def test_a_damaged_archive_imports_nothing(exported, tmp_path):
    """A ledger row missing from the data: the counts disagree with the manifest and the transaction rolls back."""
    _source, path = exported
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(path) as tar, tarfile.open(damaged, "w:gz") as out:
        for member in tar.getmembers():
            data = tar.extractfile(member) if member.isfile() else None
            if member.name == "schema/plans_ledgerentry.copy":
                body = b"".join(data.readlines()[1:])
                member.size = len(body)
                data = io.BytesIO(body)
            out.addfile(member, data)
    with pytest.raises(CommandError) as caught:
        call_command("company_import", str(damaged), "--subdomain", "half-moved")
    assert "archive: plans_ledgerentry: 1 rows, the archive has 2" in str(caught.value)
    assert not Company.objects.filter(schema_name="half_moved").exists()
    assert not schema_exists("half_moved")
    assert not Domain.objects.filter(domain="half-moved.canopy.test").exists()


def test_a_taken_subdomain_or_another_key_is_refused(exported, settings):
    source, path = exported
    with pytest.raises(CommandError) as caught:
        call_command("company_import", str(path))  # its own subdomain: the original is still here
    assert f"subdomain: '{source}' is already taken." in str(caught.value)
    settings.FIELD_ENCRYPTION_KEY = "another-installation"
    with pytest.raises(CommandError) as caught:
        call_command("company_import", str(path), "--subdomain", "elsewhere")
    assert "FIELD_ENCRYPTION_KEY" in str(caught.value)


def test_every_public_model_pointing_at_a_company_travels():
    """A new public model with a foreign key to a company (or to one of its rows here) must join PUBLIC_ROWS."""
    listed = {rows.label for rows in PUBLIC_ROWS}
    public_apps = {app.split(".")[-1] for app in settings.SHARED_APPS} - {
        a.split(".")[-1] for a in settings.TENANT_APPS
    }
    missing = []
    for model in apps.get_models():
        if model._meta.app_label not in public_apps or model._meta.label in listed:
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is not None and field.related_model._meta.label in listed:
                missing.append(f"{model._meta.label}.{field.name}")
    assert missing == []
    assert COMPANY in listed
