"""The provider console's billing: revenue and usage per month across companies, every company's invoices, and
closing a month from the page (confirmation showing what will be billed, then progress) — provider staff only."""

import datetime
from typing import NamedTuple

import pytest
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from billing.models import Invoice, InvoiceStatus, UsageRecord
from billing.selectors import month_before, month_start
from billing.services import billing_payment_method_set, month_close
from billing.tests.factories import (
    GOOD_CARD,
    assign,
    card_payment_method,
    company,
    distributors_logged_in,
    invoice_row,
    plan_create,
)
from conftest import PASSWORD
from core.accounts.models import Role
from core.accounts.services import user_create
from tests.helpers import totp_code

pytestmark = pytest.mark.django_db


class Months(NamedTuple):
    this: datetime.date
    last: datetime.date
    before: datetime.date


@pytest.fixture
def months() -> Months:
    """Taken when the test starts, not when the file is collected: a run that crosses midnight into a new month
    would otherwise ask for a month the page no longer treats as last month."""
    this = month_start(timezone.localdate())
    return Months(this, month_before(this), month_before(month_before(this)))


def _at(month: datetime.date, day: int) -> datetime.datetime:
    return datetime.datetime.combine(month.replace(day=day), datetime.time(12), tzinfo=datetime.UTC)


@pytest.fixture
def staff_client(provider_client, provider_staff):
    provider_client.post("/accounts/login/", {"login": provider_staff.email, "password": PASSWORD})
    provider_client.post("/accounts/2fa/authenticate/", {"code": totp_code(provider_staff)})
    return provider_client


@pytest.fixture
def plans(alpha, beta):
    standard = plan_create(code="standard", monthly_hosting_fee="200", fee_per_active_member="0.5000",
                           fee_per_transaction="0.0025")  # fmt: skip
    small = plan_create(code="small", currency="EUR", monthly_hosting_fee="49", minimum_monthly_charge="100")
    assign("alpha", standard, datetime.date(2020, 1, 1))
    assign("beta", small, datetime.date(2020, 1, 1))
    return standard, small


def test_overview_shows_revenue_usage_and_every_companys_invoices_with_their_state(months, staff_client, plans):
    standard, small = plans
    invoice_row("alpha", standard, months.before, "201.25")
    invoice_row("alpha", standard, months.last, "210.00", status=InvoiceStatus.PAYMENT_FAILED)
    invoice_row("beta", small, months.last, "100.00")

    page = staff_client.get("/billing/")

    assert page.status_code == 200
    last = next(m for m in page.context["figures"] if m.month == months.last)
    assert last.money_rows == [("EUR", 100, 100), ("USD", 210, 0)]
    assert (last.invoices, last.companies) == (2, 2)
    usd_chart = next(c for c in page.context["revenue_charts"] if c["currency"] == "USD")
    assert usd_chart["rows"][-2:] == [
        {"label": f"{months.last:%Y-%m}", "values": ["210.00", "0.00"]},
        {"label": f"{months.this:%Y-%m}", "values": ["0.00", "0.00"]},
    ]
    assert [(i.number, i.status) for i in page.context["page_obj"]] == [
        (f"ALPHA-{months.last:%Y-%m}", "payment_failed"),
        (f"BETA-{months.last:%Y-%m}", "paid"),
        (f"ALPHA-{months.before:%Y-%m}", "paid"),
    ]
    html = page.content.decode()
    assert "$210.00" in html and "€100.00" in html and "$201.25" in html
    assert " USD<" not in html  # amounts are "$210.00", never "210.00 USD"

    failed = staff_client.get("/billing/?status=payment_failed")
    assert [i.number for i in failed.context["page_obj"]] == [f"ALPHA-{months.last:%Y-%m}"]
    assert staff_client.get("/billing/?status=bogus").context["status"] == ""


def test_confirmation_shows_what_closing_will_bill_then_queues_the_close(
    months, staff_client, plans, django_capture_on_commit_callbacks
):
    standard, _ = plans
    distributors_logged_in("alpha", _at(months.last, 2), _at(months.last, 3), _at(months.this, 1))
    invoice_row("beta", plans[1], months.last, "100.00")  # already invoiced: not billed again

    page = staff_client.get(f"/billing/close/?month={months.last.isoformat()}")

    assert page.status_code == 200
    rows = {row.company.schema_name: row for row in page.context["preview"].rows}
    assert (rows["alpha"].state, rows["alpha"].active_members, str(rows["alpha"].total)) == ("will_bill", 2, "201.00")
    assert [(line.kind, str(line.amount)) for line in rows["alpha"].lines] == [
        ("hosting", "200.00"),
        ("members", "1.00"),
    ]
    assert (rows["beta"].state, rows["beta"].invoice.number) == ("invoiced", f"BETA-{months.last:%Y-%m}")
    assert page.context["preview"].totals == {"USD": 201}
    html = page.content.decode()
    assert "$201.00" in html and "This invoices and charges 1 company for" in html
    assert "Already invoiced" in html

    assert page.context["preview"].signature == "1:USD 201.00"
    stale = staff_client.post("/billing/close/", {"month": months.last.isoformat(), "expected": "1:USD 150.00"})
    assert stale.status_code == 409  # the page showed another amount: nothing is queued, the preview is shown again
    assert stale.context["form"].non_field_errors() == [
        "What closing the month bills has changed since you looked: check it and confirm again."
    ]
    assert "$201.00" in stale.content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post("/billing/close/", {"month": months.last.isoformat(), "expected": "1:USD 201.00"})
    assert response.status_code == 302
    assert response["Location"] == f"/billing/close/{months.last:%Y-%m}/"
    assert len(callbacks) == 1  # the close is queued for the workers once the request commits


