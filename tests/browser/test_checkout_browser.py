"""A guest buys on a distributor's replicated site in Chromium, at desktop and phone width: cart -> checkout with an
e-mail and a shipping address -> shipping method -> the order summary (every amount with its currency) -> pay with
the test card on the Stripe emulator -> the confirmation, which offers an account. No page scrolls sideways; axe-core
finds no serious or critical violation on the checkout pages. Data lives in a company onboarded for this module."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from conftest import PASSWORD
from core.commerce.services.shipping import shipping_method_create
from core.company.services import company_settings_update
from tenants.services import company_onboard
from tests.committed import companies_drop
from tests.factories.catalogue import ShakeFactory, TaxRateFactory
from tests.factories.members import MemberFactory
from tests.fixtures_stripe import stripe_key_set

pytestmark = pytest.mark.browser

SHOP = "guestshop"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def _setup(api_key: str) -> None:
    company_onboard(
        name="Guest Shop",
        subdomain=SHOP,
        admin_email=f"admin@{SHOP}.test",
        admin_password=PASSWORD,
        send_invitation=False,
    )
    with schema_context(SHOP):
        company_settings_update(changes={"display_name": "Leafy Wellness", "from_email": "orders@leafy.example"})
        MemberFactory(sponsor=None, username="rita", first_name="Rita", last_name="Seller")
        stripe_key_set(api_key)
        ShakeFactory(stock=50)
        TaxRateFactory(country="US", region="TX", rate=Decimal("0.0825"), name="Texas")
        shipping_method_create(country="US", name="Standard (3-5 days)", fee=Decimal("5.00"))
        shipping_method_create(country="US", name="Express (1-2 days)", fee=Decimal("12.50"), sort_order=1)


def _teardown() -> None:
    companies_drop(SHOP)


@pytest.fixture(scope="module")
def guest_shop(committed, live_server_process, stripe_emulator):
    committed(_teardown)
    committed(lambda: _setup(stripe_emulator.api_key))
    yield
    committed(_teardown)


def _fits(page) -> None:
    """No sideways scrolling at this width."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def _axe_clean(page) -> None:
    """axe-core (pinned in package.json, installed by `make assets`; missing, the test fails) finds nothing serious or
    critical."""
    assert AXE.exists(), "axe-core is not installed in node_modules: run `make assets`"
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations.map(v => [v.id, v.impact])")
    assert [v for v in found if v[1] in ("serious", "critical")] == [], page.url


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_a_guest_checks_out_with_an_address_and_a_card(guest_shop, browser, url, screenshot, width):
    context = browser.new_context(viewport=VIEWPORTS[width], bypass_csp=True)  # bypass: to inject axe-core only
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url(SHOP, "/rita/shop/"))
    page.get_by_label("Quantity").first.fill("2")
    page.get_by_role("button", name=re.compile(r"Add to cart\W+Protein Shake")).click()
    expect(page.locator("#cart-badge")).to_contain_text("2")
    page.goto(url(SHOP, "/rita/shop/cart/"))
    page.get_by_role("link", name="Check out").click()

    page.wait_for_url("**/rita/shop/checkout/")
    page.get_by_label("E-mail").fill(f"gus-{width}@example.test")
    page.get_by_label("First name").fill("Gus")
    page.get_by_label("Last name").fill("Guest")
    page.locator("#id_ship_name").fill("Gus Guest")
    page.locator("#id_ship_line1").fill("1 Main St")
    page.locator("#id_ship_city").fill("Austin")
    page.locator("#id_ship_postal_code").fill("78701")
    page.locator("#id_ship_country").select_option("US")
    page.locator("#id_ship_region").select_option("US-TX")
    expect(page.get_by_label("Billing address same as shipping")).to_be_checked()
    _fits(page)
    _axe_clean(page)
    screenshot(page, f"checkout-1-address-{width}")
    page.get_by_role("button", name="Continue to shipping").click()

    page.wait_for_url("**/rita/shop/checkout/shipping/")
    page.get_by_label("Express (1-2 days) · 12.50 USD").check()
    _fits(page)
    _axe_clean(page)
    screenshot(page, f"checkout-2-shipping-{width}")
    page.get_by_role("button", name="Continue to review and payment").click()

    page.wait_for_url("**/rita/shop/checkout/pay/")
    # 2 x 49.99 = 99.98; Texas tax 8.25 % = 8.25; Express 12.50; total 120.73
    expect(page.get_by_test_id("summary-subtotal")).to_have_text("$99.98")
    expect(page.get_by_test_id("summary-shipping")).to_have_text("$12.50")
    expect(page.get_by_test_id("summary-tax")).to_have_text("$8.25")
    expect(page.get_by_test_id("summary-total")).to_have_text("$120.73")
    page.get_by_label("Card", exact=True).check()
    card = page.locator("[data-card-element]")  # Stripe.js Elements (the emulator's stand-in)
    card.get_by_label("Card number").fill("4242424242424242")
    card.get_by_label("Expiry month (MM)").fill("12")
    card.get_by_label("Expiry year (YY)").fill("34")
    card.get_by_label("Security code (CVC)").fill("123")
    _fits(page)
    _axe_clean(page)
    screenshot(page, f"checkout-3-summary-pay-{width}")
    page.get_by_role("button", name="Place order and pay $120.73").click()

    expect(page.get_by_test_id("order-status")).to_contain_text("Paid")
    expect(page.get_by_test_id("order-total")).to_have_text("$120.73")
    expect(page.get_by_text("Thank you for your order with Leafy Wellness.")).to_be_visible()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    _fits(page)
    _axe_clean(page)
    screenshot(page, f"checkout-4-confirmation-{width}")
    context.close()


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_the_company_edits_its_shipping_methods_in_the_console(guest_shop, browser, url, screenshot, width):
    context = browser.new_context(viewport=VIEWPORTS[width], bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url(SHOP, "/accounts/login/"))
    page.get_by_label("Email").fill(f"admin@{SHOP}.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(url(SHOP, "/console/shipping-methods/"))
    expect(page.get_by_role("row", name="US Express (1-2 days) $12.50 yes")).to_be_visible()
    _fits(page)
    _axe_clean(page)
    screenshot(page, f"console-shipping-methods-{width}")
    page.get_by_role("link", name="New shipping method").click()
    page.get_by_label("Country").select_option("CA")
    page.get_by_label("Name").fill(f"Canada Post {width}")
    page.get_by_label("Fee").fill("9.95")
    _fits(page)
    _axe_clean(page)
    screenshot(page, f"console-shipping-method-new-{width}")
    page.get_by_role("button", name="Save shipping method").click()
    expect(page.get_by_role("row", name=f"CA Canada Post {width} $9.95 yes")).to_be_visible()
    context.close()
