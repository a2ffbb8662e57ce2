"""In Chromium: a distributor opens the earnings page, clicks the statement link of a posted period and gets the PDF
(application/pdf), whose total is the period's ledger total for them; the year-end summary downloads the same way.
The company is onboarded for this module and removed after it.

Hand-computed: root <- sally <- tom each buy one 100 CV kit in January 2026; the plan pays 10 % / 5 % unilevel as
"Team Bonus": tom's order pays sally 10.00 (level 1) and root 5.00, sally's pays root 10.00 -> sally 10.00.
"""

from __future__ import annotations

import datetime
import io
import time

import pytest
from django.db.models import Sum
from django_tenants.utils import schema_context
from playwright.sync_api import expect
from pypdf import PdfReader

from conftest import PASSWORD
from tenants.services import company_onboard
from tests.browser.test_web_browser import sign_in
from tests.committed import companies_drop
from tests.factories.catalogue import KitFactory
from tests.factories.members import MemberFactory
from tests.factories.orders import PaidOrderFactory

pytestmark = pytest.mark.browser

SUB = "webstatement"
PLAN = {
    "schema": 1,
    "name": "Statement plan",
    "active": {"min_pv": "100"},
    "ranks": [{"code": "bronze", "min_pv": "100"}],
    "components": [{"type": "unilevel", "code": "unilevel", "name": "Team Bonus", "rates": ["10", "5"]}],
}


def _enroll(sponsor, username: str):
    return MemberFactory(sponsor=sponsor, username=username, email=f"{username}@{SUB}.test",
                         first_name=username.title(), last_name="Statement",
                         joined_at=datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC))  # fmt: skip


def _setup() -> int:
    from core.accounts.models import User
    from plans.services import period_get_or_create, run_preview
    from plans.services_periods import period_close
    from plans.services_plan_versions import plan_version_activate, plan_version_create
    from plans.services_posting import run_approve, run_post

    company_onboard(
        name=SUB.title(), subdomain=SUB, admin_email=f"admin@{SUB}.test", admin_password=PASSWORD,
        send_invitation=False,
    )  # fmt: skip
    # The preview is calculated here, in this process (run_preview sends no task); posting queues the "commissions
    # posted" e-mail, which the session's real worker sends (see _notices_sent).
    with schema_context(SUB):
        admin = User.objects.get(email=f"admin@{SUB}.test")
        root = _enroll(None, "sroot")
        sally = _enroll(root, "ssally")
        tom = _enroll(sally, "stom")
        KitFactory()
        for member in (root, sally, tom):
            PaidOrderFactory(buyer_member=member, lines=[("KIT", 1)],
                             paid_at=datetime.datetime(2026, 1, 10, 12, tzinfo=datetime.UTC))  # fmt: skip
        january = period_get_or_create(day=datetime.date(2026, 1, 1))
        version = plan_version_create(document=PLAN, by=admin)
        plan_version_activate(version=version, effective_from=datetime.date(2026, 1, 1), by=admin)
        run = run_approve(run=run_preview(period=january, by=admin), by=admin)
        period_close(period=january, by=admin)
        run_post(run=run, by=admin)
        return january.pk


def _notices_sent(period_id: int) -> list[tuple[str, str]]:
    from plans.models import StatementNotice

    with schema_context(SUB):
        rows = StatementNotice.objects.filter(period_id=period_id).order_by("member__username")
        return list(rows.values_list("member__username", "status"))


def _teardown():
    companies_drop(SUB)


@pytest.fixture(scope="module")
def posted_period(committed, live_server_process, celery_worker_process):
    committed(_teardown)
    period = committed(_setup)
    # The worker e-mails both payees (root and sally; tom earned nothing) before the company may be dropped.
    deadline = time.monotonic() + 60
    while committed(lambda: _notices_sent(period)) != [("sroot", "sent"), ("ssally", "sent")]:
        assert time.monotonic() < deadline, committed(lambda: _notices_sent(period))
        time.sleep(0.5)
    yield period
    committed(_teardown)


def _ledger_total(period_id: int) -> str:
    from plans.models import LedgerLine

    with schema_context(SUB):
        total = LedgerLine.objects.filter(period_id=period_id, payee__username="ssally").aggregate(t=Sum("amount"))
    return f"{total['t']:.2f} USD"


def _pdf_after(pdf: bytes, label: str) -> str:
    lines = [x.strip() for p in PdfReader(io.BytesIO(pdf)).pages for x in p.extract_text().splitlines() if x.strip()]
    return lines[lines.index(label) + 1]


@pytest.mark.parametrize("viewport", [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_distributor_downloads_the_statement_from_the_earnings_page(
    posted_period, committed, browser, url, screenshot, viewport, tmp_path
):
    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, url, SUB, f"ssally@{SUB}.test", "/office/")
    page.goto(url(SUB, "/office/earnings/"))
    link = page.get_by_test_id(f"statement-{posted_period}")
    expect(link).to_have_text("Statement Jan 1, 2026 (PDF)")
    screenshot(page, f"office-earnings-statement-link-{width}")

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.startswith("statement-") and download.suggested_filename.endswith(".pdf")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF-")
    expected = committed(lambda: _ledger_total(posted_period))
    assert expected == "10.00 USD"
    assert _pdf_after(pdf, "Total for the period") == expected

    fetched = page.evaluate(  # the same link fetched by the page, for its headers
        "async (href) => { const r = await fetch(href); return [r.status, r.headers.get('content-type')]; }",
        link.get_attribute("href"),
    )
    assert fetched == [200, "application/pdf"]

    with page.expect_download() as year_info:
        page.get_by_test_id("year-summary-2026").click()
    year_path = tmp_path / "year.pdf"
    year_info.value.save_as(year_path)
    assert _pdf_after(year_path.read_bytes(), "Total earnings 2026") == "10.00 USD"
    context.close()
