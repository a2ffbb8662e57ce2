"""In Chromium: the company admin's console home tells the day's story, and its figures equal the sales report's for
the same day, both checked against the database. At 1366x900 and 390x844 the home does not scroll sideways and
axe-core finds nothing serious or critical; on a phone the console's lists read as cards. The company is onboarded
for this module and removed after it.

Hand-computed: two KIT orders (100.00 each at the distributor price, no tax, 100 PV) paid today make 200.00 USD and
200 PV for the day; a third KIT order placed and not paid waits for payment; the two paid ones wait for shipping;
LOWX has 2 in stock at a threshold of 5 (one low-stock line).
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import F, Sum
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from conftest import PASSWORD
from core.commerce.models import Order
from core.commerce.selectors.periods import company_date
from tenants.services import company_onboard
from tests.browser.test_web_browser import sign_in
from tests.committed import companies_drop
from tests.factories.catalogue import KitFactory, ProductFactory
from tests.factories.members import MemberFactory
from tests.factories.orders import OrderFactory, PaidOrderFactory

pytestmark = pytest.mark.browser

SUB = "webhome"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def _setup():
    company_onboard(
        name=SUB.title(), subdomain=SUB, admin_email=f"admin@{SUB}.test", admin_password=PASSWORD,
        send_invitation=False,
    )  # fmt: skip
    with schema_context(SUB):
        root = MemberFactory(sponsor=None, username="hroot", email=f"hroot@{SUB}.test", first_name="Rhea",
                             last_name="Home")  # fmt: skip
        kim = MemberFactory(sponsor=root, username="hkim", email=f"hkim@{SUB}.test", first_name="Kim",
                            last_name="Home")  # fmt: skip
        KitFactory()
        ProductFactory(sku="LOWX", name="Low item", low_stock_threshold=5, stock=2)
        PaidOrderFactory(buyer_member=root, lines=[("KIT", 1)])
        PaidOrderFactory(buyer_member=kim, lines=[("KIT", 1)])
        OrderFactory(buyer_member=kim, lines=[("KIT", 1)])


def _teardown():
    companies_drop(SUB)


def _database_day() -> tuple[datetime.date, Decimal]:
    with schema_context(SUB):
        today = company_date(timezone.now())
        net = Order.objects.filter(paid_on=today).aggregate(n=Sum(F("total") - F("refunded_amount")))["n"]
    return today, net


@pytest.fixture(scope="module")
def home_company(committed, live_server_process):
    committed(_teardown)
    committed(_setup)
    yield SUB
    committed(_teardown)


def test_the_home_shows_the_days_figures_equal_to_the_report(home_company, page, url, screenshot, committed):
    today, net = committed(_database_day)
    assert net == Decimal("200.00")
    sign_in(page, url, SUB, f"admin@{SUB}.test", "/console/")
    card = page.get_by_test_id("today-sales")
    assert card.locator(".value").inner_text() == "$200.00"
    assert "2 paid orders" in card.inner_text()
    assert page.get_by_test_id("awaiting-payment").locator(".value").inner_text() == "1"
    assert page.get_by_test_id("awaiting-shipping").locator(".value").inner_text() == "2"
    assert page.get_by_test_id("low-stock").locator(".value").inner_text() == "1"
    assert page.get_by_test_id("enrolments").locator(".value").inner_text() == "2"
    assert page.get_by_test_id("active").locator(".value").inner_text() == "2"
    assert page.get_by_test_id("transitions").locator(".value").inner_text() == "0"
    # the same day in the sales report, reached from the card's link
    card.get_by_role("link", name="Today's sales report").click()
    page.wait_for_url("**/console/reports/**")
    totals = page.get_by_test_id("report-totals").locator("th, td").all_inner_texts()
    assert totals == ["Total", "2", "$200.00", "$0.00", "200.00", "200.00"]
    assert page.get_by_role("columnheader", name="Personal volume (PV)").count() == 1
    screenshot(page, "console-report-sales-day")
    page.get_by_test_id("report-table").get_by_role("cell", name=today.strftime("%b %-d, %Y")).wait_for()
    page.goto(url(SUB, "/console/orders/?status=pending"))
    assert page.locator("tbody tr").count() == 1


def test_the_income_disclosure_statement_prints_without_the_console(home_company, page, url, screenshot):
    sign_in(page, url, SUB, f"admin@{SUB}.test", "/console/")
    page.goto(url(SUB, "/console/reports/income-disclosure/"))
    page.get_by_role("link", name="Printable page").click()
    page.wait_for_url("**/income-disclosure/print/**")
    assert page.get_by_role("button", name="Print").is_visible()
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Print").is_visible()
    assert not page.locator(".topbar").is_visible()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Webhome — income disclosure statement")
    screenshot(page, "console-income-disclosure-print")


@pytest.mark.parametrize("width,height", [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_home_fits_and_axe_finds_nothing_serious(home_company, browser, url, screenshot, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, url, SUB, f"admin@{SUB}.test", "/console/")
    page.wait_for_function("document.querySelectorAll('canvas[data-chart]').length === 2 && !!window.Chart")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    screenshot(page, f"console-home-{width}x{height}")
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]  # fmt: skip
    assert serious == []
    page.goto(url(SUB, "/console/reports/"))
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    screenshot(page, f"console-reports-{width}x{height}")
    context.close()


CARD_PAGES = ["/console/orders/", "/console/members/", "/console/products/", "/console/inventory/", "/console/reports/"]


def test_console_lists_read_as_cards_on_a_phone_and_as_tables_on_a_desktop(home_company, browser, url, screenshot):
    """A phone shows each row of a console list as a card that names every value (no table scrolling inside its
    box); a desktop keeps the table."""
    phone = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = phone.new_page()
    sign_in(page, url, SUB, f"admin@{SUB}.test", "/console/")
    wide = {}
    for path in CARD_PAGES:
        page.goto(url(SUB, path))
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if widths[0] > widths[1]:
            wide[path] = widths
        screenshot(page, "phone-console" + path.rstrip("/").replace("/console", "").replace("/", "-"))
    assert wide == {}

    page.goto(url(SUB, "/console/orders/"))
    table = page.locator("main table").first
    expect(table).to_have_class(re.compile(r"\bcards-on-phone\b"))
    expect(table.locator("thead")).to_have_css("position", "absolute")  # read by screen readers, not shown
    card = table.locator("tbody tr").first
    labels = card.locator("td").evaluate_all("cells => cells.map(c => c.dataset.label)")
    assert labels == ["Order", "Placed", "Buyer", "Credited to", "Status", "Total"]
    # Still a table to a screen reader: rows, cells and column headers; the labels drawn on the card are not read
    # twice (the header is).
    expect(page.get_by_role("columnheader", name="Credited to")).to_have_count(1)
    expect(
        page.get_by_role("row", name=re.compile(r"^1 \d{4}-\d\d-\d\d Rhea Home #100001 Rhea Home Paid \$100\.00$"))
    ).to_have_count(1)
    table_box, card_box = table.bounding_box(), card.bounding_box()
    assert card_box["width"] == pytest.approx(table_box["width"], abs=1)  # a card as wide as the list
    assert table.evaluate("t => t.scrollWidth <= t.clientWidth")  # nothing to scroll inside the list either
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]  # fmt: skip
    assert serious == []
    phone.close()

    desktop = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    page = desktop.new_page()
    sign_in(page, url, SUB, f"admin@{SUB}.test", "/console/")
    page.goto(url(SUB, "/console/orders/"))
    expect(page.locator("main table thead").first).to_have_css("position", "static")
    expect(page.locator("main table tbody tr").first).to_have_css("display", "table-row")
    screenshot(page, "desktop-console-orders")
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")] == []
    desktop.close()
