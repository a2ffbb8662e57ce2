"""The replicated site's shop: prices by shopper, the session cart, checkout credited to the site's distributor, card
payment on the Stripe emulator, pay offline, and the confirmation page."""

from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from conftest import PASSWORD
from core.commerce.models import MemberVolume, Order, OrderStatus, PaymentStatus, ShippingMethod
from core.commerce.services.shipping import shipping_method_create
from core.members.models import Member
from core.members.services.customers import customer_create
from frontend.tests.commerce_data import catalogue_make
from frontend.tests.conftest import signed_in
from frontend.tests.test_site import ADDRESS as SIGNUP_ADDRESS
from tests.fixtures_stripe import stripe_key_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(alpha, org):
    with schema_context(alpha.schema):
        return catalogue_make()


def _customer(alpha, distributor, email="carol@example.test", customer_type="retail"):
    with schema_context(alpha.schema):
        return customer_create(
            distributor=distributor,
            email=email,
            first_name="Carol",
            last_name="Buyer",
            customer_type=customer_type,
            password=PASSWORD,
        )


ADDRESS = {
    "ship_name": "Carol Buyer",
    "ship_line1": "1 Main St",
    "ship_city": "Austin",
    "ship_postal_code": "78701",
    "ship_country": "US",
    "ship_region": "US-TX",
    "bill_same": "on",
}


def _to_payment(alpha, client, path="/ann/shop/checkout/", **extra):
    """Steps 1 and 2 of the checkout (address, then the free "Standard" method): the client is at the payment."""
    with schema_context(alpha.schema):
        method = ShippingMethod.objects.filter(name="Standard").first() or shipping_method_create(
            country="", name="Standard", fee=Decimal("0")
        )
    details = client.post(path, {**ADDRESS, **extra})
    assert details.status_code == 302, details.context["form"].errors
    shipping = client.post(f"{path}shipping/", {"shipping_method": method.pk})
    assert shipping.status_code == 302, shipping.context["form"].errors
    return f"{path}pay/"


def _prices(client, path="/ann/shop/"):
    response = client.get(path)
    assert response.status_code == 200
    return {p.sku: p.shop_price for p in response.context["page_obj"]}


def test_prices_follow_the_shopper(alpha, org, products, ann_client):
    assert _prices(Client(HTTP_HOST=alpha.host)) == {"SHAKE": Decimal("49.99"), "BAR": Decimal("10.00")}
    _customer(alpha, org.ann, "pref@example.test", "preferred")
    preferred = signed_in(alpha, "pref@example.test")
    assert _prices(preferred) == {"SHAKE": Decimal("44.99"), "BAR": Decimal("10.00")}  # no preferred price: retail
    assert _prices(ann_client) == {"SHAKE": Decimal("39.99"), "BAR": Decimal("8.00")}
    with schema_context(alpha.schema):
        Member.objects.filter(pk=org.ann.pk).update(preferred_pricing_suspended=True)
    assert _prices(ann_client) == {"SHAKE": Decimal("49.99"), "BAR": Decimal("10.00")}
    # On another distributor's site a distributor is a visitor: retail, and no checkout.
    response = ann_client.get("/bob/shop/")
    assert "another distributor" in response.context["shopper"].blocked


def test_cart_adds_updates_and_removes(alpha, org, products):
    client = Client(HTTP_HOST=alpha.host)
    client.post("/ann/shop/cart/", {"sku": "SHAKE", "quantity": 2, "add": "1"})
    client.post("/ann/shop/cart/", {"sku": "SHAKE", "quantity": 1, "add": "1"})
    badge = client.post("/ann/shop/cart/", {"sku": "BAR", "quantity": 1, "add": "1"}, HTTP_HX_REQUEST="true")
    assert badge.content.decode().strip().endswith("Cart (4)</a>")
    cart = client.get("/ann/shop/cart/")
    assert [(line.product.sku, line.quantity, line.subtotal) for line in cart.context["lines"]] == [
        ("SHAKE", 3, Decimal("149.97")),
        ("BAR", 1, Decimal("10.00")),
    ]
    assert cart.context["subtotal"] == Decimal("159.97")
    client.post("/ann/shop/cart/", {"sku": "BAR", "quantity": 0})
    assert [line.product.sku for line in client.get("/ann/shop/cart/").context["lines"]] == ["SHAKE"]
    # A cart belongs to one distributor's site.
    assert client.get("/bob/shop/cart/").context["lines"] == []


