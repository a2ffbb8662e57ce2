"""The whole storefront journey in Chromium, end to end, at 1366x900 and 390x844: a new visitor on the company home
finds a distributor, opens a product page, fills and edits a cart (change a quantity, remove a line), checks out as a
guest with an address and a shipping method, has a card declined (one plain sentence, the order kept), pays with
another card typed into the Stripe.js Element (the Stripe emulator's stand-in) and keeps an account — and the paid
order, with its amount and currency, is then in the customer's orders, the distributor's back office and the company's
console, each reached by signing in and landing on that audience's home. On every customer page: no sideways
scrolling, no raw exception, axe-core finds nothing serious or critical. Data lives in a company onboarded for this
module and removed after it."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from conftest import PASSWORD
from core.commerce.services.catalogue import product_update
from core.commerce.services.shipping import shipping_method_create
from core.company.services import company_settings_update
from core.members.models import Member
from tenants.services import company_onboard
from tests.committed import companies_drop
from tests.factories.catalogue import BarFactory, CategoryFactory, ShakeFactory, TaxRateFactory
from tests.factories.members import MemberFactory
from tests.fixtures_stripe import stripe_key_set

pytestmark = pytest.mark.browser

CO = "journey"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
RAW_ERRORS = ("Traceback", "Exception", "Error:", "stripe.", "api.stripe.com", "card_declined", "Server Error")


def _setup(api_key: str) -> None:
    company_onboard(
        name="Journey Foods",
        subdomain=CO,
        admin_email=f"admin@{CO}.test",
        admin_password=PASSWORD,
        send_invitation=False,
    )
    with schema_context(CO):
        company_settings_update(changes={"display_name": "Journey Foods", "from_email": "orders@journey.example"})
        house = MemberFactory(sponsor=None, username="journeyhouse", first_name="Journey", last_name="House")
        rita = MemberFactory(sponsor=house, username="rita", first_name="Rita", last_name="Seller")
        Member.objects.filter(pk=rita.pk).update(city="Austin", listed_in_directory=True)
        drinks = CategoryFactory(name="Drinks", slug="drinks")
        product_update(product=ShakeFactory(stock=20, category=drinks), featured=True, description="A creamy shake.")
        product_update(product=BarFactory(stock=20, category=drinks), featured=True, description="Oats and honey.")
        TaxRateFactory(country="US", region="TX", rate=Decimal("0.0825"), name="Texas")
        shipping_method_create(country="US", name="Standard (3-5 days)", fee=Decimal("5.00"))
        stripe_key_set(api_key)


@pytest.fixture(scope="module")
def journey(committed, live_server_process, stripe_emulator):
    committed(lambda: companies_drop(CO))  # a crashed earlier run may have left it
    committed(lambda: _setup(stripe_emulator.api_key))
    yield
    committed(lambda: companies_drop(CO))


def _check(page, screenshot, name: str) -> None:
    """What every page of the journey owes a visitor: no sideways scrolling, no raw exception text, axe-core finds
    nothing serious or critical (injected by the test: the context bypasses the site's CSP for that only)."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name} scrolls sideways"
    text = page.locator("body").inner_text()
    assert [raw for raw in RAW_ERRORS if raw in text] == [], f"{name} shows raw error text"
    page.add_script_tag(path=str(AXE))
    serious = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"""
    )
    assert serious == [], f"{name}: axe-core"
    screenshot(page, name)


def _enter_card(page, number: str) -> None:
    """Type a card into the Element (the emulator's stand-in: number, MM, YY, CVC, postal code)."""
    card = page.locator("[data-card-element]")
    expect(card.get_by_label("Card number")).to_be_visible()
    card.get_by_label("Card number").fill(number)
    card.get_by_label("Expiry month (MM)").fill("12")
    card.get_by_label("Expiry year (YY)").fill("34")
    card.get_by_label("Security code (CVC)").fill("123")
    card.get_by_label("Postal code").fill("78701")


def _sign_in(page, url, email: str, home: str) -> None:
    page.goto(url(CO, "/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"**{home}")


def _order_row(page, number: str):
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=number, exact=True))


@pytest.mark.parametrize("size", list(SIZES))
def test_a_visitor_buys_through_a_distributor_and_the_paid_order_reaches_office_and_console(
    journey, browser, url, screenshot, size
):
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `make assets` (npm ci).")
    shopper = browser.new_context(viewport=SIZES[size], bypass_csp=True)  # bypass: to inject axe-core only
    page = shopper.new_page()
    page.set_default_timeout(15_000)

    # The company home: nobody picked yet, so the visit is credited to the house account.
    page.goto(url(CO, "/"))
    expect(page.get_by_test_id("attribution")).to_contain_text("You are shopping with Journey Foods.")
    _check(page, screenshot, f"journey-01-home-{size}")

    # Find a distributor by city, and shop with her.
    page.get_by_label("Name or city").fill("Austin")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("directory").get_by_role("heading")).to_have_text(["Rita Seller"])
    _check(page, screenshot, f"journey-02-find-distributor-{size}")
    page.get_by_role("button", name="Shop with Rita").click()
    page.wait_for_url("**/rita/shop/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Shop with Rita Seller")
    _check(page, screenshot, f"journey-03-shop-{size}")

    # The product page; two shakes into the cart, then a bar from the shop.
    page.get_by_role("link", name="Protein Shake").click()
    expect(page.get_by_test_id("product-price")).to_have_text("$49.99")
    _check(page, screenshot, f"journey-04-product-{size}")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".messages")).to_contain_text("Added to cart: Protein Shake (2 in your cart).")
    page.get_by_role("link", name="Back to the shop").click()
    page.get_by_role("button", name=re.compile(r"Add to cart\W+Energy Bar")).click()
    expect(page.locator("#cart-badge")).to_have_text("Cart (3)")
    page.locator(".messages").get_by_role("link", name="View cart").click()

    # The cart: 2 x 49.99 + 10.00; three shakes instead; the bar removed.
    expect(page.get_by_test_id("cart-subtotal")).to_have_text("$109.98")
    _check(page, screenshot, f"journey-05-cart-{size}")
    page.get_by_label("Quantity of Protein Shake").fill("3")
    page.get_by_role("button", name="Update").first.click()
    expect(page.get_by_test_id("cart-subtotal")).to_have_text("$159.97")
    page.get_by_role("button", name="Remove Energy Bar").click()
    expect(page.locator(".messages")).to_contain_text("Energy Bar removed from your cart.")
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
    expect(page.get_by_test_id("cart-subtotal")).to_have_text("$149.97")
    _check(page, screenshot, f"journey-06-cart-edited-{size}")
    page.get_by_role("link", name="Check out").click()

    # Guest checkout: an e-mail and a Texas address, standard shipping.
    page.wait_for_url("**/rita/shop/checkout/")
    page.get_by_label("E-mail").fill(f"gwen-{size}@example.test")
    page.get_by_label("First name").fill("Gwen")
    page.get_by_label("Last name").fill("Guest")
    page.locator("#id_ship_name").fill("Gwen Guest")
    page.locator("#id_ship_line1").fill("1 Congress Ave")
    page.locator("#id_ship_city").fill("Austin")
    page.locator("#id_ship_postal_code").fill("78701")
    page.locator("#id_ship_country").select_option("US")
    page.locator("#id_ship_region").select_option("US-TX")
    _check(page, screenshot, f"journey-07-checkout-address-{size}")
    page.get_by_role("button", name="Continue to shipping").click()
    page.wait_for_url("**/rita/shop/checkout/shipping/")
    page.get_by_label("Standard (3-5 days) · 5.00 USD").check()
    _check(page, screenshot, f"journey-08-checkout-shipping-{size}")
    page.get_by_role("button", name="Continue to review and payment").click()

    # The summary: 3 x 49.99 = 149.97; Texas tax 8.25 % of 149.97 = 12.37 (shipping untaxed); 5.00; total 167.34.
    page.wait_for_url("**/rita/shop/checkout/pay/")
    expect(page.get_by_test_id("summary-subtotal")).to_have_text("$149.97")
    expect(page.get_by_test_id("summary-shipping")).to_have_text("$5.00")
    expect(page.get_by_test_id("summary-tax")).to_have_text("$12.37")
    expect(page.get_by_test_id("summary-total")).to_have_text("$167.34")
    page.get_by_label("Card", exact=True).check()
    _enter_card(page, "4000000000000341")  # declined by the emulator
    _check(page, screenshot, f"journey-09-checkout-pay-{size}")
    page.get_by_role("button", name="Place order and pay $167.34").click()

    # Declined: one sentence, the order kept as pending, another card pays it.
    expect(page.get_by_text("Your card was declined. Your order is saved: try another card below.")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_contain_text("Pending")
    expect(page.get_by_text("Enter your card details.")).to_have_count(0)  # the new card form starts clean
    _check(page, screenshot, f"journey-10-declined-{size}")
    _enter_card(page, "4242424242424242")
    page.get_by_role("button", name="Pay $167.34").click()
    expect(page.get_by_test_id("order-status")).to_contain_text("Paid")
    expect(page.get_by_test_id("order-total")).to_have_text("$167.34")
    expect(page.get_by_text("Thank you for your order with Journey Foods.")).to_be_visible()
    expect(page.get_by_text("Credited to Rita Seller")).to_be_visible()
    _check(page, screenshot, f"journey-11-paid-{size}")
    number = re.fullmatch(r"Order (\d+)", page.get_by_role("heading", level=1).inner_text()).group(1)

    # The guest keeps an account from the confirmation; signing in later lands her on her orders.
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator(".messages")).to_contain_text(
        f"Your account is ready: you are signed in as gwen-{size}@example.test."
    )
    shopper.close()
    customer = browser.new_context(viewport=SIZES[size], bypass_csp=True).new_page()
    customer.set_default_timeout(15_000)
    _sign_in(customer, url, f"gwen-{size}@example.test", "/accounts/orders/")
    expect(customer.get_by_role("heading", level=1)).to_have_text("Your orders")
    row = _order_row(customer, f"#{number}")
    expect(row.get_by_role("cell")).to_have_text([f"#{number}", re.compile(r"\w+"), "Paid", "$167.34"])
    _check(customer, screenshot, f"journey-12-customer-orders-{size}")
    customer.context.close()

    # Rita signs in, lands on her back office, and finds the guest's paid order among her orders.
    office = browser.new_context(viewport=SIZES[size]).new_page()
    office.set_default_timeout(15_000)
    _sign_in(office, url, "rita@example.test", "/office/")
    expect(office.get_by_role("heading", level=1)).to_have_text("Welcome, Rita")
    office.goto(url(CO, "/office/orders/"))
    row = _order_row(office, number)
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell")).to_have_text(
        [number, re.compile(r"\w+"), "Gwen Guest (customer)", "Paid", "$167.34", "120.00"]  # 3 x 40 PV
    )
    screenshot(office, f"journey-13-office-orders-{size}")
    assert office.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "office orders"
    office.context.close()

    # The company admin signs in, lands on the console, and finds the order credited to Rita, paid.
    console = browser.new_context(viewport=SIZES[size]).new_page()
    console.set_default_timeout(15_000)
    _sign_in(console, url, f"admin@{CO}.test", "/console/")
    console.goto(url(CO, "/console/orders/"))
    row = _order_row(console, number)
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").nth(2)).to_have_text("Gwen Guest")
    expect(row.get_by_role("cell").nth(3)).to_contain_text("Rita Seller")
    expect(row.get_by_role("cell").nth(4)).to_have_text("Paid")
    expect(row.get_by_role("cell").nth(5)).to_have_text("$167.34")
    screenshot(console, f"journey-14-console-orders-{size}")
    assert console.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "console orders"
    console.context.close()
