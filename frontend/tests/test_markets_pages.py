"""Markets on the pages (issue 19): the console manages markets and their price lists; the shop shows the visitor's
market (the selector, else the browser's country) in its currency; a product without a price there is unavailable.

Amounts (SHAKE 49.99 USD base price; ES price list: SHAKE 29.95 EUR retail, VAT 21 % included; BAR not sold in ES):
3 x 29.95 = 89.85 EUR; VAT inside it 89.85 x 0.21 / 1.21 = 15.5938... -> 15.59; shipping 4.95; total 94.80 EUR."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from core.commerce.models import MarketPrice
from core.commerce.services.market_prices import PriceEntry, market_price_set
from core.commerce.services.shipping import shipping_method_create
from core.commerce.services.tax import tax_rate_create
from core.company.models import Market
from core.company.services import market_create
from core.members.models import MarketChange, Member
from core.members.services.customers import customer_create
from frontend.tests.commerce_data import catalogue_make
from frontend.tests.conftest import signed_in
from tests.factories.members import CompanyStaffFactory

pytestmark = pytest.mark.django_db

SPANISH_BROWSER = "es-ES,es;q=0.9"
MADRID = {
    "email": "lucia@example.es",
    "first_name": "Lucía",
    "last_name": "García",
    "ship_name": "Lucía García",
    "ship_line1": "Calle Mayor 1",
    "ship_city": "Madrid",
    "ship_postal_code": "28013",
    "ship_country": "ES",
    "bill_same": "on",
}


@pytest.fixture
def spain(alpha, org):
    with schema_context(alpha.schema):
        products = catalogue_make()
        es = market_create(
            code="ES", name="España", countries=["ES"], currency="EUR", language="es", prices_include_tax=True
        )
        market_price_set(market=es, product=products["shake"], entry=PriceEntry("29.95", "24.50"))
        tax_rate_create(country="ES", region="", rate=Decimal("0.21"), name="IVA")
        method = shipping_method_create(country="ES", name="Estándar", fee=Decimal("4.95"), market=es)
    return {"market": es, "method": method, **products}


def _prices(client):
    response = client.get("/ann/shop/")
    assert response.status_code == 200
    return {p.sku: p.shop_price for p in response.context["page_obj"]}, response.content.decode()


def test_a_spanish_browser_sees_the_es_price_list_in_euros_and_an_unsold_product_unavailable(alpha, spain):
    visitor = Client(HTTP_HOST=alpha.host, HTTP_ACCEPT_LANGUAGE=SPANISH_BROWSER)
    prices, page = _prices(visitor)
    assert prices == {"SHAKE": Decimal("29.95"), "BAR": None}
    assert "29,95\xa0€" in page
    assert 'data-testid="unavailable-BAR"' in page and 'data-testid="price-BAR"' not in page
    refused = visitor.post("/ann/shop/cart/", {"sku": "BAR", "quantity": 1, "add": "1"}, follow=True)
    assert [str(m) for m in refused.context["messages"]] == ["Energy Bar no está disponible en su mercado."]
    assert visitor.get("/ann/shop/cart/").context["lines"] == []


def test_the_market_selector_switches_a_visitor_to_the_base_prices_and_back(alpha, spain):
    visitor = Client(HTTP_HOST=alpha.host, HTTP_ACCEPT_LANGUAGE="en-US")
    assert _prices(visitor)[0] == {"SHAKE": Decimal("49.99"), "BAR": Decimal("10.00")}
    assert visitor.post("/ann/shop/market/", {"market": "ES", "back": "/ann/shop/"}).status_code == 302
    prices, page = _prices(visitor)
    assert prices == {"SHAKE": Decimal("29.95"), "BAR": None}
    assert "€29.95" in page
    visitor.post("/ann/shop/market/", {"market": ""})
    assert _prices(visitor)[0] == {"SHAKE": Decimal("49.99"), "BAR": Decimal("10.00")}


def test_a_guest_checkout_in_es_is_priced_in_euros_with_vat_included_to_the_cent(alpha, spain):
    visitor = Client(HTTP_HOST=alpha.host, HTTP_ACCEPT_LANGUAGE=SPANISH_BROWSER)
    visitor.post("/ann/shop/cart/", {"sku": "SHAKE", "quantity": 3, "add": "1"})
    assert visitor.post("/ann/shop/checkout/", MADRID).status_code == 302
    offered = visitor.get("/ann/shop/checkout/shipping/")
    assert [m.name for m in offered.context["offered"]] == ["Estándar"]
    assert visitor.post("/ann/shop/checkout/shipping/", {"shipping_method": spain["method"].pk}).status_code == 302
    pay = visitor.get("/ann/shop/checkout/pay/")
    quote = pay.context["quote"]
    assert (quote.subtotal, quote.tax, quote.shipping, quote.total, pay.context["currency"]) == (
        Decimal("89.85"),
        Decimal("15.59"),
        Decimal("4.95"),
        Decimal("94.80"),
        "EUR",
    )
    assert "94,80\xa0€" in pay.content.decode()


def test_an_admin_creates_a_market_and_a_country_cannot_be_in_two(alpha, spain):
    admin = signed_in(alpha, alpha.admin_email)
    new = {"code": "US", "name": "United States", "countries": ["US"], "currency": "USD", "language": "en"}
    assert admin.post("/console/markets/new/", new).status_code == 302
    clash = admin.post("/console/markets/new/", {**new, "code": "IB", "countries": ["PT", "ES"], "currency": "EUR"})
    assert clash.status_code == 400
    assert clash.context["form"].errors == {"countries": ["ES already belongs to the active market ES."]}
    listing = admin.get("/console/markets/").content.decode()
    assert 'data-testid="market-US"' in listing and 'data-testid="market-ES"' in listing
    assert admin.post("/console/markets/ES/", {"action": "deactivate"}).status_code == 302
    with schema_context(alpha.schema):
        assert list(Market.objects.values_list("code", "is_active")) == [("ES", False), ("US", True)]


def test_staff_read_markets_but_cannot_change_them(alpha, spain):
    with schema_context(alpha.schema):
        CompanyStaffFactory(email="clerk@alpha.test")
    clerk = signed_in(alpha, "clerk@alpha.test")
    assert clerk.get("/console/markets/").status_code == 200
    assert clerk.post("/console/markets/new/", {}).status_code == 403


def test_the_price_list_is_saved_whole_or_not_at_all_and_round_trips_as_csv(alpha, spain):
    admin = signed_in(alpha, alpha.admin_email)
    shake, bar = spain["shake"], spain["bar"]
    bad = {
        f"{shake.pk}-retail_price": "31.00",
        f"{shake.pk}-distributor_price": "25.00",
        f"{bar.pk}-retail_price": "12,10",
        f"{bar.pk}-distributor_price": "",
    }
    refused = admin.post("/console/markets/ES/prices/", bad)
    assert refused.status_code == 400
    errors = {row["product"].sku: [e for _n, _v, e in row["values"] if e] for row in refused.context["table"]}
    assert errors["BAR"] == ["'12,10' is not an amount (use a dot for decimals: 12.50)."]
    with schema_context(alpha.schema):
        assert MarketPrice.objects.get(product=shake).retail_price == Decimal("29.95")
    saved = admin.post(
        "/console/markets/ES/prices/", {**bad, f"{bar.pk}-retail_price": "12.10", f"{bar.pk}-distributor_price": "9.68"}
    )
    assert saved.status_code == 302
    export = admin.get("/console/markets/ES/prices.csv")
    assert b"".join(export.streaming_content).decode().splitlines() == [
        "sku,name,retail_price,distributor_price,preferred_price",
        "BAR,Energy Bar,12.10,9.68,",
        "SHAKE,Protein Shake,31.00,25.00,",
    ]


def test_a_price_list_file_with_a_bad_cell_names_its_row_and_column(alpha, spain):
    admin = signed_in(alpha, alpha.admin_email)
    upload = SimpleUploadedFile("es.csv", b"sku,retail_price,distributor_price\nSHAKE,30,24\nBAR,-1,2\n", "text/csv")
    refused = admin.post("/console/markets/ES/prices/", {"action": "import", "file": upload})
    assert refused.status_code == 400
    assert refused.context["file_form"].errors == {"file": ["Row 3, retail_price: An amount from 0 to 999999999.99."]}


def test_an_admin_moves_a_member_to_another_market_with_an_audit_entry(alpha, org, spain):
    admin = signed_in(alpha, alpha.admin_email)
    moved = admin.post(
        f"/console/members/{org.bob.number}/market/", {"market-market": "ES", "market-reason": "Lives in Madrid"}
    )
    assert moved.status_code == 302
    with schema_context(alpha.schema):
        bob = Member.objects.get(pk=org.bob.pk)
        change = MarketChange.objects.get()
        assert (bob.market.code, change.old_market, change.new_market.code, change.reason) == (
            "ES",
            None,
            "ES",
            "Lives in Madrid",
        )
    page = admin.get(f"/console/members/{org.bob.number}/").content.decode()
    assert "España (EUR)" in page


def test_the_markets_api_creates_and_refuses_a_country_twice(alpha, spain):
    client = signed_in(alpha, alpha.admin_email)
    created = client.post(
        "/api/v1/markets/",
        {"code": "mx", "name": "México", "countries": ["MX"], "currency": "MXN"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json() == {
        "code": "MX",
        "name": "México",
        "countries": ["MX"],
        "currency": "MXN",
        "language": "",
        "prices_include_tax": False,
        "is_active": True,
    }
    clash = client.post(
        "/api/v1/markets/",
        {"code": "LA", "name": "Latam", "countries": ["MX", "AR"], "currency": "XYZ"},
        content_type="application/json",
    )
    assert clash.status_code == 400
    assert clash.json()["errors"] == {
        "countries": ["MX already belongs to the active market MX."],
        "currency": ["Choose an ISO 4217 currency code, e.g. EUR."],
    }
    priced = client.put(
        "/api/v1/markets/ES/prices/BAR/",
        {"retail_price": "12.10", "distributor_price": "9.68", "preferred_price": None},
        content_type="application/json",
    )
    assert priced.json() == {
        "sku": "BAR",
        "sold": True,
        "retail_price": "12.10",
        "distributor_price": "9.68",
        "preferred_price": None,
    }


def test_an_admin_moves_a_customer_to_another_market_from_the_customer_page(alpha, org, spain):
    with schema_context(alpha.schema):
        carol = customer_create(distributor=org.ann, email="carol@example.test", first_name="Carol", last_name="B")
    admin = signed_in(alpha, alpha.admin_email)
    page = admin.get(f"/console/customers/{carol.number}/")
    assert page.status_code == 200 and "None (the company's base currency)" in page.content.decode()
    moved = admin.post(f"/console/customers/{carol.number}/market/", {"market-market": "ES", "market-reason": ""})
    assert moved.status_code == 302
    with schema_context(alpha.schema):
        change = MarketChange.objects.get()
        assert (change.customer_id, change.old_market, change.new_market.code) == (carol.pk, None, "ES")
    assert 'data-testid="market">España (EUR)' in admin.get(f"/console/customers/{carol.number}/").content.decode()
