"""The company site as a storefront: the home page (branding, featured products, whom the visit is credited to),
find a distributor, the referral cookie, the product page, the cart's confirmation and removal, the branding page's
uploads and the distributor's directory opt-in. Data: frontend/tests/conftest.py (house -> ann -> bob -> cat,
house -> dan) and commerce_data (SHAKE 20 in stock, BAR 3)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from core.commerce.services.catalogue import product_image_add, product_update
from core.company.services import company_settings_get
from core.members.models import Member
from frontend.common.replicated import REFERRAL_COOKIE
from frontend.templatetags.money import money
from frontend.tests.commerce_data import catalogue_make
from frontend.tests.conftest import signed_in
from frontend.tests.images import png_bytes
from frontend.tests.page_text import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(alpha, org):
    with schema_context(alpha.schema):
        made = catalogue_make()
        product_update(product=made["shake"], featured=True, description="Creamy.\n\nTwenty servings.")
        Member.objects.filter(pk__in=[org.ann.pk, org.bob.pk]).update(listed_in_directory=True, city="Austin")
        Member.objects.filter(pk=org.dan.pk).update(city="Austin")  # not listed
        return made


def test_money_shows_the_currency():
    assert (money(Decimal("49.99"), "USD"), money(Decimal("1234.5"), "EUR"), money(None, "USD")) == (
        "$49.99", "€1,234.50", ""
    )  # fmt: skip


def test_company_home_features_products_of_the_house_shop_for_a_new_visitor(alpha, products):
    visitor = Client(HTTP_HOST=alpha.host)
    home = visitor.get("/")
    assert (home.context["seller"].username, home.context["attribution"].source) == ("house", "house")
    assert [(p.sku, p.shop_price) for p in home.context["featured"]] == [("SHAKE", Decimal("49.99"))]
    html = home.content.decode()
    assert f'href="/house/shop/{products["shake"].pk}/"' in html
    assert '<p class="price" data-testid="price-SHAKE">$49.99</p>' in html  # the price has its currency
    assert "SHAKE" not in visible_text(html) and "SKU" not in visible_text(html)  # the SKU is never shown
    assert 'href="/house/join/"' in html and 'href="/house/customer/"' in html
    assert visitor.get("/shop/")["Location"] == "/house/shop/"


def test_a_visit_to_a_replicated_site_credits_the_company_site_for_thirty_days(alpha, products):
    visitor = Client(HTTP_HOST=alpha.host)
    cookie = visitor.get("/bob/").cookies[REFERRAL_COOKIE]
    assert (cookie.value, cookie["max-age"], cookie["httponly"], cookie["samesite"]) == (
        "bob", 30 * 24 * 3600, True, "Lax"
    )  # fmt: skip
    assert visitor.get("/")["Content-Type"].startswith("text/html")
    assert visitor.get("/").context["seller"].username == "bob"
    assert visitor.get("/shop/")["Location"] == "/bob/shop/"
    # Picking a distributor beats the referral.
    picked = visitor.post("/distributors/pick/", {"username": "ann"})
    assert picked["Location"] == "/ann/shop/"
    assert visitor.get("/shop/")["Location"] == "/ann/shop/"
    # Only listed distributors can be picked; the answer names the problem, nothing changes.
    refused = visitor.post("/distributors/pick/", {"username": "dan"})
    assert (refused.status_code, refused.context["pick_error"]) == (
        400,
        "That distributor cannot be chosen. Search again.",
    )
    assert visitor.get("/shop/")["Location"] == "/ann/shop/"


def test_find_a_distributor_shows_name_city_and_site_of_listed_members_only(alpha, products):
    visitor = Client(HTTP_HOST=alpha.host)
    found = visitor.get("/distributors/", {"q": "austin"})
    assert [(m.first_name, m.city) for m in found.context["page_obj"]] == [("Ann", "Austin"), ("Bob", "Austin")]
    html = found.content.decode()
    assert 'href="/ann/"' in html and "Dan" not in visible_text(html)
    assert "ann@example.test" not in html  # no e-mail, phone or address
    assert [m.first_name for m in visitor.get("/distributors/", {"q": "bob"}).context["page_obj"]] == ["Bob"]
    assert visitor.get("/distributors/", {"q": "x" * 10_000, "page": "zz"}).status_code == 200


def test_the_product_page_shows_pictures_price_and_stock_and_pv_to_distributors_only(alpha, org, products, ann_client):
    shake, bar = products["shake"], products["bar"]
    with schema_context(alpha.schema):
        for position in (0, 1):
            product_image_add(
                product=shake,
                image=SimpleUploadedFile(f"s{position}.png", png_bytes(), content_type="image/png"),
                alt_text=f"Shake {position}",
                position=position,
            )
    visitor = Client(HTTP_HOST=alpha.host)
    page = visitor.get(f"/ann/shop/{shake.pk}/")
    html = page.content.decode()
    assert [image.alt_text for image in page.context["gallery"]] == ["Shake 0", "Shake 1"]
    assert '<p class="price" data-testid="product-price">$49.99</p>' in html
    assert "In stock" in html and "Twenty servings." in html
    assert "PV" not in visible_text(html) and "SHAKE" not in visible_text(html)  # the SKU: only a hidden field
    assert "Only 3 left" in visitor.get(f"/ann/shop/{bar.pk}/").content.decode()
    own = ann_client.get(f"/ann/shop/{shake.pk}/").content.decode()
    assert '<p data-testid="product-pv">40.00 PV</p>' in own and "$39.99" in own
    assert visitor.get("/ann/shop/999999/").status_code == 404


def test_adding_confirms_with_a_link_to_the_cart_and_a_line_can_be_removed(alpha, products):
    visitor = Client(HTTP_HOST=alpha.host)
    shake = products["shake"]
    added = visitor.post(
        "/ann/shop/cart/", {"sku": "SHAKE", "quantity": 2, "add": "1", "back": f"/ann/shop/{shake.pk}/"}, follow=True
    )
    assert added.redirect_chain == [(f"/ann/shop/{shake.pk}/", 302)]
    assert [str(m) for m in added.context["messages"]] == [
        'Added to cart: Protein Shake (2 in your cart). <a href="/ann/shop/cart/">View cart</a>'
    ]
    assert (
        visitor.post("/ann/shop/cart/", {"sku": "BAR", "quantity": 1, "add": "1", "back": "https://evil.test/"})[
            "Location"
        ]
        == "/ann/shop/cart/"
    )
    cart = visitor.get("/ann/shop/cart/")
    assert cart.context["subtotal"] == Decimal("109.98")
    assert '<strong data-testid="cart-subtotal">$109.98</strong>' in cart.content.decode()
    visitor.post("/ann/shop/cart/", {"sku": "SHAKE", "quantity": "0", "remove": "1"})
    cart = visitor.get("/ann/shop/cart/")
    assert [(line.product.sku, line.quantity) for line in cart.context["lines"]] == [("BAR", 1)]
    assert cart.context["subtotal"] == Decimal("10.00")


def test_the_shop_filters_by_category_and_search(alpha, products):
    visitor = Client(HTTP_HOST=alpha.host)
    listed = visitor.get("/ann/shop/", {"q": "energy"})
    assert [p.sku for p in listed.context["page_obj"]] == ["BAR"]
    assert [p.sku for p in visitor.get("/ann/shop/", {"category": "nope"}).context["page_obj"]] == ["BAR", "SHAKE"]


def test_branding_uploads_are_checked_and_served(alpha, admin_client):
    logo = SimpleUploadedFile("logo.png", png_bytes(16), content_type="image/png")
    saved = admin_client.post(
        "/console/branding/",
        {
            "display_name": "Alpha",
            "primary_color": "#123456",
            "secondary_color": "#abcdef",
            "hero_title": "Tea for everyone",
            "hero_text": "Shared by friends.",
            "logo": logo,
        },
    )
    assert saved.status_code == 302
    with schema_context(alpha.schema):
        row = company_settings_get()
    assert (row.secondary_color, row.hero_title, bool(row.logo), bool(row.hero_image)) == (
        "#abcdef", "Tea for everyone", True, False
    )  # fmt: skip
    served = Client(HTTP_HOST=alpha.host).get("/shop/branding/logo/")
    assert (served.status_code, b"".join(served.streaming_content)) == (200, png_bytes(16))
    assert Client(HTTP_HOST=alpha.host).get("/shop/branding/hero/").status_code == 404
    home = Client(HTTP_HOST=alpha.host).get("/").content.decode()
    assert "Tea for everyone" in home and "--brand-2: #abcdef;" in home
    fake = SimpleUploadedFile("hero.png", b"not a picture", content_type="image/png")
    refused = admin_client.post(
        "/console/branding/", {"display_name": "Alpha", "primary_color": "#123456", "hero_image": fake}
    )
    assert refused.status_code == 400
    assert list(refused.context["form"].errors) == ["hero_image"]
    big = SimpleUploadedFile("big.png", png_bytes(8) + b"\0" * (2 * 1024 * 1024), content_type="image/png")
    refused = admin_client.post(
        "/console/branding/", {"display_name": "Alpha", "primary_color": "#123456", "logo": big}
    )
    assert refused.context["form"].errors == {"logo": ["The picture is larger than 2 MB."]}


def test_a_distributor_opts_in_to_the_directory_from_the_back_office(alpha, org, products):
    cat = signed_in(alpha, "cat@example.test")
    form = cat.get("/office/profile/").context["form"]
    assert form.initial["listed_in_directory"] is False
    cat.post(
        "/office/profile/", {"first_name": "Cat", "last_name": "Tester", "city": "Boise", "listed_in_directory": "on"}
    )
    assert [
        m.first_name for m in Client(HTTP_HOST=alpha.host).get("/distributors/", {"q": "boise"}).context["page_obj"]
    ] == ["Cat"]


def test_the_console_product_page_sets_the_featured_flag(alpha, products, admin_client):
    bar = products["bar"]
    edit = admin_client.get(f"/console/products/{bar.pk}/edit/")
    data = {name: value for name, value in edit.context["form"].initial.items() if value is not None}
    data.update({"category": "", "featured": "on"})
    assert admin_client.post(f"/console/products/{bar.pk}/edit/", data).status_code == 302
    home = Client(HTTP_HOST=alpha.host).get("/")
    assert [p.sku for p in home.context["featured"]] == ["BAR", "SHAKE"]
