"""Markets (issue 19): a company sells in the US in USD (prices exclude sales tax, Texas 8.25 % added) and in Spain
in EUR (prices include 21 % VAT). Each market has its own price list; a product missing from it is not sold there.

Amounts, by hand:
  ES: SHAKE 29.95 EUR retail (VAT included). 3 x 29.95 = 89.85; the VAT inside it is 89.85 x 0.21 / 1.21 =
      15.5938... -> 15.59; shipping "Estándar" 4.95 EUR (untaxed); total 89.85 + 4.95 = 94.80 EUR.
  US: SHAKE 49.99 USD retail. 2 x 49.99 = 99.98; Texas tax 99.98 x 0.0825 = 8.24835 -> 8.25; shipping 5.00;
      total 99.98 + 8.25 + 5.00 = 113.23 USD."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import stripe
from django.core.exceptions import ValidationError

from core.accounts.models import User
from core.commerce.addresses import Address
from core.commerce.models import MarketPrice, Order, PlacedBy
from core.commerce.services.autoship import autoship_create, autoship_run_due
from core.commerce.services.checkout import Guest, shop_order_place
from core.commerce.services.market_prices import PriceEntry, market_price_set, market_prices_import
from core.commerce.services.orders import Destination, LineRequest, order_place
from core.commerce.services.shipping import shipping_method_create
from core.commerce.tests.test_autoship import stored_card
from core.company.services import market_create, market_update
from core.members.models import MarketChange
from core.members.services.customers import customer_create
from core.members.services.enrolment import member_enroll
from core.members.services.markets import member_market_set
from tests.factories.catalogue import TaxRateFactory
from tests.fixtures_stripe import stripe_key_set

pytestmark = pytest.mark.django_db

MADRID = Address(name="Lucía García", line1="Calle Mayor 1", city="Madrid", postal_code="28013", country="ES")
AUSTIN = Address(name="Tom Tex", line1="1 Main St", city="Austin", postal_code="78701", region="TX", country="US")


@pytest.fixture
def markets(root, catalogue):
    us = market_create(code="us", name="United States", countries=["US"], currency="usd", language="en")
    es = market_create(
        code="ES", name="España", countries=["ES"], currency="EUR", language="es", prices_include_tax=True
    )
    TaxRateFactory(country="ES", region="", rate=Decimal("0.2100"), name="IVA")
    market_price_set(market=us, product=catalogue["shake"], entry=PriceEntry("49.99", "39.99", "44.99"))
    market_price_set(market=us, product=catalogue["book"], entry=PriceEntry("19.99", "15.99"))
    market_price_set(market=es, product=catalogue["shake"], entry=PriceEntry("29.95", "24.50"))
    return {
        "us": us,
        "es": es,
        "us_ship": shipping_method_create(country="US", name="Standard", fee=Decimal("5.00"), market=us),
        "es_ship": shipping_method_create(country="ES", name="Estándar", fee=Decimal("4.95"), market=es),
    }


def test_a_market_is_created_with_its_currency_and_code_in_capitals(markets):
    assert (markets["us"].code, markets["us"].currency, markets["us"].prices_include_tax) == ("US", "USD", False)
    assert (markets["es"].code, markets["es"].currency, markets["es"].prices_include_tax) == ("ES", "EUR", True)


def test_a_country_belongs_to_one_active_market_only(markets):
    with pytest.raises(ValidationError) as caught:
        market_create(code="IB", name="Iberia", countries=["PT", "ES"], currency="EUR")
    assert caught.value.message_dict == {"countries": ["ES already belongs to the active market ES."]}
    market_update(market=markets["es"], is_active=False)
    iberia = market_create(code="IB", name="Iberia", countries=["PT", "ES"], currency="EUR")
    assert iberia.countries == ["PT", "ES"]
    with pytest.raises(ValidationError) as caught:
        market_update(market=markets["es"], is_active=True)
    assert caught.value.message_dict == {"countries": ["ES already belongs to the active market IB."]}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"currency": "EURO"}, {"currency": ["Choose an ISO 4217 currency code, e.g. EUR."]}),
        ({"countries": ["XX"]}, {"countries": ["Unknown country codes: XX."]}),
        ({"countries": []}, {"countries": ["Choose at least one country."]}),
        ({"code": "us"}, {"code": ["The code US is taken."]}),
        ({"language": "fr"}, {"language": ["Choose one of the company's languages: en, es."]}),
    ],
    ids=["unknown currency", "unknown country", "no country", "code taken", "language not the company's"],
)
def test_a_bad_market_field_is_named(markets, fields, expected):
    base = {"code": "FR", "name": "France", "countries": ["FR"], "currency": "EUR", "language": ""}
    with pytest.raises(ValidationError) as caught:
        market_create(**{**base, **fields})
    assert caught.value.message_dict == expected


def test_a_spanish_customer_pays_the_es_price_list_in_euros_with_vat_included(markets, root, enroll):
    dana = enroll(root, username="dana")
    lucia = customer_create(
        distributor=dana, email="lucia@example.es", first_name="Lucía", last_name="García", country="es"
    )
    assert lucia.market == markets["es"]
    order = order_place(
        lines=[LineRequest(sku="SHAKE", quantity=3)],
        placed_by=PlacedBy.CUSTOMER,
        buyer_customer=lucia,
        destination=Destination(ship=MADRID, bill=MADRID, method=markets["es_ship"]),
    )
    assert (order.currency, order.market, order.tax_included) == ("EUR", markets["es"], True)
    assert (order.subtotal, order.tax, order.shipping, order.total) == (
        Decimal("89.85"),
        Decimal("15.59"),
        Decimal("4.95"),
        Decimal("94.80"),
    )
    line = order.lines.get()
    assert (line.unit_price, line.line_tax, line.line_total, line.unit_pv) == (
        Decimal("29.95"),
        Decimal("15.59"),
        Decimal("89.85"),
        Decimal("40.00"),  # volumes are the product's, currency-free
    )


def test_a_us_buyer_pays_in_dollars_with_texas_tax_added(markets, root, enroll):
    dana = enroll(root, username="dana")
    tom = customer_create(distributor=dana, email="tom@example.com", first_name="Tom", last_name="Tex", country="US")
    order = order_place(
        lines=[LineRequest(sku="SHAKE", quantity=2)],
        placed_by=PlacedBy.CUSTOMER,
        buyer_customer=tom,
        destination=Destination(ship=AUSTIN, bill=AUSTIN, method=markets["us_ship"]),
    )
    assert (order.currency, order.market, order.tax_included) == ("USD", markets["us"], False)
    assert (order.subtotal, order.tax, order.shipping, order.total) == (
        Decimal("99.98"),
        Decimal("8.25"),
        Decimal("5.00"),
        Decimal("113.23"),
    )


def test_a_product_without_an_es_price_cannot_be_ordered_in_es(markets, root, enroll):
    dana = enroll(root, username="dana")
    with pytest.raises(ValidationError) as caught:
        shop_order_place(
            site_owner=dana,
            lines=[LineRequest(sku="BOOK", quantity=1)],
            buyer_member=None,
            buyer_customer=None,
            guest=Guest(email="ana@example.es", first_name="Ana", last_name="Ruiz"),
            destination=Destination(ship=MADRID, bill=MADRID, method=markets["es_ship"]),
            coupon_code="",
            created_by=None,
            market=markets["es"],
        )
    assert caught.value.message_dict == {"lines": ["BOOK is not sold in the España market."]}
    assert Order.objects.count() == 0


def test_an_es_order_cannot_ship_with_the_us_method_or_to_the_us(markets, root, enroll):
    dana = enroll(root, username="dana")
    lucia = customer_create(distributor=dana, email="lucia@example.es", first_name="Lucía", last_name="G", country="ES")
    with pytest.raises(ValidationError) as caught:
        order_place(
            lines=[LineRequest(sku="SHAKE", quantity=1)],
            placed_by=PlacedBy.CUSTOMER,
            buyer_customer=lucia,
            destination=Destination(ship=AUSTIN, bill=AUSTIN, method=markets["us_ship"]),
        )
    assert caught.value.message_dict == {"ship_country": ["The España market ships to ES only."]}


def test_sign_up_in_spain_puts_the_member_in_the_es_market_and_elsewhere_in_none(markets, root):
    pablo = member_enroll(
        sponsor=root, username="pablo", email="pablo@example.es", first_name="Pablo", last_name="Sanz", country="ES"
    )
    hans = member_enroll(
        sponsor=root, username="hans", email="hans@example.de", first_name="Hans", last_name="Berg", country="DE"
    )
    assert (pablo.market, hans.market) == (markets["es"], None)


def test_changing_a_members_market_is_audited_and_leaves_past_orders(markets, root, alpha):
    admin_user = User.objects.get(email=alpha.admin_email)
    pablo = member_enroll(
        sponsor=root, username="pablo", email="pablo@example.es", first_name="Pablo", last_name="Sanz", country="ES"
    )
    order = order_place(
        lines=[LineRequest(sku="SHAKE", quantity=1)],
        placed_by=PlacedBy.DISTRIBUTOR,
        buyer_member=pablo,
        destination=Destination(ship=MADRID, bill=MADRID, method=markets["es_ship"]),
    )
    member_market_set(member=pablo, market=markets["us"], by=admin_user, reason="Moved to Texas")
    change = MarketChange.objects.get()
    assert (change.member, change.old_market, change.new_market, change.changed_by, change.reason) == (
        pablo,
        markets["es"],
        markets["us"],
        admin_user,
        "Moved to Texas",
    )
    order.refresh_from_db()
    assert (order.currency, order.market, order.total) == ("EUR", markets["es"], Decimal("24.50") + Decimal("4.95"))


def test_a_price_list_csv_is_imported_whole_or_not_at_all_naming_row_and_column(markets, catalogue):
    bad = (
        b"sku,name,retail_price,distributor_price,preferred_price\nSHAKE,x,31.00,25.00,\nBOOK,y,12,abc,\nNOPE,z,1,1,\n"
    )
    with pytest.raises(ValidationError) as caught:
        market_prices_import(market=markets["es"], content=bad)
    assert caught.value.message_dict == {
        "file": [
            "Row 3, distributor_price: 'abc' is not an amount (use a dot for decimals: 12.50).",
            "Row 4, sku: no active product has the SKU NOPE.",
        ]
    }
    assert MarketPrice.objects.get(market=markets["es"], product=catalogue["shake"]).retail_price == Decimal("29.95")
    result = market_prices_import(
        market=markets["es"],
        content=b"sku,retail_price,distributor_price,preferred_price\nSHAKE,,,\nBOOK,12.10,9.68,\n",
    )
    assert (result.set, result.removed) == (1, 1)
    assert [
        (p.product.sku, p.retail_price, p.distributor_price) for p in MarketPrice.objects.filter(market=markets["es"])
    ] == [("BOOK", Decimal("12.10"), Decimal("9.68"))]


def test_an_autoship_of_a_spanish_member_is_charged_in_euros(
    markets, root, stripe_emulator, django_capture_on_commit_callbacks
):
    """The member's market decides: distributor price 24.50 EUR (VAT 24.50 x 0.21 / 1.21 = 4.2520... -> 4.25
    included), charged as 2450 cents in eur on the Stripe emulator."""
    stripe_key_set(stripe_emulator.api_key)
    pablo = member_enroll(
        sponsor=root, username="pablo", email="pablo@example.es", first_name="Pablo", last_name="Sanz", country="ES"
    )
    autoship = autoship_create(
        member=pablo,
        items=[LineRequest("SHAKE", 1)],
        first_run_on=datetime.date(2026, 4, 1),
        **stored_card(pablo.email, "4242424242424242"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        (run,) = autoship_run_due(now=datetime.datetime(2026, 4, 1, 6, 0, tzinfo=datetime.UTC))
    assert run.succeeded
    order = Order.objects.get(autoship=autoship)
    assert (order.currency, order.market, order.total, order.tax, order.status) == (
        "EUR",
        markets["es"],
        Decimal("24.50"),
        Decimal("4.25"),
        "paid",
    )
    intent = stripe.PaymentIntent.retrieve(order.payments.get().stripe_payment_intent_id)
    assert (intent.currency, intent.amount) == ("eur", 2450)
