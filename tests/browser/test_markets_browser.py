"""A Spanish visitor buys in the ES market in Chromium (issue 19): the page is in Spanish (Accept-Language es), the
visitor picks "España (EUR)" in the shop's market selector, sees the ES price list in euros (a product the ES list
lacks is shown as unavailable), checks out with a Madrid address and pays by card on the Stripe emulator in EUR.

Amounts (VAT 21 % included in the ES prices): 3 x 409.87 € = 1.229,61 €; the VAT inside it 1229.61 x 0.21 / 1.21 =
213.4033... -> 213,40 €; shipping 4,95 €; total 1.234,56 €. Selectors are ids and test ids, not English words, so
the test holds as the Spanish catalogue fills in."""

from __future__ import annotations

from decimal import Decimal

import pytest
import stripe
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from conftest import PASSWORD
from core.commerce.models import Order
from core.commerce.services.market_prices import PriceEntry, market_price_set
from core.commerce.services.shipping import shipping_method_create
from core.commerce.services.tax import tax_rate_create
from core.company.services import company_settings_update, market_create
from tenants.services import company_onboard
from tests.browser.test_checkout_browser import VIEWPORTS, _axe_clean, _fits
from tests.committed import companies_drop
from tests.factories.catalogue import BookFactory, ProductFactory
from tests.factories.members import MemberFactory
from tests.fixtures_stripe import stripe_key_set

pytestmark = pytest.mark.browser

SHOP = "marketshop"


def _setup(api_key: str) -> None:
    company_onboard(
        name="Market Shop",
        subdomain=SHOP,
        admin_email=f"admin@{SHOP}.test",
        admin_password=PASSWORD,
        send_invitation=False,
    )
    with schema_context(SHOP):
        company_settings_update(changes={"display_name": "Bienestar Verde", "from_email": "pedidos@verde.example"})
        MemberFactory(sponsor=None, username="rosa", first_name="Rosa", last_name="Vendedora")
        stripe_key_set(api_key)
        pack = ProductFactory(sku="PACK", name="Pack Familia", retail_price=Decimal("499.00"), stock=50)
        BookFactory(stock=10)  # no ES price: not sold in Spain
        spain = market_create(
            code="ES", name="España", countries=["ES"], currency="EUR", language="es", prices_include_tax=True
        )
        market_price_set(market=spain, product=pack, entry=PriceEntry("409.87", "330.00"))
        tax_rate_create(country="ES", region="", rate=Decimal("0.21"), name="IVA")
        shipping_method_create(country="ES", name="Estándar", fee=Decimal("4.95"), market=spain)


def _teardown() -> None:
    companies_drop(SHOP)


@pytest.fixture(scope="module")
def market_shop(committed, live_server_process, stripe_emulator):
    committed(_teardown)
    committed(lambda: _setup(stripe_emulator.api_key))
    yield
    committed(_teardown)


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_a_spanish_visitor_pays_in_euros_in_the_es_market(market_shop, committed, browser, url, screenshot, width):
    context = browser.new_context(
        viewport=VIEWPORTS[width], bypass_csp=True, extra_http_headers={"Accept-Language": "es"}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url(SHOP, "/rosa/shop/"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_test_id("price-PACK")).to_have_text("499,00\xa0US$")  # no market yet: the base price
    page.locator("#market-select").select_option("ES")
    page.locator("[data-testid=market-choice] button[type=submit]").click()
    expect(page.get_by_test_id("price-PACK")).to_have_text("409,87\xa0€")
    expect(page.get_by_test_id("unavailable-BOOK")).to_be_visible()
    _fits(page)
    _axe_clean(page)
    screenshot(page, f"market-es-shop-{width}")

    page.locator("form.add-to-cart:has(input[value=PACK]) input[name=quantity]").fill("3")
    page.locator("form.add-to-cart:has(input[value=PACK]) button[type=submit]").click()
    page.goto(url(SHOP, "/rosa/shop/cart/"))
    expect(page.get_by_test_id("cart-subtotal")).to_have_text("1.229,61\xa0€")
    page.goto(url(SHOP, "/rosa/shop/checkout/"))
    page.locator("#id_email").fill(f"lucia-{width}@example.es")
    page.locator("#id_first_name").fill("Lucía")
    page.locator("#id_last_name").fill("García")
    page.locator("#id_ship_name").fill("Lucía García")
    page.locator("#id_ship_line1").fill("Calle Mayor 1")
    page.locator("#id_ship_city").fill("Madrid")
    page.locator("#id_ship_postal_code").fill("28013")
    page.locator("#id_ship_country").select_option("ES")
    page.locator("form.checkout-form button[type=submit]").click()

    page.wait_for_url("**/rosa/shop/checkout/shipping/")
    page.locator("input[name=shipping_method]").first.check()
    page.locator("main form button[type=submit]").last.click()

    page.wait_for_url("**/rosa/shop/checkout/pay/")
    expect(page.get_by_test_id("summary-subtotal")).to_have_text("1.229,61\xa0€")
    expect(page.get_by_test_id("summary-shipping")).to_have_text("4,95\xa0€")
    expect(page.get_by_test_id("summary-tax")).to_have_text("213,40\xa0€")
    expect(page.get_by_test_id("summary-total")).to_have_text("1.234,56\xa0€")
    page.locator("input[name=payment][value=card]").check()
    card = page.locator("[data-card-element]")  # Stripe.js Elements (the emulator's stand-in)
    card.get_by_label("Número de tarjeta").fill("4242424242424242")
    card.get_by_label("Mes de caducidad (MM)").fill("12")
    card.get_by_label("Año de caducidad (AA)").fill("34")
    card.get_by_label("Código de seguridad (CVC)").fill("123")
    _fits(page)
    _axe_clean(page)
    screenshot(page, f"market-es-pay-{width}")
    page.locator("main form button[type=submit]").last.click()

    expect(page.get_by_test_id("order-total")).to_have_text("1.234,56\xa0€")
    _fits(page)
    screenshot(page, f"market-es-confirmation-{width}")
    context.close()
    order, intent_id = committed(lambda: _order_of(f"lucia-{width}@example.es"))
    assert (order.currency, order.market.code, order.total, order.tax, order.status) == (
        "EUR",
        "ES",
        Decimal("1234.56"),
        Decimal("213.40"),
        "paid",
    )
    intent = stripe.PaymentIntent.retrieve(intent_id)  # on the emulator
    assert (intent.currency, intent.amount, intent.status) == ("eur", 123456, "succeeded")


def _order_of(email: str):
    with schema_context(SHOP):
        order = Order.objects.select_related("market").get(buyer_customer__email=email)
        return order, order.payments.get().stripe_payment_intent_id
