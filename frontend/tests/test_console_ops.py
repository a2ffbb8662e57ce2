"""The console's tax rate, coupon, category, product picture, party and webhook pages: admins change, staff read
(webhooks: admins only), distributors are refused, and company B's admin never sees or touches company A's rows."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context

from core.commerce.models import Coupon, Order, OrderStatus, Party, Product, ProductCategory, ProductImage, TaxRate
from core.commerce.services.coupons import coupon_create
from core.commerce.services.parties import party_create
from core.commerce.services.tax import tax_rate_create
from core.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from core.webhooks.services import webhook_endpoint_create
from frontend.tests.commerce_data import catalogue_make
from frontend.tests.conftest import signed_in
from frontend.tests.images import png_bytes
from tests.factories.members import CompanyStaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(alpha, org):
    with schema_context(alpha.schema):
        return catalogue_make()


@pytest.fixture
def staff_client(alpha):
    with schema_context(alpha.schema):
        CompanyStaffFactory(email="staff@alpha.test")
    return signed_in(alpha, "staff@alpha.test")


@pytest.fixture
def beta_admin(beta):
    return signed_in(beta, beta.admin_email)


# ---------------------------------------------------------------------------------------------------- tax rates


def test_admin_creates_edits_and_deletes_a_tax_rate(alpha, admin_client):
    response = admin_client.post("/console/tax-rates/new/", {"country": "US", "region": "TX", "rate": "1.5"})
    assert response.status_code == 400
    assert response.context["form"].errors["rate"] == ["A rate is a fraction from 0 to below 1 (0.0825 for 8.25 %)."]
    response = admin_client.post(
        "/console/tax-rates/new/",
        {"country": "us", "region": "TX", "rate": "0.0825", "name": "Texas", "is_active": "on"},
    )
    assert response["Location"] == "/console/tax-rates/"
    with schema_context(alpha.schema):
        rate = TaxRate.objects.get()
    assert (rate.country, rate.region, rate.rate, rate.is_active) == ("US", "TX", Decimal("0.0825"), True)
    clash = admin_client.post(
        "/console/tax-rates/new/", {"country": "US", "region": "TX", "rate": "0.07", "is_active": "on"}
    )
    assert clash.context["form"].errors["region"] == ["US/TX already has an active rate; deactivate it first."]
    # The place is fixed: a posted country is ignored.
    admin_client.post(f"/console/tax-rates/{rate.pk}/", {"country": "CA", "rate": "0.0625", "name": "Texas state"})
    with schema_context(alpha.schema):
        rate.refresh_from_db()
    assert (rate.country, rate.rate, rate.name, rate.is_active) == ("US", Decimal("0.0625"), "Texas state", False)
    assert (
        admin_client.post(f"/console/tax-rates/{rate.pk}/", {"action": "delete"})["Location"] == "/console/tax-rates/"
    )
    with schema_context(alpha.schema):
        assert TaxRate.objects.count() == 0


def test_staff_read_tax_rates_and_coupons_but_cannot_change_them(alpha, staff_client):
    with schema_context(alpha.schema):
        rate = tax_rate_create(country="US", rate=Decimal("0.05"))
        coupon = coupon_create(code="SPRING", kind="percent", value=Decimal("10"))
    assert staff_client.get(f"/console/tax-rates/{rate.pk}/").status_code == 200
    assert staff_client.get(f"/console/coupons/{coupon.pk}/").status_code == 200
    assert staff_client.post(f"/console/tax-rates/{rate.pk}/", {"action": "delete"}).status_code == 403
    assert staff_client.post("/console/coupons/new/", {"code": "X", "kind": "amount", "value": "5"}).status_code == 403
    assert staff_client.post(f"/console/coupons/{coupon.pk}/", {"action": "deactivate"}).status_code == 403
    with schema_context(alpha.schema):
        assert TaxRate.objects.count() == 1 and Coupon.objects.get().is_active


# ---------------------------------------------------------------------------------------------------- coupons


def test_admin_creates_edits_and_deactivates_a_coupon(alpha, admin_client):
    data = {"code": "SPRING", "kind": "percent", "value": "120", "min_subtotal": "0"}
    response = admin_client.post("/console/coupons/new/", data)
    assert response.status_code == 400
    assert response.context["form"].errors["value"] == ["A percentage cannot be more than 100."]
    response = admin_client.post("/console/coupons/new/", {**data, "value": "15", "max_uses": "100", "is_active": "on"})
    assert response["Location"] == "/console/coupons/"
    with schema_context(alpha.schema):
        coupon = Coupon.objects.get()
    assert (coupon.code, coupon.kind, coupon.value, coupon.max_uses, coupon.is_active) == (
        "SPRING",
        "percent",
        Decimal("15.00"),
        100,
        True,
    )
    taken = admin_client.post("/console/coupons/new/", {**data, "code": "spring", "value": "5"})
    assert taken.context["form"].errors["code"] == ["The coupon code 'spring' is taken."]
    edit = {"code": "IGNORED", "kind": "amount", "value": "7.50", "min_subtotal": "20", "is_active": "on"}
    bad = admin_client.post(
        f"/console/coupons/{coupon.pk}/", {**edit, "starts_at": "2030-02-01T00:00", "ends_at": "2030-01-01T00:00"}
    )
    assert bad.context["form"].errors["ends_at"] == ["Must be after starts_at."]
    assert admin_client.post(f"/console/coupons/{coupon.pk}/", edit)["Location"] == f"/console/coupons/{coupon.pk}/"
    with schema_context(alpha.schema):
        coupon.refresh_from_db()
    assert (coupon.code, coupon.kind, coupon.value, coupon.min_subtotal, coupon.max_uses) == (
        "SPRING",
        "amount",
        Decimal("7.50"),
        Decimal("20.00"),
        None,
    )
    admin_client.post(f"/console/coupons/{coupon.pk}/", {"action": "deactivate"})
    with schema_context(alpha.schema):
        assert Coupon.objects.get().is_active is False
    assert "Inactive" in admin_client.get(f"/console/coupons/{coupon.pk}/").content.decode()


# ---------------------------------------------------------------------------------------------------- catalogue


def test_categories_are_created_renamed_and_chosen_on_the_product(alpha, admin_client, products):
    response = admin_client.post("/console/categories/", {"name": "Drinks", "slug": "drinks"})
    assert response["Location"] == "/console/categories/"
    taken = admin_client.post("/console/categories/", {"name": "More drinks", "slug": "drinks"})
    assert taken.context["form"].errors["slug"] == ["The slug 'drinks' is taken."]
    with schema_context(alpha.schema):
        category = ProductCategory.objects.get()
    admin_client.post(f"/console/categories/{category.pk}/", {"name": "Shakes & drinks"})
    shake = products["shake"]
    form = admin_client.get(f"/console/products/{shake.pk}/edit/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("category", "sku")}
    data.update(category=category.pk, taxable="on", track_inventory="on")
    assert (
        admin_client.post(f"/console/products/{shake.pk}/edit/", data)["Location"] == f"/console/products/{shake.pk}/"
    )
    with schema_context(alpha.schema):
        assert Product.objects.get(pk=shake.pk).category.name == "Shakes & drinks"
    listed = admin_client.get(f"/console/categories/{category.pk}/")
    assert [p.sku for p in listed.context["page_obj"]] == ["SHAKE"]


def test_product_pictures_are_uploaded_checked_and_removed(alpha, admin_client, staff_client, products):
    shake = products["shake"]
    upload = SimpleUploadedFile("shake.png", png_bytes(), content_type="image/png")
    response = admin_client.post(f"/console/products/{shake.pk}/images/", {"image": upload, "alt_text": "A shake"})
    assert response["Location"] == f"/console/products/{shake.pk}/edit/"
    not_image = SimpleUploadedFile("notes.png", b"not a picture", content_type="image/png")
    refused = admin_client.post(f"/console/products/{shake.pk}/images/", {"image": not_image})
    assert refused.status_code == 400
    assert refused.context["image_form"].errors["image"][0].startswith("Upload a valid image.")
    with schema_context(alpha.schema):
        image = ProductImage.objects.get()
    assert (image.product_id, image.alt_text, image.position) == (shake.pk, "A shake", 0)
    page = admin_client.get(f"/console/products/{shake.pk}/edit/")
    assert [i.pk for i in page.context["images"]] == [image.pk]
    served = staff_client.get(f"/console/products/{shake.pk}/images/{image.pk}/")
    assert b"".join(served.streaming_content) == png_bytes()
    assert staff_client.post(f"/console/products/{shake.pk}/images/{image.pk}/remove/").status_code == 403
    admin_client.post(f"/console/products/{shake.pk}/images/{image.pk}/remove/")
    with schema_context(alpha.schema):
        assert ProductImage.objects.count() == 0


# ---------------------------------------------------------------------------------------------------- parties


def test_admin_holds_a_party_for_a_consultant_adds_a_paid_guest_order_and_closes_it(alpha, admin_client, org, products):
    missing = admin_client.post(
        "/console/parties/new/", {"consultant": 9999, "host_name": "Hal", "held_on": "2030-05-01"}
    )
    assert missing.context["form"].errors["consultant"] == ["No member has this number."]
    response = admin_client.post(
        "/console/parties/new/", {"consultant": org.ann.number, "host_name": "Hal", "held_on": "2030-05-01"}
    )
    with schema_context(alpha.schema):
        party = Party.objects.get()
    assert response["Location"] == f"/console/parties/{party.pk}/"
    assert (party.consultant_id, party.name) == (org.ann.pk, "Party of Hal")
    no_lines = admin_client.post(f"/console/parties/{party.pk}/", {"guest_name": "Gail"})
    assert no_lines.context["guest_form"].errors["sku_0"] == ["Choose at least one product."]
    admin_client.post(
        f"/console/parties/{party.pk}/",
        {"guest_name": "Gail", "sku_0": "SHAKE", "quantity_0": "2", "paid_with": "cash", "reference": "R1"},
    )
    with schema_context(alpha.schema):
        order = Order.objects.get(party=party)
    assert (order.buyer_name, order.credited_member_id, order.status, order.subtotal) == (
        "Gail",
        org.ann.pk,
        OrderStatus.PAID,
        Decimal("99.98"),
    )
    page = admin_client.get(f"/console/parties/{party.pk}/")
    assert page.context["party"].orders_count == 1
    assert [o.number for o in page.context["page_obj"]] == [order.number]
    admin_client.post(f"/console/parties/{party.pk}/", {"action": "close"})
    closed = admin_client.post(
        f"/console/parties/{party.pk}/", {"guest_name": "Late", "sku_0": "BAR", "quantity_0": "1"}
    )
    assert closed.context["guest_form"].non_field_errors() == ["This party is closed."]
    listed = admin_client.get("/console/parties/?status=closed")
    assert [p.pk for p in listed.context["page_obj"]] == [party.pk]


# ---------------------------------------------------------------------------------------------------- webhooks


def test_admin_registers_edits_and_rotates_a_webhook_endpoint(alpha, admin_client):
    bad = admin_client.post("/console/webhooks/new/", {"url": "https://hooks.example.test/in", "is_active": "on"})
    assert bad.context["form"].errors["events"] == ["This field is required."]
    created = admin_client.post(
        "/console/webhooks/new/",
        {"url": "https://hooks.example.test/in", "events": ["order.paid", "member.joined"], "is_active": "on"},
    )
    with schema_context(alpha.schema):
        endpoint = WebhookEndpoint.objects.get()
    assert created.context["endpoint"].secret == endpoint.secret
    assert f'data-testid="webhook-secret">{endpoint.secret}<' in created.content.decode()
    assert endpoint.events == ["member.joined", "order.paid"]
    # The list and the edit page never show the secret.
    assert endpoint.secret not in admin_client.get("/console/webhooks/").content.decode()
    assert endpoint.secret not in admin_client.get(f"/console/webhooks/{endpoint.pk}/").content.decode()
    admin_client.post(
        f"/console/webhooks/{endpoint.pk}/",
        {"url": "https://hooks.example.test/v2", "events": ["order.refunded"], "description": "ERP"},
    )
    old_secret = endpoint.secret
    rotated = admin_client.post(f"/console/webhooks/{endpoint.pk}/", {"action": "rotate"})
    with schema_context(alpha.schema):
        endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.description, endpoint.is_active) == (
        "https://hooks.example.test/v2",
        ["order.refunded"],
        "ERP",
        False,
    )
    assert endpoint.secret != old_secret and rotated.context["endpoint"].secret == endpoint.secret


def test_an_endpoint_registered_inactive_is_created_inactive_in_one_step(alpha, admin_client):
    created = admin_client.post(
        "/console/webhooks/new/", {"url": "https://hooks.example.test/off", "events": ["order.paid"]}
    )  # "is_active" unticked
    assert created.status_code == 200
    with schema_context(alpha.schema):
        endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.url, endpoint.events, endpoint.is_active) == (
        "https://hooks.example.test/off",
        ["order.paid"],
        False,
    )
    assert created.context["endpoint"].secret == endpoint.secret


def _deliveries(endpoint, count: int) -> list[WebhookDelivery]:
    """``count`` deliveries of order.paid; the first failed, the others delivered."""
    return [
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event="order.paid",
            payload={"event": "order.paid", "data": {"number": n}},
            status=DeliveryStatus.FAILED if n == 0 else DeliveryStatus.DELIVERED,
            attempts=1,
        )
        for n in range(count)
    ]


def test_delivery_log_is_paginated_filtered_and_shows_every_attempt(alpha, admin_client):
    with schema_context(alpha.schema):
        endpoint = webhook_endpoint_create(url="https://hooks.example.test/in", events=["order.paid"])
        deliveries = _deliveries(endpoint, 51)
        failed = next(d for d in deliveries if d.status == DeliveryStatus.FAILED)
        for number in (1, 2):
            WebhookAttempt.objects.create(
                delivery=failed,
                number=number,
                attempted_at=timezone.now(),
                response_code=500,
                response_body="boom",
                succeeded=False,
            )
    first = admin_client.get("/console/webhooks/deliveries/")
    assert (len(first.context["page_obj"]), first.context["page_obj"].paginator.count) == (50, 51)
    assert len(admin_client.get("/console/webhooks/deliveries/?page=2").context["page_obj"]) == 1
    only_failed = admin_client.get(f"/console/webhooks/deliveries/?endpoint={endpoint.pk}&status=failed")
    assert [d.pk for d in only_failed.context["page_obj"]] == [failed.pk]
    detail = admin_client.get(f"/console/webhooks/deliveries/{failed.pk}/")
    assert [(a.number, a.response_code) for a in detail.context["attempts"]] == [(1, 500), (2, 500)]
    assert '"number": 0' in detail.context["payload"]


def test_admin_sends_a_failed_delivery_again_from_its_page(alpha, beta_admin, admin_client, staff_client):
    with schema_context(alpha.schema):
        endpoint = webhook_endpoint_create(url="https://hooks.example.test/in", events=["order.paid"])
        failed = WebhookDelivery.objects.create(
            endpoint=endpoint, event="order.paid", payload={"data": {}}, status=DeliveryStatus.FAILED, attempts=8
        )
    page = f"/console/webhooks/deliveries/{failed.pk}/"
    button = 'data-testid="redeliver"'
    assert button in admin_client.get(page).content.decode()
    assert staff_client.post(f"{page}redeliver/").status_code == 403
    assert beta_admin.post(f"{page}redeliver/").status_code == 404
    with schema_context(alpha.schema):
        assert WebhookDelivery.objects.get(pk=failed.pk).status == DeliveryStatus.FAILED

    response = admin_client.post(f"{page}redeliver/", follow=True)
    assert response.redirect_chain == [(page, 302)]
    assert [str(m) for m in response.context["messages"]] == ["The delivery is queued to be sent again."]
    assert button not in response.content.decode()
    with schema_context(alpha.schema):
        assert WebhookDelivery.objects.get(pk=failed.pk).status == DeliveryStatus.PENDING
    again = admin_client.post(f"{page}redeliver/", follow=True)
    assert [str(m) for m in again.context["messages"]] == [
        "Only failed deliveries can be sent again; this one is pending (queued or waiting for a retry)."
    ]


def test_webhook_pages_are_for_admins_only(alpha, staff_client, ann_client):
    with schema_context(alpha.schema):
        endpoint = webhook_endpoint_create(url="https://hooks.example.test/in", events=["order.paid"])
    for path in ("/console/webhooks/", f"/console/webhooks/{endpoint.pk}/", "/console/webhooks/deliveries/"):
        assert staff_client.get(path).status_code == 403
        assert ann_client.get(path).status_code == 403


def test_distributors_cannot_open_the_new_console_pages(ann_client):
    for path in (
        "/console/tax-rates/new/",
        "/console/coupons/new/",
        "/console/categories/",
        "/console/parties/",
        "/console/parties/new/",
        "/console/webhooks/new/",
    ):
        assert ann_client.get(path).status_code == 403, path


def test_reports_page_links_the_commission_reports(admin_client):
    html = admin_client.get("/console/reports/").content.decode()
    for path in ("/console/reports/commissions/", "/console/reports/ranks/", "/console/reports/income-disclosure/"):
        assert f'href="{path}"' in html


# ---------------------------------------------------------------------------------------------------- isolation


def test_company_b_admin_cannot_see_or_touch_company_a_rows(alpha, beta, beta_admin, org, products):
    with schema_context(alpha.schema):
        rate = tax_rate_create(country="US", rate=Decimal("0.05"))
        coupon = coupon_create(code="ALPHA10", kind="percent", value=Decimal("10"))
        party = party_create(consultant=org.ann, name="", host_name="Hal", held_on=datetime.date(2030, 5, 1))
        endpoint = webhook_endpoint_create(url="https://hooks.example.test/in", events=["order.paid"])
        delivery = _deliveries(endpoint, 1)[0]
    assert list(beta_admin.get("/console/coupons/").context["page_obj"]) == []
    assert list(beta_admin.get("/console/tax-rates/").context["page_obj"]) == []
    assert list(beta_admin.get("/console/parties/").context["page_obj"]) == []
    assert list(beta_admin.get("/console/webhooks/").context["page_obj"]) == []
    assert list(beta_admin.get("/console/webhooks/deliveries/").context["page_obj"]) == []
    for path in (
        f"/console/tax-rates/{rate.pk}/",
        f"/console/coupons/{coupon.pk}/",
        f"/console/parties/{party.pk}/",
        f"/console/webhooks/{endpoint.pk}/",
        f"/console/webhooks/deliveries/{delivery.pk}/",
    ):
        assert beta_admin.get(path).status_code == 404, path
    assert beta_admin.post(f"/console/coupons/{coupon.pk}/", {"action": "deactivate"}).status_code == 404
    assert beta_admin.post(f"/console/parties/{party.pk}/", {"action": "close"}).status_code == 404
    assert beta_admin.post(f"/console/webhooks/{endpoint.pk}/", {"action": "rotate"}).status_code == 404
    with schema_context(alpha.schema):
        assert Coupon.objects.get().is_active and Party.objects.get().status == "open"
        assert WebhookEndpoint.objects.get().secret == endpoint.secret
