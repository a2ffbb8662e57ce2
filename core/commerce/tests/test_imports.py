import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from core.commerce.models import ImportStatus, MemberVolume, Order, PlacedBy, SalesImport
from core.commerce.services.catalogue import product_retire
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

    again = sales_import(partner="acme", file_name="jan.csv", content=content, confirm_duplicate=True)
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


def test_the_same_file_under_another_partner_name_is_refused_naming_the_earlier_import(root, enroll, catalogue):
    """Issue 12 item 8: its SHA-256 was stored but never checked, so a second partner name posted every row again."""
    dist = enroll(root)
    content = (HEADER + f"D-1,2026-01-05,{dist.number},SHAKE,2,45.00,\n").encode()
    first = sales_import(partner="acme", file_name="jan.csv", content=content)
    again = sales_import(partner="acme-eu", file_name="jan (1).csv", content=content)
    assert (again.pk, again.status, again.duplicate_of, again.posted) == (first.pk + 1, ImportStatus.REJECTED, first, 0)
    assert again.errors == [
        {
            "row": 0,
            "field": "file",
            "message": f"This file was posted before: import {first.pk} (acme, jan.csv, "
            f"{first.imported_at:%Y-%m-%d}). Upload it with confirm_duplicate=true to import it again.",
        }
    ]
    assert list(Order.objects.values_list("external_ref", flat=True)) == ["acme:D-1"]
    confirmed = sales_import(partner="acme-eu", file_name="jan (1).csv", content=content, confirm_duplicate=True)
    assert (confirmed.status, confirmed.posted, confirmed.duplicate_of) == (ImportStatus.POSTED, 1, None)
    assert Order.objects.count() == 2


def test_a_duplicate_upload_through_the_api_is_a_409_naming_the_earlier_import(alpha, alpha_client, root, catalogue):
    content = (HEADER + f"E-1,2026-01-05,{root.number},SHAKE,1,45.00,\n").encode()
    admin = token(alpha_client, alpha.admin_email)
    url = "/api/v1/commerce/imports/"
    first = alpha_client.post(url, {"partner": "acme", "file": SimpleUploadedFile("a.csv", content)}, **admin)
    assert first.status_code == 201
    second = alpha_client.post(url, {"partner": "other", "file": SimpleUploadedFile("b.csv", content)}, **admin)
    assert (second.status_code, second.json()["status"], second.json()["duplicate_of"]) == (
        409,
        "rejected",
        first.json()["id"],
    )
    assert f"import {first.json()['id']} (acme, a.csv" in second.json()["errors"][0]["message"]
    confirmed = alpha_client.post(
        url,
        {"partner": "other", "file": SimpleUploadedFile("b.csv", content), "confirm_duplicate": "true"},
        **admin,
    )
    assert (confirmed.status_code, confirmed.json()["posted"]) == (201, 1)
    with schema_context(alpha.schema):
        assert list(SalesImport.objects.order_by("id").values_list("status", flat=True)) == [
            "posted",
            "rejected",
            "posted",
        ]


def test_a_retired_sku_is_a_row_error_and_the_rejected_upload_is_recorded(root, enroll, catalogue):
    """Issue 12 item 8: a retired SKU passed the row checks, then failed the whole file naming no row."""
    dist = enroll(root)
    product_retire(product=catalogue["book"])
    content = (
        HEADER + f"F-1,2026-01-05,{dist.number},SHAKE,1,45.00,\n" + f"F-2,2026-01-06,{dist.number},book,1,9,\n"
    ).encode()
    record = sales_import(partner="acme", file_name="feb.csv", content=content)
    assert (record.status, record.rows, record.posted) == (ImportStatus.REJECTED, 2, 0)
    assert record.errors == [{"row": 3, "field": "sku", "message": "BOOK is retired and can no longer be sold."}]
    assert SalesImport.objects.get() == record
    assert Order.objects.count() == 0


def test_a_row_the_order_service_refuses_is_named_and_nothing_is_posted(root, enroll, catalogue):
    """A row that passes the file's own checks but not the order's (its total does not fit the amount columns) names
    its row too, and the rows before it are rolled back."""
    dist = enroll(root)
    content = (
        HEADER
        + f"G-1,2026-01-05,{dist.number},SHAKE,1,45.00,\n"
        + f"G-2,2026-01-06,{dist.number},SHAKE,10000,999999999999.99,\n"
    ).encode()
    record = sales_import(partner="acme", file_name="mar.csv", content=content)
    assert (record.status, record.posted, record.errors) == (
        ImportStatus.REJECTED,
        0,
        [{"row": 3, "field": "quantity", "message": "The order comes to more than 999,999,999,999.99: split it."}],
    )
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("buyer_name", "x" * 201, "Longer than 200 characters."),
        ("external_id", "x" * 196, "Longer than 195 characters."),
        ("member_number", "99999999999999999999999", "No member number '99999999999999999999999'."),
        ("quantity", str(2**31), f"'{2**31}' is more than 10000 units on one row."),
        ("unit_price", "1000000000000.00", "'1000000000000.00' is not an amount with at most 2 decimals."),
        ("sale_date", "0001-01-01", "'0001-01-01' is not between 2000-01-01 and 2100-12-31."),
    ],
    ids=[
        "buyer-name-too-long",
        "external-id-too-long",
        "member-above-64-bits",
        "quantity-2-31",
        "price-13-digits",
        "year-one",
    ],
)
def test_a_value_that_does_not_fit_its_column_is_a_row_error(root, enroll, catalogue, column, value, message):
    dist = enroll(root)
    row = {"external_id": "H-1", "sale_date": "2026-01-05", "member_number": str(dist.number), "sku": "SHAKE",
           "quantity": "1", "unit_price": "45.00", "buyer_name": ""}  # fmt: skip
    row[column] = value
    content = (HEADER + ",".join(row.values()) + "\n").encode()
    record = sales_import(partner="acme", file_name="big.csv", content=content)
    assert (record.status, record.errors) == (ImportStatus.REJECTED, [{"row": 2, "field": column, "message": message}])
    assert Order.objects.count() == 0


def test_a_latin1_file_is_rejected_naming_the_encoding(root, catalogue):
    content = (HEADER + f"J-1,2026-01-05,{root.number},SHAKE,1,45.00,José Müller\n").encode("latin-1")
    record = sales_import(partner="acme", file_name="latin.csv", content=content)
    assert (record.status, record.errors) == (
        ImportStatus.REJECTED,
        [{"row": 0, "field": "file", "message": "The file is not UTF-8 text."}],
    )