def test_visitor_signs_up_as_customer_at_checkout_and_pays_by_card(alpha, org, products, stripe_emulator):
    with schema_context(alpha.schema):
        stripe_key_set(stripe_emulator.api_key)
    client = Client(HTTP_HOST=alpha.host)
    client.post("/ann/shop/cart/", {"sku": "SHAKE", "quantity": 2, "add": "1"})
    checkout = client.get("/ann/shop/checkout/")
    assert "/ann/customer/?next=/ann/shop/checkout/" in checkout.content.decode()
    signup = client.post(
        "/ann/customer/?next=/ann/shop/checkout/",
        {
            "customer_type": "retail",
            "first_name": "Vic",
            "last_name": "Visitor",
            "email": "vic@example.test",
            "password": PASSWORD,
            **SIGNUP_ADDRESS,
        },
    )
    assert signup["Location"] == "/ann/shop/checkout/"
    placed = client.post(_to_payment(alpha, client), {"payment": "card", "card": "pm_card_visa"})
    with schema_context(alpha.schema):
        order = Order.objects.get()
        assert placed["Location"] == f"/ann/shop/orders/{order.number}/"
        assert (order.status, order.credited_member_id, order.price_tier, order.subtotal) == (
            OrderStatus.PAID,
            org.ann.pk,
            "retail",
            Decimal("99.98"),
        )
        assert order.payments.get().status == PaymentStatus.SUCCEEDED
        volume = MemberVolume.objects.get(member=org.ann)
        assert (volume.pv, volume.psv, volume.cv) == (Decimal("0.00"), Decimal("80.00"), Decimal("70.00"))
    page = client.get(placed["Location"])
    assert page.context["order"].status == OrderStatus.PAID and "Thank you! Order" in page.content.decode()
    assert client.get("/ann/shop/cart/").context["lines"] == []


def test_a_declined_card_keeps_the_order_pending_and_another_card_pays_it(alpha, org, products, stripe_emulator):
    with schema_context(alpha.schema):
        stripe_key_set(stripe_emulator.api_key)
    _customer(alpha, org.ann)
    client = signed_in(alpha, "carol@example.test")
    client.post("/ann/shop/cart/", {"sku": "BAR", "quantity": 1, "add": "1"})
    placed = client.post(_to_payment(alpha, client), {"payment": "card", "card": "pm_card_chargeCustomerFail"})
    page = client.get(placed["Location"])
    assert page.context["order"].status == OrderStatus.PENDING
    assert "Your card was declined. Your order is saved: try another card below." in page.content.decode()
    assert page.context["can_pay"] is True
    client.post(placed["Location"], {"action": "pay", "card": "pm_card_visa"})
    with schema_context(alpha.schema):
        assert Order.objects.get().status == OrderStatus.PAID


def test_a_payment_service_that_is_down_shows_a_plain_sentence_not_the_exception(
    alpha, org, products, stripe_emulator, settings
):
    with schema_context(alpha.schema):
        stripe_key_set(stripe_emulator.api_key)
    _customer(alpha, org.ann)
    client = signed_in(alpha, "carol@example.test")
    client.post("/ann/shop/cart/", {"sku": "BAR", "quantity": 1, "add": "1"})
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    placed = client.post(_to_payment(alpha, client), {"payment": "card", "card": "pm_card_visa"})
    text = client.get(placed["Location"]).content.decode()
    assert (
        "The payment did not go through: We could not reach the payment service; nothing was charged. Please try "
        "again in a minute."
    ) in text
    assert "APIConnectionError" not in text and "communicating with Stripe" not in text


def test_pay_offline_leaves_the_order_pending_for_staff(alpha, org, products):
    _customer(alpha, org.ann)
    client = signed_in(alpha, "carol@example.test")
    client.post("/ann/shop/cart/", {"sku": "BAR", "quantity": 2, "add": "1"})
    placed = client.post(_to_payment(alpha, client), {"payment": "offline"})
    with schema_context(alpha.schema):
        order = Order.objects.get()
    assert (order.status, order.total, order.credited_member_id) == ("pending", Decimal("20.00"), org.ann.pk)
    assert "Pay 20.00" in client.get(placed["Location"]).content.decode()


def test_stock_errors_show_on_the_checkout_form(alpha, org, products):
    _customer(alpha, org.ann)
    client = signed_in(alpha, "carol@example.test")
    client.post("/ann/shop/cart/", {"sku": "BAR", "quantity": 5, "add": "1"})
    response = client.post(_to_payment(alpha, client), {"payment": "offline"})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["Only 3 of BAR in stock at MAIN."]


