"""In Chromium: provider staff close a month from the provider console — pick the month, see what will be billed
(company, amount with its currency), confirm, watch the progress while a real Celery worker runs the close against the
Stripe emulator, and find the invoice listed as paid. The company console's navigation folds behind a menu button on
a phone. Both consoles at 1366x900 and 390x844: no sideways scrolling, axe-core finds nothing serious or critical.

Hand-computed: Webbill is on a plan of 150.00 USD hosting a month and nothing else, so closing any month it was on the
plan for bills it 150.00 USD (shown "$150.00")."""

from __future__ import annotations

import datetime
import time
from decimal import Decimal
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context
from playwright.sync_api import expect

from billing.models import Invoice, InvoiceLine, PlanAssignment, PricePlan, StripeEvent, UsageRecord
from billing.reports import finished_months
from billing.services import billing_payment_method_set
from billing.tests.factories import GOOD_CARD, card_payment_method
from conftest import PASSWORD
from core.accounts.models import Role
from core.accounts.services import user_create
from tenants.models import Company
from tenants.services import company_onboard
from tests.browser.test_web_browser import sign_in
from tests.committed import companies_drop
from tests.helpers import two_factor_activate

pytestmark = pytest.mark.browser

SUB = "webbill"
STAFF = "billing-ops@provider.test"
PLAN = "browser-billing"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def _setup(month: datetime.date) -> str:
    company_onboard(
        name=SUB.title(), subdomain=SUB, admin_email=f"admin@{SUB}.test", admin_password=PASSWORD,
        send_invitation=False,
    )  # fmt: skip
    with schema_context(get_public_schema_name()):
        company = Company.objects.get(schema_name=SUB)
        plan = PricePlan.objects.create(code=PLAN, name="Browser billing", monthly_hosting_fee=Decimal("150.00"))
        PlanAssignment.objects.create(company=company, plan=plan, effective_from=month.replace(year=month.year - 1))
        billing_payment_method_set(company=company, payment_method_id=card_payment_method(GOOD_CARD))
        staff = user_create(email=STAFF, role=Role.PROVIDER_STAFF, password=PASSWORD, is_staff=True)
        return two_factor_activate(staff)


def _teardown(month: datetime.date) -> None:
    with schema_context(get_public_schema_name()):
        invoices = Invoice.objects.filter(month=month)
        StripeEvent.objects.filter(invoice__in=invoices).delete()
        InvoiceLine.objects.filter(invoice__in=invoices).delete()
        invoices.delete()
        UsageRecord.objects.filter(month=month).delete()  # the close froze every company's month
        companies_drop(SUB)
        PricePlan.objects.filter(code=PLAN).delete()
        with connection.cursor() as cursor:  # raw: the ORM's cascade would look for company tables
            for table in ("account_emailaddress", "mfa_authenticator"):
                cursor.execute(
                    f"DELETE FROM {table} WHERE user_id IN (SELECT id FROM accounts_user WHERE email = %s)", [STAFF]
                )
            cursor.execute("DELETE FROM accounts_user WHERE email = %s", [STAFF])


@pytest.fixture(scope="module")
def month() -> datetime.date:
    """The oldest month the page offers (no other test bills it), taken when the tests start rather than when the
    file is collected: a run that crosses midnight at a month's end offers other months."""
    return finished_months()[-1]


@pytest.fixture(scope="module")
def billing_company(month, committed, live_server_process, stripe_emulator, celery_worker_process):
    committed(lambda: _teardown(month))
    secret = committed(lambda: _setup(month))
    yield secret
    committed(lambda: _teardown(month))


def _fits_and_axe_clean(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]  # fmt: skip
    assert serious == []


