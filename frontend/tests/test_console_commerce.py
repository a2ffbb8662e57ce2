"""The console's commerce pages and reports: products, stock, orders and their actions, subscriptions, CSV reports;
staff read, admins act, and one company's console never shows another's data."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from core.commerce.models import MemberVolume, Order, OrderStatus, Product, StockLevel
from core.commerce.services.orders import LineRequest, order_place
from core.commerce.services.payments import order_pay_offline
from frontend.tests.commerce_data import catalogue_make
from frontend.tests.conftest import enroll, signed_in
from tests.factories.members import CompanyStaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(alpha, org):
    with schema_context(alpha.schema):
        return catalogue_make()


def _order(alpha, buyer, sku="SHAKE", quantity=2, paid=True):
    with schema_context(alpha.schema):
        order = order_place(
            lines=[LineRequest(sku=sku, quantity=quantity)], placed_by="distributor", buyer_member=buyer
        )
        if paid:
            order_pay_offline(order=order, method="cash")
        return Order.objects.get(pk=order.pk)


@pytest.fixture
def staff_client(alpha):
    with schema_context(alpha.schema):
        CompanyStaffFactory(email="staff@alpha.test")
    return signed_in(alpha, "staff@alpha.test")


def test_admin_creates_a_product_with_errors_next_to_the_field(alpha, admin_client, products):
    data = {
        "sku": "shake",
        "name": "Dup",
        "retail_price": "1",
        "distributor_price": "1",
        "pv": "0",
        "cv": "0",
        "low_stock_threshold": "0",
    }
    response = admin_client.post("/console/products/new/", data)
    assert response.status_code == 400
    assert response.context["form"].errors["sku"] == ["The SKU 'shake' is taken."]
    data["sku"] = "TEA"
    response = admin_client.post("/console/products/new/", {**data, "taxable": "on"})
    with schema_context(alpha.schema):
        tea = Product.objects.get(sku="TEA")
    assert response["Location"] == f"/console/products/{tea.pk}/"
    admin_client.post(f"/console/products/{tea.pk}/", {"action": "retire"})
    with schema_context(alpha.schema):
        assert Product.objects.get(sku="TEA").status == "retired"
    listed = admin_client.get("/console/products/?status=active")
    assert [p.sku for p in listed.context["page_obj"]] == ["BAR", "SHAKE"]


def test_stock_receive_adjust_and_low_stock(alpha, admin_client, products):
    warehouse = products["warehouse"].pk
    admin_client.post("/console/inventory/", {"kind": "receive", "sku": "bar", "warehouse": warehouse, "quantity": 4})
    response = admin_client.post(
        "/console/inventory/", {"kind": "adjust", "sku": "BAR", "warehouse": warehouse, "quantity": -2, "note": ""}
    )
    assert response.context["form"].errors["note"] == ["Say why the stock is adjusted."]
    admin_client.post(
        "/console/inventory/",
        {"kind": "adjust", "sku": "BAR", "warehouse": warehouse, "quantity": -2, "note": "Broken"},
    )
    with schema_context(alpha.schema):
        assert StockLevel.objects.get(product__sku="BAR").on_hand == 5
    missing = admin_client.post(
        "/console/inventory/", {"kind": "receive", "sku": "NOPE", "warehouse": warehouse, "quantity": 1}
    )
    assert missing.context["form"].errors["sku"] == ["There is no product with SKU 'NOPE'."]
    admin_client.post(
        "/console/inventory/",
        {"kind": "adjust", "sku": "SHAKE", "warehouse": warehouse, "quantity": -16, "note": "Count"},
    )
    low = admin_client.get("/console/inventory/low/")
    assert [(level.product.sku, level.on_hand) for level in low.context["page_obj"]] == [("SHAKE", 4)]


def test_order_lifecycle_from_the_console(alpha, admin_client, org, products):
    order = _order(alpha, org.ann, paid=False)
    found = admin_client.get(f"/console/orders/?q={org.ann.number}")
    assert [o.number for o in found.context["page_obj"]] == [order.number]
    admin_client.post(f"/console/orders/{order.number}/pay/", {"pay-method": "check", "pay-reference": "No. 12"})
    admin_client.post(f"/console/orders/{order.number}/ship/")
    with schema_context(alpha.schema):
        order = Order.objects.get(pk=order.pk)
        line_id = order.lines.get().pk
        assert (order.status, order.payments.get().reference) == (OrderStatus.SHIPPED, "No. 12")
    too_many = admin_client.post(
        f"/console/orders/{order.number}/refund/", {f"refund-line_{line_id}": 3, "refund-reason": "Broken"}
    )
    assert too_many.status_code == 400
    assert too_many.context["refund_form"].errors[f"line_{line_id}"] == [
        "Ensure this value is less than or equal to 2."
    ]
    admin_client.post(
        f"/console/orders/{order.number}/refund/",
        {f"refund-line_{line_id}": 1, "refund-reason": "Broken", "refund-restock": "on"},
    )
    with schema_context(alpha.schema):
        order = Order.objects.get(pk=order.pk)
        volume = MemberVolume.objects.get(member=org.ann)
        assert (order.status, order.refunded_pv, volume.pv) == (
            "partially_refunded",
            Decimal("40.00"),
            Decimal("40.00"),
        )
        assert StockLevel.objects.get(product__sku="SHAKE").on_hand == 19
    pending = _order(alpha, org.ann, sku="BAR", quantity=1, paid=False)
    no_reason = admin_client.post(f"/console/orders/{pending.number}/cancel/", {"cancel-reason": ""})
    assert no_reason.context["cancel_form"].errors["reason"] == ["This field is required."]
    admin_client.post(f"/console/orders/{pending.number}/cancel/", {"cancel-reason": "Changed mind"})
    with schema_context(alpha.schema):
        assert Order.objects.get(pk=pending.pk).status == OrderStatus.CANCELLED


def test_shipping_an_unpaid_order_says_why(alpha, admin_client, org, products):
    order = _order(alpha, org.ann, paid=False)
    page = admin_client.post(f"/console/orders/{order.number}/ship/", follow=True)
    assert f"Only a paid order can ship; {order.number} is pending." in page.content.decode()


def test_staff_read_but_cannot_act(alpha, staff_client, org, products):
    order = _order(alpha, org.ann, paid=False)
    assert staff_client.get(f"/console/orders/{order.number}/").status_code == 200
    assert staff_client.post(f"/console/orders/{order.number}/pay/", {"pay-method": "cash"}).status_code == 403
    assert staff_client.post("/console/inventory/", {}).status_code == 403
    assert staff_client.post("/console/demotion/", {}).status_code == 403


def test_distributors_and_visitors_cannot_open_the_console(alpha, ann_client, products):
    for path in ("/console/products/", "/console/orders/", "/console/demotion/", "/console/reports/"):
        assert ann_client.get(path).status_code == 403
        assert Client(HTTP_HOST=alpha.host).get(path)["Location"].startswith("/accounts/login/")


def test_company_b_console_sees_none_of_company_a(alpha, beta, org, products):
    order = _order(alpha, org.ann)
    with schema_context(beta.schema):
        enroll(None, "zed", "Zed")
    beta_admin = signed_in(beta, beta.admin_email)
    assert list(beta_admin.get("/console/products/").context["page_obj"]) == []
    assert list(beta_admin.get("/console/orders/").context["page_obj"]) == []
    assert beta_admin.get(f"/console/orders/{order.number}/").status_code == 404
    assert beta_admin.get(f"/console/products/{products['shake'].pk}/").status_code == 404
    assert list(beta_admin.get("/console/reports/?report=volumes").context["page_obj"]) == []


def test_reports_and_their_csv(alpha, admin_client, org, products):
    order = _order(alpha, org.ann)
    _order(alpha, org.bob, sku="BAR", quantity=1)
    day = order.paid_on.isoformat()
    by_day = admin_client.get(f"/console/reports/?report=sales-day&start={day}&end={day}")
    assert list(by_day.context["page_obj"]) == [
        [order.paid_on, 2, Decimal("87.98"), Decimal("0.00"), Decimal("88.00"), Decimal("77.00")]
    ]
    csv = admin_client.get(f"/console/reports/?report=sales-product&start={day}&end={day}&export=csv")
    assert b"".join(csv.streaming_content).decode().splitlines() == [
        "sku,name,units,sales,pv",
        "BAR,Energy Bar,1,8.00,8.00",
        "SHAKE,Protein Shake,2,79.98,80.00",
    ]
    volumes = admin_client.get(f"/console/reports/?report=volumes&period={day}&export=csv")
    assert b"".join(volumes.streaming_content).decode().splitlines() == [
        "member_number,first_name,last_name,pv,psv,cv",
        f"{org.ann.number},Ann,Tester,80.00,80.00,70.00",
        f"{org.bob.number},Bob,Tester,8.00,8.00,7.00",
    ]
    assert datetime.date.fromisoformat(day) == order.paid_on


def test_admin_edits_prices_and_volumes_and_past_orders_keep_theirs(alpha, admin_client, org, products):
    order = _order(alpha, org.ann, quantity=1)
    shake = products["shake"].pk
    data = {
        "name": "Protein Shake",
        "retail_price": "-1",
        "distributor_price": "41.00",
        "pv": "45",
        "cv": "38",
        "low_stock_threshold": "5",
        "taxable": "on",
        "track_inventory": "on",
    }
    refused = admin_client.post(f"/console/products/{shake}/edit/", data)
    assert refused.context["form"].errors["retail_price"] == ["Must not be negative."]
    admin_client.post(f"/console/products/{shake}/edit/", {**data, "retail_price": "52.00", "sku": "CHANGED"})
    with schema_context(alpha.schema):
        product = Product.objects.get(pk=shake)
        assert (product.sku, product.retail_price, product.pv) == ("SHAKE", Decimal("52.00"), Decimal("45.00"))
        assert order.lines.get().unit_pv == Decimal("40.00")
