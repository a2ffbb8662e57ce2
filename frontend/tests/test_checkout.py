"""Guest checkout on a replicated site, step by step: e-mail and addresses, shipping method, the summary with every
amount and its currency, card payment on the Stripe emulator, the confirmation page and e-mail in the company's name
and from its address, and the account a guest may create afterwards. Bad input is a 400 naming the field, with
nothing written. The console's shipping methods page is for admins to change."""

import secrets
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import schema_context

from core.commerce.models import Order, OrderStatus, ShippingMethod
from core.commerce.services.shipping import shipping_method_create
from core.company.services import company_settings_update
from core.members.models import Customer
from frontend.tests.commerce_data import catalogue_make
from frontend.tests.conftest import signed_in
from tests.factories.catalogue import TaxRateFactory
from tests.fixtures_stripe import stripe_key_set

pytestmark = pytest.mark.django_db

GUEST = {
    "email": "gus@example.test",
    "first_name": "Gus",
    "last_name": "Guest",
    "ship_name": "Gus Guest",
    "ship_line1": "1 Main St",
    "ship_line2": "Apt 4",
    "ship_city": "Austin",
    "ship_postal_code": "78701",
    "ship_country": "US",
    "ship_region": "US-TX",
    "bill_same": "on",
}


@pytest.fixture
def shop(alpha, org):
    """SHAKE 49.99 retail; Texas taxed at 8.25 %; Standard 5.00 and Express 12.50 to the US."""
    with schema_context(alpha.schema):
        catalogue_make()
        TaxRateFactory(country="US", region="TX", rate=Decimal("0.0825"), name="Texas")
        return {
            "standard": shipping_method_create(country="US", name="Standard", fee=Decimal("5.00")),
            "express": shipping_method_create(country="US", name="Express", fee=Decimal("12.50"), sort_order=1),
        }


def _guest_with_cart(alpha) -> Client:
    client = Client(HTTP_HOST=alpha.host)
    client.post("/ann/shop/cart/", {"sku": "SHAKE", "quantity": 2, "add": "1"})
    return client


def test_a_guest_buys_with_an_address_and_gets_the_confirmation_from_the_company(
    alpha, org, shop, stripe_emulator, django_capture_on_commit_callbacks, settings
):
    settings.VERIFIED_SENDING_DOMAINS = ["alpha.example"]  # the company's domain is verified for sending
    with schema_context(alpha.schema):
        stripe_key_set(stripe_emulator.api_key)
        company_settings_update(changes={"display_name": "Alpha Wellness", "from_email": "orders@alpha.example"})
    client = _guest_with_cart(alpha)
    assert client.post("/ann/shop/checkout/", GUEST)["Location"] == "/ann/shop/checkout/shipping/"
    shipping = client.get("/ann/shop/checkout/shipping/")
    assert [label for _pk, label in shipping.context["form"].fields["shipping_method"].choices] == [
        "Standard · 5.00 USD",
        "Express · 12.50 USD",
    ]
    assert client.post("/ann/shop/checkout/shipping/", {"shipping_method": shop["express"].pk})["Location"] == (
        "/ann/shop/checkout/pay/"
    )
    summary = client.get("/ann/shop/checkout/pay/")
    quote = summary.context["quote"]
    # 2 x 49.99 = 99.98; tax 99.98 x 8.25 % = 8.25; + 12.50 Express = 120.73
    assert (quote.subtotal, quote.shipping, quote.tax, quote.total) == (
        Decimal("99.98"),
        Decimal("12.50"),
        Decimal("8.25"),
        Decimal("120.73"),
    )
    page = summary.content.decode()
    for amount in ("$99.98", "$12.50", "$8.25", "$120.73"):
        assert amount in page
    with django_capture_on_commit_callbacks(execute=True):
        placed = client.post("/ann/shop/checkout/pay/", {"payment": "card", "card": "pm_card_visa"})
    with schema_context(alpha.schema):
        order = Order.objects.get()
        customer = Customer.objects.get()
    assert placed["Location"] == f"/ann/shop/orders/{order.number}/"
    assert (order.status, order.total, order.credited_member_id, order.buyer_customer_id) == (
        OrderStatus.PAID,
        Decimal("120.73"),
        org.ann.pk,
        customer.pk,
    )
    assert (customer.email, customer.distributor_id, customer.user_id) == ("gus@example.test", org.ann.pk, None)
    confirmation = client.get(placed["Location"])
    text = confirmation.content.decode()
    assert "Thank you for your order with Alpha Wellness." in text
    assert confirmation.context["ship_to"] == [
        "Gus Guest",
        "1 Main St",
        "Apt 4",
        "Austin Texas 78701",
        "United States of America",
    ]
    assert confirmation.context["account_form"] is not None
    (sent,) = mail.outbox
    assert (sent.from_email, sent.reply_to, sent.to, sent.subject) == (
        "Alpha Wellness <orders@alpha.example>",
        [],
        ["gus@example.test"],
        f"Your Alpha Wellness order {order.number}",
    )
    assert (
        "2 x Protein Shake: 99.98 USD\nSubtotal: 99.98 USD\nShipping: 12.50 USD\nTax: 8.25 USD\nTotal: 120.73 USD"
    ) in sent.body
    assert "Shipping to (Express):\nGus Guest\n1 Main St\nApt 4\nAustin Texas 78701\nUnited States of America" in (
        sent.body
    )
    # The cart and the checkout are emptied; another visitor cannot see the order.
    assert client.get("/ann/shop/cart/").context["lines"] == []
    assert Client(HTTP_HOST=alpha.host).get(placed["Location"])["Location"].startswith("/accounts/login/")

    account = client.post(
        placed["Location"], {"action": "account", "password1": "Gus-pass-2026!", "password2": "Gus-pass-2026!"}
    )
    assert account.status_code == 302
    with schema_context(alpha.schema):
        customer.refresh_from_db()
        assert customer.user.email == "gus@example.test"
    after = client.get(placed["Location"])
    assert after.context["user"].email == "gus@example.test" and after.context["account_form"] is None