def test_provider_closes_a_month_from_the_page_and_sees_the_invoice(billing_company, month, browser, url, screenshot):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, url, None, STAFF, "/accounts/2fa/authenticate/")
    page.get_by_label("Code").fill(format_hotp_value(hotp_value(billing_company, int(time.time()) // 30)))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda u: "/accounts/" not in u)

    page.goto(url(None, "/billing/"))
    page.wait_for_function("!!window.Chart && document.querySelectorAll('canvas[data-chart]').length >= 1")
    screenshot(page, "provider-billing-1366x900")
    _fits_and_axe_clean(page)

    page.get_by_role("link", name="Close a month…").click()
    page.get_by_label("Month to close").select_option(month.isoformat())
    page.get_by_role("button", name="Show what will be billed").click()
    row = page.get_by_test_id("close-preview").get_by_role("row").filter(has_text="Webbill")
    cells = row.locator("th, td").all_inner_texts()
    assert cells == ["Webbill", "Browser billing", "0", "0", "Hosting: $150.00", "$150.00", "Invoiced and charged"]
    expect(page.get_by_test_id("close-total-USD")).to_have_text("$150.00")
    screenshot(page, "provider-month-close-confirm-1366x900")
    _fits_and_axe_clean(page)

    page.get_by_role("button", name=f"Close {month:%B %Y}").click()
    page.wait_for_url(f"**/billing/close/{month:%Y-%m}/")
    expect(page.get_by_test_id("close-status")).to_contain_text(f"{month:%B %Y} is closed for all", timeout=60_000)
    invoice = page.get_by_test_id("close-invoices").get_by_role("row").filter(has_text="Webbill")
    assert invoice.locator("td").all_inner_texts() == [f"WEBBILL-{month:%Y-%m}", "Webbill", "$150.00", "Paid"]
    screenshot(page, "provider-month-close-done-1366x900")
    _fits_and_axe_clean(page)

    # The same month again: already invoiced, nothing new to bill.
    page.goto(url(None, f"/billing/close/?month={month.isoformat()}"))
    expect(page.get_by_test_id("close-total")).to_have_text("—")
    page.goto(url(None, "/health/"))
    expect(page.get_by_test_id("workers")).to_contain_text(f"test-{settings.TEST_RUN_ID}@localhost")
    expect(page.get_by_test_id("queue")).to_contain_text(f"waiting in canopy-test-{settings.TEST_RUN_ID}")
    screenshot(page, "provider-health-1366x900")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, storage_state=context.storage_state(),
                                bypass_csp=True)  # fmt: skip
    page = phone.new_page()
    for path, name in (
        ("/billing/", "provider-billing"),
        (f"/billing/close/{month:%Y-%m}/", "provider-month-close-done"),
    ):
        page.goto(url(None, path))
        expect(page.get_by_role("button", name="Menu")).to_be_visible()
        screenshot(page, f"{name}-390x844")
        _fits_and_axe_clean(page)
    phone.close()
    context.close()


@pytest.mark.parametrize("width,height", [(390, 844), (1366, 900)], ids=["phone", "desktop"])
def test_console_navigation_is_a_menu_button_on_a_phone(billing_company, browser, url, screenshot, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, url, SUB, f"admin@{SUB}.test", "/console/")
    menu = page.get_by_role("button", name="Menu")
    links = page.locator("#console-nav-links a")
    if width > 800:
        expect(menu).to_be_hidden()
        expect(links.first).to_be_visible()
        _fits_and_axe_clean(page)
        context.close()
        return
    expect(menu).to_be_visible()
    expect(links.first).to_be_hidden()
    assert menu.bounding_box()["height"] >= 44 and menu.bounding_box()["width"] >= 44
    main_top = page.locator("main").bounding_box()["y"]
    assert main_top < 200  # the content starts right under the button, not below the whole navigation
    screenshot(page, "console-menu-closed-390x844")
    _fits_and_axe_clean(page)
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(links.first).to_be_visible()
    heights = [box["height"] for box in (links.nth(i).bounding_box() for i in range(links.count()))]
    assert min(heights) >= 44, heights
    screenshot(page, "console-menu-open-390x844")
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    page.goto(url(SUB, "/console/billing/"))
    screenshot(page, "console-billing-390x844")
    _fits_and_axe_clean(page)
    context.close()
