"""Card entry in Chromium through Stripe.js Elements — the localstripe emulator's Stripe.js stand-in, so no outside
network: a shopper types a card into the Element and the order becomes paid (laptop and phone widths); a declined card
and an unreachable payment service each read as one plain sentence and paying again works. Only a PaymentMethod id
reaches our server. Data lives in a company onboarded for this module and removed after it."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from conftest import PASSWORD
from core.commerce.services.commerce_settings import commerce_settings_get
from core.commerce.services.shipping import shipping_method_create
from core.commerce.services.subscriptions import subscription_start
from tenants.services import company_onboard
from tests.committed import companies_drop
from tests.factories.catalogue import ShakeFactory
from tests.factories.members import CustomerFactory, MemberFactory
from tests.fixtures_stripe import stripe_key_set

pytestmark = pytest.mark.browser

SHOP = "cardpay"
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
BUYERS = ("lena@example.test", "pete@example.test", "dora@example.test", "nora@example.test")


def _setup(api_key: str) -> None:
    company_onboard(
        name="Cardpay",
        subdomain=SHOP,
        admin_email=f"admin@{SHOP}.test",
        admin_password=PASSWORD,
        send_invitation=False,
    )
    with schema_context(SHOP):
        rita = MemberFactory(sponsor=None, username="rita", first_name="Rita", last_name="Seller")
        stripe_key_set(api_key)
        row = commerce_settings_get()
        row.subscription_enabled, row.subscription_fee = True, Decimal("29.95")
        row.save()
        subscription_start(member=rita, first_due_on=timezone.localdate() - datetime.timedelta(days=3))
        ShakeFactory(stock=100)
        shipping_method_create(country="", name="Standard", fee=Decimal("0.00"))
        for email in BUYERS:
            CustomerFactory(distributor=rita, email=email, first_name=email.split("@")[0].title())


@pytest.fixture(scope="module")
def card_shop(committed, live_server_process, stripe_emulator):
    committed(lambda: companies_drop(SHOP))
    committed(lambda: _setup(stripe_emulator.api_key))
    yield
    committed(lambda: companies_drop(SHOP))


def _shopper(browser, url, email: str, viewport: dict, block: str = ""):
    page = browser.new_context(viewport=viewport).new_page()
    page.set_default_timeout(15_000)
    if block:  # requests to this address fail as if nothing listened there
        page.route(block, lambda route: route.abort("connectionrefused"))
    page.goto(url(SHOP, "/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    page.goto(url(SHOP, "/rita/shop/"))
    page.get_by_role("button", name=re.compile(r"Add to cart\W+Protein Shake")).click()
    expect(page.locator("#cart-badge")).to_have_text("Cart (1)")
    page.goto(url(SHOP, "/rita/shop/checkout/"))
    # Checkout steps 1 and 2 (address, then the free "Standard" method); the card is taken on step 3.
    page.locator("#id_ship_name").fill("Lena Buyer")
    page.locator("#id_ship_line1").fill("1 Main St")
    page.locator("#id_ship_city").fill("Austin")
    page.locator("#id_ship_postal_code").fill("78701")
    page.locator("#id_ship_country").select_option("US")
    page.locator("#id_ship_region").select_option("US-TX")
    page.get_by_role("button", name="Continue to shipping").click()
    page.get_by_role("button", name="Continue to review and payment").click()
    page.wait_for_url("**/rita/shop/checkout/pay/")
    return page


def _enter_card(page, number: str) -> None:
    """Type a card into the Element (the stand-in's fields: number, MM, YY, CVC, postal code)."""
    element = page.locator("[data-card-element]")
    expect(element.get_by_label("Card number")).to_be_visible()
    element.get_by_label("Card number").fill(number)
    element.get_by_label("Expiry month (MM)").fill("12")
    element.get_by_label("Expiry year (YY)").fill("34")
    element.get_by_label("Security code (CVC)").fill("123")
    element.get_by_label("Postal code").fill("75001")


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _axe_serious(page) -> list[str]:
    """axe-core's serious and critical violations on this page (axe runs through DevTools, outside the page's CSP)."""
    page.evaluate(AXE.read_text())
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ') + ' ' + n.html.slice(0, 80)).join(' | '))"
    )
    return violations


def _posted_cards(page) -> list[str]:
    """What each form submission carried in "card" (recorded before the page posts)."""
    posted: list[str] = []

    def record(request):
        if request.method == "POST" and "/shop/" in request.url and request.post_data:
            found = re.search(r"(?:^|&)card=([^&]*)", request.post_data)
            if found:
                posted.append(found.group(1))

    page.on("request", record)
    return posted