def test_without_a_company_sender_the_platform_address_carries_the_company_name(
    alpha, org, shop, stripe_emulator, django_capture_on_commit_callbacks, settings
):
    settings.DEFAULT_FROM_EMAIL = "Canopy <no-reply@canopy.local>"
    with schema_context(alpha.schema):
        stripe_key_set(stripe_emulator.api_key)
        company_settings_update(changes={"display_name": "Alpha Wellness"})
    client = _guest_with_cart(alpha)
    client.post("/ann/shop/checkout/", GUEST)
    client.post("/ann/shop/checkout/shipping/", {"shipping_method": shop["standard"].pk})
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/ann/shop/checkout/pay/", {"payment": "card", "card": "pm_card_visa"})
    assert [m.from_email for m in mail.outbox] == ["Alpha Wellness <no-reply@canopy.local>"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"ship_country": "XX"}, "ship_country", id="bad-country"),
        pytest.param({"ship_line1": "1 Main\x00St"}, "ship_line1", id="nul-byte"),
        pytest.param({"ship_line1": "x" * 201}, "ship_line1", id="street-too-long"),
        pytest.param({"ship_region": "CA-ON"}, "ship_region", id="province-for-the-us"),
        pytest.param({"email": "not-an-email"}, "email", id="bad-email"),
        pytest.param({"bill_same": "", "bill_line1": ""}, "bill_line1", id="billing-needed"),
    ],
)
def test_bad_details_are_a_400_naming_the_field_and_nothing_is_written(alpha, org, shop, changes, field):
    client = _guest_with_cart(alpha)
    response = client.post("/ann/shop/checkout/", {**GUEST, **changes})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in response.content.decode()
    # the next steps send the visitor back: nothing was kept
    assert client.get("/ann/shop/checkout/shipping/")["Location"] == "/ann/shop/checkout/"
    with schema_context(alpha.schema):
        assert (Order.objects.count(), Customer.objects.count()) == (0, 0)


def test_a_country_nobody_ships_to_is_told_so(alpha, org, shop):
    client = _guest_with_cart(alpha)
    client.post(
        "/ann/shop/checkout/", {**GUEST, "ship_country": "DE", "ship_region": "", "ship_region_other": "Berlin"}
    )
    page = client.get("/ann/shop/checkout/shipping/")
    assert "We don't ship to this country yet." in page.content.decode()
    assert client.get("/ann/shop/checkout/pay/")["Location"] == "/ann/shop/checkout/shipping/"


