"""The shop's checkout as a service: a guest becomes a customer of the site's distributor in the same transaction as
the order; the order stores both addresses and the shipping method; total = subtotal - discount + shipping + tax,
taxed at the shipping address; every bad field is named at once and nothing is written; a guest's customer record
can be given a login afterwards.

Amounts (catalogue fixture: SHAKE 49.99 retail / 39.99 distributor, taxable; US 5 %, US/TX 8.25 %):
  2 x SHAKE retail = 99.98; tax in Texas 99.98 x 0.0825 = 8.24835 -> 8.25; Express 12.50 (untaxed):
  total 99.98 + 12.50 + 8.25 = 120.73."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.accounts.models import Role, User
from core.commerce.addresses import Address
from core.commerce.models import Order, OrderStatus, PlacedBy, ShippingMethod, StockLevel
from core.commerce.selectors.shipping import shipping_methods_for
from core.commerce.services.checkout import Guest, guest_account_create, shop_order_place, shop_order_quote
from core.commerce.services.orders import Destination, LineRequest
from core.commerce.services.shipping import shipping_method_create, shipping_method_update
from core.members.models import Customer

pytestmark = pytest.mark.django_db

TEXAS = Address(name="Gus Guest", line1="1 Main St", city="Austin", postal_code="78701", region="TX", country="US")
BERLIN = Address(name="Gus Guest", line1="Unter den Linden 1", city="Berlin", postal_code="10117", country="DE")
GUEST = Guest(email="gus@example.test", first_name="Gus", last_name="Guest")


@pytest.fixture
def methods(in_alpha):
    return {
        "standard": shipping_method_create(country="US", name="Standard", fee=Decimal("5.00")),
        "express": shipping_method_create(country="US", name="Express", fee=Decimal("12.50"), sort_order=1),
        "world": shipping_method_create(country="", name="International", fee=Decimal("25.00")),
    }


@pytest.fixture
def site(root, enroll, catalogue):
    return enroll(root, username="dana")


def _place(site, destination, *, guest=GUEST, lines=None, **kwargs):
    return shop_order_place(
        site_owner=site,
        lines=lines or [LineRequest(sku="SHAKE", quantity=2)],
        buyer_member=None,
        buyer_customer=None,
        guest=guest,
        destination=destination,
        coupon_code=kwargs.pop("coupon_code", ""),
        created_by=None,
    )


def test_a_guest_order_credits_the_site_owner_with_addresses_shipping_and_tax(site, methods):
    billing = Address(name="Acme Buyer Inc", line1="9 Bill Rd", city="Toronto", region="ON", country="CA")
    order = _place(site, Destination(ship=TEXAS, bill=billing, method=methods["express"]))
    assert (order.subtotal, order.shipping, order.tax, order.total) == (
        Decimal("99.98"),
        Decimal("12.50"),
        Decimal("8.25"),
        Decimal("120.73"),
    )
    assert (order.tax_rate, order.shipping_method, order.status) == (Decimal("0.0825"), "Express", OrderStatus.PENDING)
    assert (order.ship_name, order.ship_line1, order.ship_city, order.ship_postal_code) == (
        "Gus Guest",
        "1 Main St",
        "Austin",
        "78701",
    )
    assert (order.ship_region, order.ship_country) == ("TX", "US")
    assert (order.bill_name, order.bill_line1, order.bill_city, order.bill_region, order.bill_country) == (
        "Acme Buyer Inc",
        "9 Bill Rd",
        "Toronto",
        "ON",
        "CA",
    )
    customer = order.buyer_customer
    assert (customer.email, customer.first_name, customer.distributor_id, customer.user_id, customer.country) == (
        "gus@example.test",
        "Gus",
        site.pk,
        None,
        "US",
    )
    assert (order.credited_member_id, order.placed_by, order.price_tier) == (site.pk, PlacedBy.CUSTOMER, "retail")


def test_the_summary_quote_is_what_the_order_charges(site, methods):
    destination = Destination(ship=TEXAS, bill=TEXAS, method=methods["standard"])
    quote = shop_order_quote(
        site_owner=site,
        lines=[LineRequest(sku="SHAKE", quantity=2)],
        buyer_member=None,
        buyer_customer=None,
        destination=destination,
        coupon_code="",
    )
    assert (quote.subtotal, quote.shipping, quote.tax, quote.total) == (
        Decimal("99.98"),
        Decimal("5.00"),
        Decimal("8.25"),
        Decimal("113.23"),
    )
    assert _place(site, destination).total == Decimal("113.23")


def test_a_country_without_methods_of_its_own_gets_the_methods_for_every_other_country(site, methods):
    assert [m.name for m in shipping_methods_for(country="US")] == ["Standard", "Express"]
    assert [m.name for m in shipping_methods_for(country="DE")] == ["International"]
    order = _place(site, Destination(ship=BERLIN, bill=BERLIN, method=methods["world"]))
    # no German tax rate: 99.98 + 25.00 shipping
    assert (order.tax, order.shipping, order.total) == (Decimal("0.00"), Decimal("25.00"), Decimal("124.98"))


def test_editing_a_method_never_changes_a_placed_order(site, methods):
    order = _place(site, Destination(ship=TEXAS, bill=TEXAS, method=methods["standard"]))
    shipping_method_update(method=methods["standard"], name="Ground", fee=Decimal("7.00"), sort_order=0, is_active=True)
    order.refresh_from_db()
    assert (order.shipping_method, order.shipping, order.total) == ("Standard", Decimal("5.00"), Decimal("113.23"))


@pytest.mark.parametrize(
    ("ship", "guest", "method", "fields"),
    [
        pytest.param(
            Address(name="G", line1="1 Main", city="X", country="XX"),
            GUEST,
            "world",
            {"ship_country"},
            id="bad-country",
        ),
        pytest.param(
            Address(name="G", line1="1 Main\x00", city="Austin", region="TX", country="US"),
            GUEST,
            "standard",
            {"ship_line1"},
            id="nul-byte",
        ),
        pytest.param(
            Address(name="G", line1="x" * 201, city="Austin", region="TX", country="US"),
            GUEST,
            "standard",
            {"ship_line1"},
            id="street-too-long",
        ),
        pytest.param(
            Address(name="G", line1="1 Main", city="Austin", region="ZZ", country="US"),
            GUEST,
            "standard",
            {"ship_region"},
            id="unknown-state",
        ),
        pytest.param(TEXAS, GUEST, "world", {"shipping_method"}, id="method-not-for-country"),
        pytest.param(
            Address(line1="", city="", country="US", region="TX"),
            Guest(email="not-an-email", first_name="", last_name="x" * 101),
            "standard",
            {"ship_name", "ship_line1", "ship_city", "email", "first_name", "last_name"},
            id="everything-missing-at-once",
        ),
    ],
)
def test_bad_fields_are_named_and_nothing_is_written(site, methods, ship, guest, method, fields):
    stock_before = list(StockLevel.objects.values_list("product__sku", "on_hand").order_by("product__sku"))
    with pytest.raises(ValidationError) as raised:
        _place(site, Destination(ship=ship, bill=TEXAS, method=methods[method]), guest=guest)
    assert set(raised.value.message_dict) == fields
    assert (Order.objects.count(), Customer.objects.count()) == (0, 0)
    assert list(StockLevel.objects.values_list("product__sku", "on_hand").order_by("product__sku")) == stock_before


def test_a_refused_order_leaves_no_guest_customer_behind(site, methods):
    with pytest.raises(ValidationError) as raised:
        _place(site, Destination(ship=TEXAS, bill=TEXAS, method=methods["standard"]), coupon_code="NOPE")
    assert list(raised.value.message_dict) == ["coupon_code"]
    assert (Order.objects.count(), Customer.objects.count()) == (0, 0)


def test_a_guest_creates_an_account_from_their_order_once(site, methods):
    order = _place(site, Destination(ship=TEXAS, bill=TEXAS, method=methods["standard"]))
    user = guest_account_create(order=order, password="A-long-pass-2026")
    assert (user.email, user.role, user.check_password("A-long-pass-2026")) == (
        "gus@example.test",
        Role.CUSTOMER,
        True,
    )
    assert Customer.objects.get().user_id == user.pk
    with pytest.raises(ValidationError) as again:
        guest_account_create(order=order, password="A-long-pass-2026")
    assert list(again.value.message_dict) == ["password"]
    assert User.objects.filter(email="gus@example.test").count() == 1


def test_an_account_is_refused_when_the_email_already_has_one(site, methods, make_customer):
    make_customer(site, email="gus@example.test")  # the factory gives them a login
    order = _place(site, Destination(ship=TEXAS, bill=TEXAS, method=methods["standard"]))
    with pytest.raises(ValidationError) as raised:
        guest_account_create(order=order, password="A-long-pass-2026")
    assert "sign in" in raised.value.message_dict["password"][0]


def test_shipping_methods_are_checked(in_alpha):
    with pytest.raises(ValidationError) as raised:
        shipping_method_create(country="XX", name="", fee=Decimal("-1"))
    assert set(raised.value.message_dict) == {"country", "name", "fee"}
    shipping_method_create(country="US", name="Standard", fee=Decimal("5"))
    with pytest.raises(ValidationError) as clash:
        shipping_method_create(country="US", name="standard", fee=Decimal("6"))
    assert list(clash.value.message_dict) == ["name"]
    assert ShippingMethod.objects.count() == 1