@pytest.mark.parametrize(("viewport", "email", "name"), [(LAPTOP, BUYERS[0], "laptop"), (PHONE, BUYERS[1], "phone")])
def test_a_shopper_pays_with_a_card_typed_into_stripe_elements(
    card_shop, browser, url, screenshot, viewport, email, name
):
    page = _shopper(browser, url, email, viewport)
    posted = _posted_cards(page)
    page.get_by_label("Card", exact=True).check()
    _enter_card(page, "4242424242424242")
    _no_sideways_scroll(page)
    assert _axe_serious(page) == []
    screenshot(page, f"cards-checkout-{name}")
    page.get_by_role("button", name=re.compile(r"^Place order")).click()
    expect(page.get_by_test_id("order-status")).to_contain_text("Paid")
    expect(page.get_by_test_id("order-total")).to_have_text("$49.99")
    _no_sideways_scroll(page)
    screenshot(page, f"cards-paid-{name}")
    assert len(posted) == 1 and re.fullmatch(r"pm_\w+", posted[0]), posted  # only a PaymentMethod id, no number
    page.context.close()


def test_a_declined_card_reads_as_a_sentence_and_another_card_pays(card_shop, browser, url, screenshot):
    page = _shopper(browser, url, BUYERS[2], PHONE)
    page.get_by_label("Card", exact=True).check()
    _enter_card(page, "4000000000000341")
    page.get_by_role("button", name=re.compile(r"^Place order")).click()
    expect(page.get_by_test_id("order-status")).to_contain_text("Pending")
    expect(page.get_by_text("Your card was declined. Your order is saved: try another card below.")).to_be_visible()
    text = page.locator("main").inner_text()
    assert "card_declined" not in text and "Error" not in text
    _no_sideways_scroll(page)
    assert _axe_serious(page) == []
    screenshot(page, "cards-declined-phone")
    _enter_card(page, "4242424242424242")
    page.get_by_role("button", name=re.compile(r"^Pay \$49\.99")).click()
    expect(page.get_by_test_id("order-status")).to_contain_text("Paid")
    screenshot(page, "cards-paid-again-phone")
    page.context.close()


def test_an_unreachable_payment_service_reads_as_a_sentence_and_retry_works(card_shop, browser, url, screenshot):
    """The card step cannot reach Stripe (the request is cut in the browser): nothing is placed or charged, the
    shopper reads one sentence, and the same form works once the service answers again."""
    page = _shopper(browser, url, BUYERS[3], LAPTOP)
    page.route("**/v1/setup_intents/**", lambda route: route.abort("connectionrefused"))
    page.get_by_label("Card", exact=True).check()
    _enter_card(page, "4242424242424242")
    page.get_by_role("button", name=re.compile(r"^Place order")).click()
    status = page.locator("[data-card-status]")
    expect(status).to_have_text(
        "We could not reach the payment service; nothing was charged. Please try again in a minute."
    )
    assert page.url.endswith("/rita/shop/checkout/pay/")
    screenshot(page, "cards-unreachable-laptop")
    page.unroute("**/v1/setup_intents/**")
    page.get_by_role("button", name=re.compile(r"^Place order")).click()
    expect(page.get_by_test_id("order-status")).to_contain_text("Paid")
    page.context.close()


def test_stripe_js_that_cannot_load_says_so_and_offers_a_retry(card_shop, browser, url, screenshot):
    page = _shopper(browser, url, BUYERS[0], PHONE, block="**/js.stripe.com/v3/")
    expect(page.get_by_text("Card payments are not available right now. Please try again in a minute.")).to_be_visible()
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    _no_sideways_scroll(page)
    screenshot(page, "cards-stripe-js-down-phone")
    page.unroute("**/js.stripe.com/v3/")
    page.get_by_role("button", name="Try again").click()  # reloads the page: Stripe.js answers now
    expect(page.locator("[data-card-element]").get_by_label("Card number")).to_be_visible()
    page.context.close()


def _distributor(browser, url, viewport: dict):
    page = browser.new_context(viewport=viewport).new_page()
    page.set_default_timeout(15_000)
    page.goto(url(SHOP, "/accounts/login/"))
    page.get_by_label("Email").fill("rita@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/office/")
    return page


def test_a_distributor_saves_the_fee_card_and_pays_the_past_due_fee(card_shop, browser, url, screenshot):
    page = _distributor(browser, url, PHONE)
    page.goto(url(SHOP, "/office/subscription/"))
    _enter_card(page, "4242424242424242")
    _no_sideways_scroll(page)
    assert _axe_serious(page) == []
    screenshot(page, "cards-fee-card-phone")
    page.get_by_role("button", name="Save card").click()
    expect(page.get_by_test_id("card")).to_contain_text("ending 4242")
    page.get_by_role("button", name="Pay the past-due fee now").click()  # the card on file: no card entered
    expect(page.get_by_text("Thank you: the fee of 29.95 is paid.")).to_be_visible()
    page.context.close()


def test_a_distributor_sets_up_an_autoship_with_a_card(card_shop, browser, url, screenshot):
    page = _distributor(browser, url, LAPTOP)
    page.goto(url(SHOP, "/office/autoships/new/"))
    page.get_by_label("Product 1").select_option("SHAKE")
    page.get_by_label("Quantity 1").fill("1")
    _enter_card(page, "4242424242424242")
    assert _axe_serious(page) == []
    screenshot(page, "cards-autoship-laptop")
    page.get_by_role("button", name="Start autoship").click()
    expect(page.get_by_text(re.compile(r"Your autoship is set up"))).to_be_visible()
    page.context.close()
