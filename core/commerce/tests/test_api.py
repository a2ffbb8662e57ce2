"""Buying through the API as a distributor and as a customer, card payments on the Stripe emulator, who sees what,
and tenant isolation of every commerce endpoint."""

from decimal import Decimal

import pytest
import stripe
from django_tenants.utils import schema_context

from conftest import PASSWORD
from core.commerce.models import (
    BackOfficeSubscription,
    OrderStatus,
    Payment,
    PaymentStatus,
)

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/commerce/orders/"


def token(client, email):
    response = client.post("/api/v1/auth/token/", {"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Token {response.json()['token']}"}


def card(number="4242424242424242", exp_year=2030):
    return stripe.PaymentMethod.create(
        type="card", card={"number": number, "exp_month": 12, "exp_year": exp_year, "cvc": "123"}
    ).id


def test_a_distributor_buys_pays_by_card_and_sees_the_volume(alpha_client, shop):
    auth = token(alpha_client, "dana@example.test")
    placed = alpha_client.post(
        ORDERS,
        {"lines": [{"sku": "SHAKE", "quantity": 2}], "ship_country": "US", "ship_region": "TX"},
        content_type="application/json",
        **auth,
    )
    assert placed.status_code == 201, placed.content
    body = placed.json()
    assert (body["price_tier"], body["subtotal"], body["tax"], body["total"], body["pv_total"]) == (
        "distributor",
        "79.98",
        "6.60",
        "86.58",
        "80.00",
    )
    assert body["credited_member"] == shop["dist"].number

    paid = alpha_client.post(
        f"{ORDERS}{body['number']}/pay/", {"payment_method": card()}, content_type="application/json", **auth
    )
    assert paid.status_code == 200, paid.content
    assert paid.json()["order"]["status"] == OrderStatus.PAID
    payment = Payment.objects.get()
    assert payment.stripe_payment_intent_id.startswith("pi_")
    assert payment.amount == Decimal("86.58")
    intent = stripe.PaymentIntent.retrieve(payment.stripe_payment_intent_id)
    assert (intent.amount, intent.currency, intent.status) == (8658, "usd", "succeeded")

    volume = alpha_client.get("/api/v1/commerce/volume/", **auth).json()
    assert [(v["pv"], v["psv"], v["cv"]) for v in volume["results"]] == [("80.00", "80.00", "70.00")]


def test_a_customer_buys_credited_to_their_distributor_and_who_sees_it(alpha_client, shop):
    carl = token(alpha_client, "carl@example.test")
    placed = alpha_client.post(
        ORDERS, {"lines": [{"sku": "SHAKE", "quantity": 1}]}, content_type="application/json", **carl
    )
    assert placed.status_code == 201, placed.content
    number = placed.json()["number"]
    assert (placed.json()["price_tier"], placed.json()["total"]) == ("retail", "49.99")  # no address: no tax
    assert placed.json()["credited_member"] == shop["dist"].number
    paid = alpha_client.post(
        f"{ORDERS}{number}/pay/", {"payment_method": card()}, content_type="application/json", **carl
    )
    assert paid.status_code == 200

    dana, olga = token(alpha_client, "dana@example.test"), token(alpha_client, "olga@example.test")
    assert [o["number"] for o in alpha_client.get(ORDERS, **dana).json()["results"]] == [number]
    assert alpha_client.get(f"{ORDERS}{number}/", **dana).status_code == 200
    assert alpha_client.get(ORDERS, **olga).json()["results"] == []
    assert alpha_client.get(f"{ORDERS}{number}/", **olga).status_code == 404
    # The distributor sees the customer's order but does not cancel or pay it.
    assert alpha_client.post(f"{ORDERS}{number}/cancel/", **dana).status_code == 403
    volume = alpha_client.get("/api/v1/commerce/volume/", **dana).json()["results"]
    assert [(v["pv"], v["psv"], v["cv"]) for v in volume] == [("0.00", "40.00", "35.00")]


def test_a_declined_card_answers_402_and_leaves_the_order_pending(alpha_client, shop):
    auth = token(alpha_client, "dana@example.test")
    number = alpha_client.post(
        ORDERS, {"lines": [{"sku": "BOOK", "quantity": 1}]}, content_type="application/json", **auth
    ).json()["number"]
    declined = alpha_client.post(
        f"{ORDERS}{number}/pay/", {"payment_method": card("4000000000000341")}, content_type="application/json", **auth
    )
    assert declined.status_code == 402
    assert (declined.json()["status"], declined.json()["failure_code"]) == ("failed", "card_declined")
    assert declined.json()["order"]["status"] == "pending"
    assert Payment.objects.get().status == PaymentStatus.FAILED


def test_staff_order_for_a_member_offline_payment_and_card_refund(alpha, alpha_client, shop):
    admin = token(alpha_client, alpha.admin_email)
    placed = alpha_client.post(
        ORDERS,
        {"lines": [{"sku": "SHAKE", "quantity": 2}], "buyer_member_number": shop["dist"].number},
        content_type="application/json",
        **admin,
    )
    assert placed.status_code == 201, placed.content
    assert (placed.json()["placed_by"], placed.json()["price_tier"]) == ("staff", "distributor")
    number = placed.json()["number"]
    paid = alpha_client.post(
        f"{ORDERS}{number}/offline-payment/",
        {"method": "check", "reference": "#1001"},
        content_type="application/json",
        **admin,
    )
    assert paid.json()["status"] == "paid"
    line = alpha_client.get(f"{ORDERS}{number}/", **admin).json()["lines"][0]["id"]
    refund = alpha_client.post(
        f"{ORDERS}{number}/refunds/",
        {"lines": [{"line": line, "quantity": 1}], "reason": "broken"},
        content_type="application/json",
        **admin,
    )
    assert refund.status_code == 201, refund.content
    assert (refund.json()["amount"], refund.json()["pv"], refund.json()["stripe_refund_id"]) == ("39.99", "40.00", "")

    # A card-paid order is refunded on Stripe too.
    dana = token(alpha_client, "dana@example.test")
    number = alpha_client.post(
        ORDERS, {"lines": [{"sku": "BOOK", "quantity": 2}]}, content_type="application/json", **dana
    ).json()["number"]
    alpha_client.post(f"{ORDERS}{number}/pay/", {"payment_method": card()}, content_type="application/json", **dana)
    refund = alpha_client.post(
        f"{ORDERS}{number}/refunds/", {"reason": "all back", "full": True}, content_type="application/json", **admin
    )
    assert refund.json()["amount"] == "30.00"
    stripe_refund = stripe.Refund.retrieve(refund.json()["stripe_refund_id"])
    assert stripe_refund.amount == 3000


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        (
            "post",
            "/api/v1/commerce/products/",
            {"sku": "X", "name": "X", "retail_price": "1", "distributor_price": "1"},
        ),
        ("post", "{order}offline-payment/", {"method": "cash"}),
        ("post", "{order}refunds/", {"reason": "x"}),
        ("post", "{order}ship/", {}),
        ("get", "/api/v1/commerce/stock/low/", None),
    ],
    ids=["product-create", "offline-payment", "refund", "ship", "low-stock"],
)
def test_staff_only_endpoints_refuse_distributors(alpha_client, shop, method, path, payload):
    dana = token(alpha_client, "dana@example.test")
    number = alpha_client.post(
        ORDERS, {"lines": [{"sku": "BOOK", "quantity": 1}]}, content_type="application/json", **dana
    ).json()["number"]
    url = path.format(order=f"{ORDERS}{number}/")
    kwargs = {"content_type": "application/json"} if payload is not None else {}
    response = getattr(alpha_client, method)(url, payload or {}, **kwargs, **dana)
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ORDERS),
        ("get", "{order}"),
        ("post", "{order}pay/"),
        ("post", "{order}offline-payment/"),
        ("post", "{order}cancel/"),
        ("post", "{order}ship/"),
        ("post", "{order}refunds/"),
        ("get", "/api/v1/commerce/products/"),
        ("get", "/api/v1/commerce/volume/"),
        ("get", "/api/v1/commerce/stock/low/"),
        ("get", "/api/v1/commerce/subscription/"),
        ("post", "/api/v1/commerce/subscription/card/"),
        ("post", "/api/v1/commerce/subscription/pay/"),
    ],
)
def test_company_b_never_sees_or_touches_company_a(alpha, beta, alpha_client, beta_client, shop, method, path):
    """Alpha's tokens are refused on Beta's host, and Beta's own admin finds none of Alpha's orders."""
    dana = token(alpha_client, "dana@example.test")
    number = alpha_client.post(
        ORDERS, {"lines": [{"sku": "BOOK", "quantity": 1}]}, content_type="application/json", **dana
    ).json()["number"]
    with schema_context(beta.schema):
        assert BackOfficeSubscription.objects.count() == 0
    url = path.format(order=f"{ORDERS}{number}/")
    assert getattr(beta_client, method)(url, **dana).status_code == 401
    beta_admin = token(beta_client, beta.admin_email)
    response = (
        getattr(beta_client, method)(url, {}, **beta_admin) if method == "post" else beta_client.get(url, **beta_admin)
    )
    if "{order}" in path:
        assert response.status_code == 404
    elif path == ORDERS:
        assert response.json()["results"] == []
    elif path == "/api/v1/commerce/products/":
        assert response.json()["results"] == []  # alpha's catalogue is not beta's
    elif path == "/api/v1/commerce/stock/low/":
        assert response.json()["results"] == []
    else:  # volume and subscription belong to a distributor; beta's admin is none of alpha's
        assert response.status_code == 403


def test_paying_a_paid_order_again_answers_409_and_charges_nothing(alpha_client, shop):
    auth = token(alpha_client, "dana@example.test")
    placed = alpha_client.post(
        ORDERS, {"lines": [{"sku": "SHAKE", "quantity": 1}]}, content_type="application/json", **auth
    )
    number = placed.json()["number"]
    first = alpha_client.post(
        f"{ORDERS}{number}/pay/", {"payment_method": card()}, content_type="application/json", **auth
    )
    again = alpha_client.post(
        f"{ORDERS}{number}/pay/", {"payment_method": card()}, content_type="application/json", **auth
    )
    assert (first.status_code, again.status_code) == (200, 409)
    assert again.json() == {
        "detail": f"Order {number} is already paid.",
        "errors": {"status": [f"Order {number} is already paid."]},
    }
    assert Payment.objects.count() == 1
