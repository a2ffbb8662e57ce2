"""A customer buys on a distributor's replicated site in Chromium — signs up at checkout, pays by card on the Stripe
emulator — and the sale shows in the distributor's back office orders and this period's volume. Data lives in a
company onboarded for this module and removed after it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from conftest import PASSWORD
from core.commerce.services.shipping import shipping_method_create
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
        shipping_method_create(country="", name="Standard", fee=Decimal("0.00"))


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
    expect(page.get_by_test_id("price-SHAKE")).to_have_text("$49.99")
    screenshot(page, "shop-catalogue")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name=re.compile(r"Add to cart\W+Protein Shake")).click()
    expect(page.locator(".messages")).to_contain_text("Added to cart: Protein Shake (2 in your cart).")
    expect(page.locator("#cart-badge")).to_have_text("Cart (2)")
    page.get_by_role("link", name="View cart and check out").click()
    expect(page.get_by_test_id("cart-subtotal")).to_have_text("$99.98")
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
    page.locator("#id_ship_name").fill("Cara Customer")
    page.locator("#id_ship_line1").fill("5 Elm St")
    page.locator("#id_ship_city").fill("Denver")
    page.locator("#id_ship_country").select_option("US")
    page.locator("#id_ship_region").select_option("US-CO")
    screenshot(page, "shop-checkout")
    page.get_by_role("button", name="Continue to shipping").click()
    page.get_by_role("button", name="Continue to review and payment").click()
    page.get_by_label("Card", exact=True).check()
    page.locator("[data-card-element]").get_by_label("Card number").fill("4242424242424242")  # Stripe.js Elements
    page.locator("[data-card-element]").get_by_label("Expiry month (MM)").fill("12")
    page.locator("[data-card-element]").get_by_label("Expiry year (YY)").fill("34")
    page.locator("[data-card-element]").get_by_label("Security code (CVC)").fill("123")
    page.get_by_role("button", name="Place order and pay $99.98").click()
    expect(page.get_by_test_id("order-status")).to_contain_text("Paid")
    expect(page.get_by_test_id("order-total")).to_have_text("$99.98")
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
