"""A customer buys on a distributor's replicated site in Chromium — signs up at checkout, pays by card on the Stripe
emulator — and the sale shows in the distributor's back office orders and this period's volume. Data lives in a
company onboarded for this module and removed after it."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from conftest import PASSWORD
from tenants.services import company_onboard
from tests.browser.signup_steps import fill_account, fill_address, next_step
from tests.committed import companies_drop
from tests.factories.catalogue import ShakeFactory
from tests.factories.members import MemberFactory
from tests.fixtures_stripe import stripe_key_set

pytestmark = pytest.mark.browser

SHOP = "webshop"


def _setup(api_key: str) -> None:
    company_onboard(
        name="Webshop",
        subdomain=SHOP,
        admin_email=f"admin@{SHOP}.test",
        admin_password=PASSWORD,
        send_invitation=False,
    )
    with schema_context(SHOP):
        MemberFactory(sponsor=None, username="rita", first_name="Rita", last_name="Seller")
        stripe_key_set(api_key)
        ShakeFactory(stock=10)


def _teardown() -> None:
    companies_drop(SHOP)


@pytest.fixture(scope="module")
def shop_company(committed, live_server_process, stripe_emulator):
    committed(_teardown)
    committed(lambda: _setup(stripe_emulator.api_key))
    yield
    committed(_teardown)


def test_a_customer_buys_on_a_replicated_site_and_the_sale_reaches_the_back_office(
    shop_company, browser, page, url, screenshot
):
    page.goto(url(SHOP, "/rita/"))
    page.get_by_role("link", name="Shop", exact=True).click()
    expect(page.get_by_test_id("price-SHAKE")).to_have_text("49.99")
    screenshot(page, "shop-catalogue")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add Protein Shake to cart").click()
    expect(page.locator("#cart-badge")).to_have_text("Cart (2)")  # answered by htmx in place
    page.get_by_role("link", name="View cart and check out").click()
    expect(page.get_by_test_id("cart-subtotal")).to_have_text("99.98")
    screenshot(page, "shop-cart")
    page.get_by_role("link", name="Check out").click()
    page.get_by_role("link", name="Sign up as a customer").click()
    page.get_by_label("Retail customer").check()
    fill_account(page, first_name="Cara", last_name="Customer", email="cara@example.test")
    next_step(page)
    fill_address(page)
    next_step(page)  # the terms step: this company has none to accept
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/rita/shop/checkout/")
    page.get_by_label("Card", exact=True).check()
    page.get_by_label("Visa ending 4242 (succeeds)").check()
    page.get_by_label("Country").fill("US")
    screenshot(page, "shop-checkout")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_test_id("order-status")).to_contain_text("Paid")
    expect(page.get_by_test_id("order-total")).to_have_text("99.98 USD")
    screenshot(page, "shop-order-confirmation")

    seller = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    seller.goto(url(SHOP, "/accounts/login/"))
    seller.get_by_label("Email").fill("rita@example.test")
    seller.get_by_label("Password").fill(PASSWORD)
    seller.get_by_role("button", name="Sign In").click()
    seller.wait_for_url("**/office/")
    expect(seller.get_by_test_id("psv")).to_have_text("80.00")
    expect(seller.get_by_test_id("pv")).to_have_text("0.00")
    screenshot(seller, "office-dashboard-volume")
    seller.get_by_role("link", name="Orders", exact=True).click()
    row = seller.locator("tbody tr").first
    expect(row).to_contain_text("Cara Customer (customer)")
    expect(row).to_contain_text("Paid")
    row.get_by_role("link").click()
    expect(seller.get_by_test_id("order-status")).to_have_text("Paid")
    screenshot(seller, "office-order-detail")
    seller.context.close()