def test_only_admins_change_shipping_methods(alpha, org, shop, admin_client):
    listing = admin_client.get("/console/shipping-methods/")
    assert [(m.country, m.name, m.fee) for m in listing.context["page_obj"]] == [
        ("US", "Standard", Decimal("5.00")),
        ("US", "Express", Decimal("12.50")),
    ]
    assert "$5.00" in listing.content.decode()
    created = admin_client.post(
        "/console/shipping-methods/new/",
        {"country": "", "name": "International", "fee": "25.00", "sort_order": 0, "is_active": "on"},
    )
    assert created["Location"] == "/console/shipping-methods/"
    refused = admin_client.post(
        "/console/shipping-methods/new/", {"country": "ZZ", "name": "X", "fee": "1", "sort_order": 0}
    )
    assert refused.status_code == 400 and "country" in refused.context["form"].errors
    with schema_context(alpha.schema):
        assert list(ShippingMethod.objects.values_list("country", "name", "fee").order_by("id")) == [
            ("US", "Standard", Decimal("5.00")),
            ("US", "Express", Decimal("12.50")),
            ("", "International", Decimal("25.00")),
        ]
    ann = signed_in(alpha, "ann@example.test")
    assert ann.get("/console/shipping-methods/").status_code == 403


def test_a_guest_pays_by_card_only(alpha, org, shop):
    client = _guest_with_cart(alpha)
    client.post("/ann/shop/checkout/", GUEST)
    client.post("/ann/shop/checkout/shipping/", {"shipping_method": shop["standard"].pk})
    page = client.get("/ann/shop/checkout/pay/")
    assert page.context["form"].fields["payment"].choices == [("card", "Card")]
    refused = client.post("/ann/shop/checkout/pay/", {"payment": "offline"})
    assert refused.status_code == 400 and "payment" in refused.context["form"].errors
    with schema_context(alpha.schema):
        assert (Order.objects.count(), Customer.objects.count()) == (0, 0)


def test_guest_orders_share_the_sign_up_limit_per_address(alpha, org, shop, stripe_emulator, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "site_signup": "1/h/ip"}
    with schema_context(alpha.schema):
        stripe_key_set(stripe_emulator.api_key)
    ip = f"10.77.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
    statuses = []
    for _n in range(2):
        client = Client(HTTP_HOST=alpha.host, REMOTE_ADDR=ip)
        client.post("/ann/shop/cart/", {"sku": "BAR", "quantity": 1, "add": "1"})
        client.post("/ann/shop/checkout/", GUEST)
        client.post("/ann/shop/checkout/shipping/", {"shipping_method": shop["standard"].pk})
        statuses.append(client.post("/ann/shop/checkout/pay/", {"payment": "card", "card": "pm_card_visa"}).status_code)
    assert statuses == [302, 429]
    with schema_context(alpha.schema):
        assert (Order.objects.count(), Customer.objects.count()) == (1, 1)


def test_a_guest_whose_card_is_declined_pays_again_on_the_order_page(alpha, org, shop, stripe_emulator):
    with schema_context(alpha.schema):
        stripe_key_set(stripe_emulator.api_key)
    client = _guest_with_cart(alpha)
    client.post("/ann/shop/checkout/", GUEST)
    client.post("/ann/shop/checkout/shipping/", {"shipping_method": shop["standard"].pk})
    placed = client.post("/ann/shop/checkout/pay/", {"payment": "card", "card": "pm_card_chargeCustomerFail"})
    page = client.get(placed["Location"])
    assert page.context["order"].status == OrderStatus.PENDING and page.context["can_pay"] is True
    assert "Your card was declined. Your order is saved: try another card below." in page.content.decode()
    mismatch = client.post(placed["Location"], {"action": "account", "password1": "Gus-pass-2026!", "password2": "x"})
    assert mismatch.status_code == 400 and list(mismatch.context["account_form"].errors) == ["password2"]
    client.post(placed["Location"], {"action": "pay", "card": "pm_card_visa"})
    with schema_context(alpha.schema):
        # 2 x 49.99 = 99.98 + 8.25 tax + 5.00 Standard
        assert list(Order.objects.values_list("status", "total")) == [(OrderStatus.PAID, Decimal("113.23"))]
        assert Customer.objects.get().user_id is None