@pytest.mark.parametrize(
    "month",
    [pytest.param("running-month", id="running-month"), pytest.param("2026-13-01", id="no-such-month"),
     pytest.param("x" * 500, id="long-text"), pytest.param("2026-10-01\x00", id="nul-byte")],
)  # fmt: skip
def test_a_month_that_cannot_be_closed_is_refused_at_the_field(staff_client, plans, months, month):
    month = months.this.isoformat() if month == "running-month" else month
    response = staff_client.post("/billing/close/", {"month": month})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["month"]
    assert not UsageRecord.objects.exists()


def test_progress_lists_the_months_invoices_and_stops_polling_when_done(months, staff_client, plans, stripe_emulator):
    distributors_logged_in("alpha", _at(months.last, 2))
    billing_payment_method_set(company=company("alpha"), payment_method_id=card_payment_method(GOOD_CARD))

    before = staff_client.get(f"/billing/close/{months.last:%Y-%m}/", HTTP_HX_REQUEST="true")
    assert before.templates[0].name == "provider/_month_close_progress.html"
    assert (before.context["progress"].closed, before.context["progress"].companies) == (0, 2)
    assert 'hx-trigger="every 1s"' in before.content.decode()

    month_close(month=months.last)  # what the workers do

    after = staff_client.get(f"/billing/close/{months.last:%Y-%m}/")
    progress = after.context["progress"]
    assert (progress.closed, progress.done, progress.percent) == (2, True, 100)
    assert [(i.number, str(i.total), i.status) for i in progress.invoices] == [
        (f"ALPHA-{months.last:%Y-%m}", "200.50", "paid"),
        (f"BETA-{months.last:%Y-%m}", "100.00", "payment_failed"),  # no card on file: dunning retries it
    ]
    html = after.content.decode()
    assert "hx-trigger" not in html
    assert "$200.50" in html and "€100.00" in html and "Payment failed: This customer has no payment method" in html


def test_health_shows_workers_and_queue_beside_database_and_broker(staff_client, settings):
    # Without a broker, tasks run in-process: no worker to ping, no queue. (A real worker answering its ping and the
    # queue's depth read from Redis are checked in tests/browser/test_provider_billing_browser.py.)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    page = staff_client.get("/health/")
    checks = page.context["checks"]
    assert (checks["workers"], checks["worker_names"], checks["queue_depth"]) == ("ok (tasks run in-process)", [], {})
    html = page.content.decode()
    assert '<dd data-testid="queue">No queue: tasks run in-process.</dd>' in html


def test_queue_depth_counts_the_tasks_waiting_in_redis(staff_client, settings):
    from config.celery import app

    settings.CANOPY_QUEUES = ["canopy-health-test-queue"]
    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        client.delete("canopy-health-test-queue")
        client.rpush("canopy-health-test-queue", "one", "two", "three")
        try:
            page = staff_client.get("/health/")
        finally:
            client.delete("canopy-health-test-queue")
    assert page.context["checks"]["queue_depth"] == {"canopy-health-test-queue": 3}
    assert '<dd data-testid="queue">3 tasks waiting in canopy-health-test-queue</dd>' in page.content.decode()


@pytest.mark.parametrize("path", ["/billing/", "/billing/close/", "/billing/close/{last_month}/"])
def test_billing_pages_are_for_provider_staff_only(provider_client, months, path):
    path = path.format(last_month=f"{months.last:%Y-%m}")
    assert provider_client.get(path)["Location"].startswith("/accounts/login/")
    with schema_context(get_public_schema_name()):
        user_create(email="someone@public.test", role=Role.COMPANY_ADMIN, password=PASSWORD)
    provider_client.post("/accounts/login/", {"login": "someone@public.test", "password": PASSWORD})
    assert provider_client.get(path).status_code == 403
    assert provider_client.post("/billing/close/", {"month": months.last.isoformat()}).status_code == 403
    assert not Invoice.objects.exists()