def test_a_customer_of_another_distributor_is_sent_to_their_site(alpha, org, products):
    _customer(alpha, org.bob)
    client = signed_in(alpha, "carol@example.test")
    client.post("/ann/shop/cart/", {"sku": "BAR", "quantity": 1, "add": "1"})
    response = client.post("/ann/shop/checkout/", ADDRESS)
    assert "/bob/shop/" in response.context["shopper"].blocked
    assert client.post("/ann/shop/checkout/pay/", {"payment": "offline"})["Location"] == "/ann/shop/checkout/"
    with schema_context(alpha.schema):
        assert not Order.objects.exists()


def test_distributor_shops_for_themself_and_sees_the_order_and_volume(alpha, org, products, ann_client):
    ann_client.post("/ann/shop/cart/", {"sku": "SHAKE", "quantity": 1, "add": "1"})
    placed = ann_client.post(_to_payment(alpha, ann_client), {"payment": "card", "card": "pm_card_visa"})
    assert placed.status_code == 302
    with schema_context(alpha.schema):
        order = Order.objects.get()
    assert (order.buyer_member_id, order.price_tier, order.total) == (org.ann.pk, "distributor", Decimal("39.99"))


def test_order_confirmation_is_only_for_its_buyer(alpha, org, products):
    _customer(alpha, org.ann)
    client = signed_in(alpha, "carol@example.test")
    client.post("/ann/shop/cart/", {"sku": "BAR", "quantity": 1, "add": "1"})
    location = client.post(_to_payment(alpha, client), {"payment": "offline"})["Location"]
    _customer(alpha, org.ann, "other@example.test")
    assert signed_in(alpha, "other@example.test").get(location).status_code == 404
    assert Client(HTTP_HOST=alpha.host).get(location)["Location"].startswith("/accounts/login/")


# ---------------------------------------------------------------------------------------------------- pictures


def test_product_pictures_show_on_the_shop_and_are_served_for_products_for_sale_only(alpha, beta, org, products):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.commerce.models import Product, ProductImage
    from core.commerce.services.catalogue import product_create, product_image_add, product_retire
    from frontend.tests.images import png_bytes

    def upload(name, size=8):
        return SimpleUploadedFile(name, png_bytes(size), content_type="image/png")

    with schema_context(alpha.schema):
        shake, bar = products["shake"], products["bar"]
        back = product_image_add(product=shake, image=upload("back.png", 9), alt_text="The back", position=1)
        front = product_image_add(product=shake, image=upload("front.png"), alt_text="The front", position=0)
        bar_image = product_image_add(product=bar, image=upload("bar.png"))
        alpha_last = ProductImage.objects.order_by("-pk").first().pk
    visitor = Client(HTTP_HOST=alpha.host)
    page = visitor.get("/ann/shop/")
    shown = {p.sku: p.shop_picture.pk for p in page.context["page_obj"]}
    assert shown == {"SHAKE": front.pk, "BAR": bar_image.pk}
    assert (  # alt="": in the card the picture sits in the product's link beside its name (the product page has alt)
        f'<img class="product-picture" src="/shop/images/{front.pk}/" alt="" loading="lazy" '
        f'data-testid="picture-SHAKE">'
    ) in page.content.decode()
    served = visitor.get(f"/shop/images/{front.pk}/")
    assert (served.status_code, served["Content-Type"], b"".join(served.streaming_content)) == (
        200, "image/png", png_bytes(),
    )  # fmt: skip
    assert b"".join(visitor.get(f"/shop/images/{back.pk}/").streaming_content) == png_bytes(9)

    with schema_context(alpha.schema):
        product_retire(product=Product.objects.get(pk=bar.pk))
    assert visitor.get(f"/shop/images/{bar_image.pk}/").status_code == 404
    assert [p.sku for p in visitor.get("/ann/shop/").context["page_obj"]] == ["SHAKE"]

    # Another company's picture: its id does not exist on alpha's domain (set above alpha's ids to be sure).
    with schema_context(beta.schema):
        beta_product = product_create(
            sku="TEA", name="Tea", retail_price=Decimal("5.00"), distributor_price=Decimal("4.00"),
            pv=Decimal("4"), cv=Decimal("3"),
        )  # fmt: skip
        beta_image = ProductImage.objects.create(pk=alpha_last + 100, product=beta_product, image=upload("tea.png"))
    assert visitor.get(f"/shop/images/{beta_image.pk}/").status_code == 404
    assert Client(HTTP_HOST=beta.host).get(f"/shop/images/{beta_image.pk}/").status_code == 200
    assert Client(HTTP_HOST=beta.host).get(f"/shop/images/{front.pk}/").status_code == 404
