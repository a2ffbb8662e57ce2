import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from core.commerce.models import ImportStatus, MemberVolume, Order, PlacedBy, SalesImport
from core.commerce.services.partner_imports import sales_import
from core.commerce.tests.test_api import token

pytestmark = pytest.mark.django_db

HEADER = "external_id,sale_date,member_number,sku,quantity,unit_price,buyer_name\n"


def test_a_partner_file_posts_paid_orders_and_reimporting_does_not_double_count(root, enroll, catalogue):
    dist = enroll(root)
    content = (
        HEADER
        + f"A-1,2026-01-05,{dist.number},SHAKE,2,45.00,Jo Buyer\n"
        + f"A-2,2026-02-01,{dist.number},book,1,18.50,\n"
    ).encode()
    first = sales_import(partner="acme", file_name="jan.csv", content=content)
    assert (first.status, first.rows, first.posted, first.skipped) == (ImportStatus.POSTED, 2, 2, 0)
    order = Order.objects.get(external_ref="acme:A-1")
    assert (order.placed_by, order.credited_member, order.total, order.pv_total, order.paid_on, order.status) == (
        PlacedBy.IMPORT,
        dist,
        Decimal("90.00"),
        Decimal("80.00"),
        datetime.date(2026, 1, 5),
        "paid",
    )
    jan = MemberVolume.objects.get(member=dist, period_start=datetime.date(2026, 1, 1))
    assert (jan.pv, jan.psv, jan.cv) == (Decimal("0.00"), Decimal("80.00"), Decimal("70.00"))
    assert catalogue["shake"].stock_levels.get().on_hand == 100  # the partner ships

    again = sales_import(partner="acme", file_name="jan.csv", content=content)
    assert (again.status, again.posted, again.skipped) == (ImportStatus.POSTED, 0, 2)
    assert Order.objects.count() == 2
    jan.refresh_from_db()
    assert jan.psv == Decimal("80.00")


def test_one_bad_row_rejects_the_file_with_every_error_named(root, enroll, catalogue):
    dist = enroll(root)
    content = (
        HEADER + f"B-1,2026-01-05,{dist.number},SHAKE,1,45.00,\n" + "B-1,2026-13-01,999,NOPE,0,4.555,\n"
    ).encode()
    record = sales_import(partner="acme", file_name="bad.csv", content=content)
    assert record.status == ImportStatus.REJECTED
    assert record.errors == [
        {"row": 3, "field": "external_id", "message": "'B-1' appears twice in this file."},
        {"row": 3, "field": "sale_date", "message": "'2026-13-01' is not a date (YYYY-MM-DD)."},
        {"row": 3, "field": "member_number", "message": "No member number '999'."},
        {"row": 3, "field": "sku", "message": "No product with SKU 'NOPE'."},
        {"row": 3, "field": "quantity", "message": "'0' is not a whole number of at least 1."},
        {"row": 3, "field": "unit_price", "message": "'4.555' is not an amount with at most 2 decimals."},
    ]
    assert Order.objects.count() == 0
    missing = sales_import(partner="acme", file_name="x.csv", content=b"external_id,sku\n")
    assert [e["field"] for e in missing.errors] == ["sale_date", "member_number", "quantity", "unit_price"]


def test_import_api_is_staff_only_and_per_company(alpha, beta, alpha_client, beta_client, root, enroll, catalogue):
    dist = enroll(root, username="ivan")
    upload = SimpleUploadedFile("jan.csv", (HEADER + f"C-1,2026-01-05,{dist.number},SHAKE,1,45.00,\n").encode())
    admin = token(alpha_client, alpha.admin_email)
    posted = alpha_client.post("/api/v1/commerce/imports/", {"partner": "acme", "file": upload}, **admin)
    assert (posted.status_code, posted.json()["posted"]) == (201, 1)
    ivan = token(alpha_client, "ivan@example.test")
    assert alpha_client.get("/api/v1/commerce/imports/", **ivan).status_code == 403
    assert beta_client.get("/api/v1/commerce/imports/", **admin).status_code == 401
    beta_admin = token(beta_client, beta.admin_email)
    assert beta_client.get("/api/v1/commerce/imports/", **beta_admin).json()["results"] == []
    with schema_context(alpha.schema):
        assert SalesImport.objects.count() == 1
