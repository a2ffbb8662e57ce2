"""Bad input never gives a 500: hostile or clumsy requests get a 4xx that names the problem, and nothing is written."""

import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from conftest import PASSWORD
from core.accounts.models import User
from core.commerce.models import Order, Party, PlacedBy, ProductCategory, Refund, SalesImport, StockLevel, StockMovement
from core.commerce.services.catalogue import product_create
from core.commerce.services.orders import LineRequest, order_place
from core.commerce.services.payments import order_mark_paid
from core.commerce.services.stock import stock_receive, warehouse_default
from core.communications.models import NewsletterSubscriber
from core.members.models import Customer, Member
from core.members.services.enrolment import member_enroll
from tests.helpers import token_client

pytestmark = pytest.mark.django_db


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("host_kind", ["company", "provider"], ids=["company-host", "platform-host"])
def test_json_nested_5000_levels_is_a_400_not_a_500(alpha_client, provider_client, host_kind):
    client = alpha_client if host_kind == "company" else provider_client
    url = "/api/v1/auth/token/" if host_kind == "company" else "/api/provider/v1/auth/token/"
    response = client.post(url, _deep(5000), content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "nested" in response.json()["detail"]


def test_a_nul_byte_in_a_query_parameter_is_a_400_naming_it(alpha, alpha_client):
    with schema_context(alpha.schema):
        admin = User.objects.get(email=alpha.admin_email)
    client = token_client(alpha, admin)
    response = client.get("/api/v1/members/", {"search": "ja\x00ne"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input.",
        "errors": {"search": ["Null characters are not allowed."]},
    }


def test_a_nul_byte_in_a_page_query_is_a_400_page_not_a_500(alpha, alpha_client):
    with schema_context(alpha.schema):
        alpha_client.force_login(User.objects.get(email=alpha.admin_email))
    response = alpha_client.get("/console/members/", {"q": "\x00"})
    assert response.status_code == 400
    assert b"Null characters are not allowed" in response.content


def test_a_body_over_the_limit_is_a_json_413_on_the_api(alpha_client):
    body = json.dumps({"email": "a@b.test", "password": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    response = alpha_client.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "request_too_large"


@pytest.fixture
def staff_api(alpha):
    with schema_context(alpha.schema):
        admin = User.objects.get(email=alpha.admin_email)
    return token_client(alpha, admin)


def test_a_member_number_above_64_bits_is_a_404(staff_api):
    assert staff_api.get("/api/v1/members/99999999999999999999999/").status_code == 404
    assert staff_api.get("/api/v1/members/9223372036854775808/upline/").status_code == 404


# ------------------------------------------------------------------------------------- issue 12, item 15 (the rest)


@pytest.fixture
def house(alpha):
    """The company's first distributor (username "house"), and a product SHAKE with 10 in the main warehouse."""
    with schema_context(alpha.schema):
        member = member_enroll(
            sponsor=None, username="house", email="house@example.test", first_name="Hal", last_name="House",
            password=PASSWORD,
        )  # fmt: skip
        shake = product_create(
            sku="SHAKE", name="Shake", retail_price=Decimal("49.99"), distributor_price=Decimal("39.99")
        )
        stock_receive(product=shake, warehouse=warehouse_default(), quantity=10)
        return Member.objects.select_related("user").get(pk=member.pk)


def _count(alpha, model) -> int:
    with schema_context(alpha.schema):
        return model.objects.count()


def test_join_with_a_300_character_first_name_is_a_400_naming_it(alpha, house):
    response = token_client(alpha, house.user).post(
        "/api/v1/join/house/",
        {"username": "newbie", "email": "new@example.test", "first_name": "N" * 300, "last_name": "Ew",
         "password": "a long enough password"},
        format="json",
    )  # fmt: skip
    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"first_name": ["Ensure this field has no more than 100 characters."]},
    )
    assert _count(alpha, Member) == 1


def test_a_300_character_newsletter_email_is_a_form_error_naming_it(alpha, alpha_client):
    """The site form answers with the page and the field's error (htmx swaps only 2xx answers), never a 500."""
    email = "n" * 287 + "@example.test"
    response = alpha_client.post("/newsletter/", {"email": email})
    assert response.status_code == 200
    assert "Ensure this value has at most 254 characters (it has 300)." in response.content.decode()
    assert _count(alpha, NewsletterSubscriber) == 0


@pytest.mark.parametrize("quantity", [2**31, 10**12], ids=["2^31", "10^12"])
def test_an_order_quantity_beyond_the_bound_is_a_400_naming_it(alpha, house, quantity):
    response = token_client(alpha, house.user).post(
        "/api/v1/commerce/orders/", {"lines": [{"sku": "SHAKE", "quantity": quantity}]}, format="json"
    )
    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"lines": {"0": {"quantity": ["Ensure this value is less than or equal to 10000."]}}},
    )
    assert _count(alpha, Order) == 0


def test_an_order_whose_total_does_not_fit_its_column_is_a_400_on_its_lines(alpha, staff_api, house):
    with schema_context(alpha.schema):
        product_create(sku="GOLD", name="Gold bar", retail_price=Decimal("999999999999.99"),
                       distributor_price=Decimal("999999999999.99"), track_inventory=False)  # fmt: skip
    response = staff_api.post(
        "/api/v1/commerce/orders/",
        {"lines": [{"sku": "GOLD", "quantity": 2}], "buyer_member_number": house.number},
        format="json",
    )
    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"lines": ["The order comes to more than 999,999,999,999.99: split it."]},
    )
    assert _count(alpha, Order) == 0


@pytest.mark.parametrize(
    ("url", "quantity", "message"),
    [
        ("receipts", 2**31, "Ensure this value is less than or equal to 1000000."),
        ("receipts", 10**12, "Ensure this value is less than or equal to 1000000."),
        ("adjustments", 2**40, "Ensure this value is less than or equal to 1000000."),
        ("adjustments", -(2**40), "Ensure this value is greater than or equal to -1000000."),
    ],
    ids=["receipt-2^31", "receipt-10^12", "adjustment-plus-2^40", "adjustment-minus-2^40"],
)
def test_a_stock_move_beyond_the_bound_is_a_400_naming_it(alpha, staff_api, house, url, quantity, message):
    response = staff_api.post(
        f"/api/v1/commerce/stock/{url}/",
        {"sku": "SHAKE", "warehouse": "MAIN", "quantity": quantity, "note": "count"},
        format="json",
    )
    assert (response.status_code, response.json()["errors"]) == (400, {"quantity": [message]})
    assert _count(alpha, StockMovement) == 1  # the fixture's receipt of 10


def test_stock_that_would_overflow_its_column_is_a_400_naming_the_quantity(alpha, staff_api, house):
    with schema_context(alpha.schema):
        StockLevel.objects.update(on_hand=2**31 - 10)
    response = staff_api.post(
        "/api/v1/commerce/stock/receipts/", {"sku": "SHAKE", "warehouse": "MAIN", "quantity": 10}, format="json"
    )
    assert (response.status_code, list(response.json()["errors"])) == (400, ["quantity"])
    assert _count(alpha, StockMovement) == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "A valid integer is required."),
        (str(2**64), "Ensure this value is less than or equal to 9223372036854775807."),
    ],
    ids=["letters", "above-64-bits"],
)
def test_a_non_numeric_member_filter_is_a_400_naming_it(staff_api, value, message):
    response = staff_api.get("/api/v1/commerce/volume/", {"member": value})
    assert (response.status_code, response.json()["errors"]) == (400, {"member": [message]})


@pytest.mark.parametrize("url", ["/api/v1/commerce/orders/", "/api/v1/members/"], ids=["orders", "members"])
def test_an_unknown_status_filter_is_a_400_naming_it(staff_api, url):
    response = staff_api.get(url, {"status": "shipped-ish"})
    assert (response.status_code, list(response.json()["errors"])) == (400, ["status"])


def test_a_member_number_above_64_bits_in_a_body_is_a_400_naming_it(alpha, staff_api, house):
    response = staff_api.post(
        "/api/v1/commerce/orders/",
        {"lines": [{"sku": "SHAKE", "quantity": 1}], "buyer_member_number": 2**64},
        format="json",
    )
    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"buyer_member_number": ["Ensure this value is less than or equal to 9223372036854775807."]},
    )
    assert _count(alpha, Order) == 0


MEMBERS_HEADER = b"member_number,username,first_name,last_name,email,sponsor_number\n"
LATIN1 = "Jos\u00e9 M\u00fcller".encode("latin-1")


@pytest.mark.parametrize(
    ("kind", "content"),
    [
        ("members", MEMBERS_HEADER + b"7,j," + LATIN1 + b",x,j@e.test,\n"),
        ("customers", b"distributor_number,first_name,last_name,email\n1," + LATIN1 + b",x,c@e.test\n"),
    ],
    ids=["members", "customers"],
)
def test_a_latin1_people_import_is_a_400_naming_the_encoding(alpha, staff_api, house, kind, content):
    response = staff_api.post(
        "/api/v1/members/import/", {"kind": kind, "file": SimpleUploadedFile("old.csv", content)}, format="multipart"
    )
    assert (response.status_code, response.json()["errors"]) == (
        400,
        [{"line": 1, "column": "file", "reason": "the file is not UTF-8 text (save it as CSV UTF-8)"}],
    )  # a small file is decoded in one piece: reading stops before its first line
    assert (_count(alpha, Member), _count(alpha, Customer)) == (1, 0)


def test_a_latin1_order_history_import_is_a_400_naming_the_encoding(alpha, staff_api, house):
    content = b"order_ref,order_date,sku,quantity,unit_price,buyer_name\nH-1,2025-01-02,SHAKE,1,9.00," + LATIN1 + b"\n"
    response = staff_api.post(
        "/api/v1/commerce/imports/order-history/",
        {"file": SimpleUploadedFile("old.csv", content)},
        format="multipart",
    )
    assert response.status_code == 400
    assert {"line": 1, "column": "file", "reason": "the file is not UTF-8 text (save it as CSV UTF-8)"} in (
        response.json()["errors"]
    )
    assert _count(alpha, Order) == 0


def test_a_latin1_partner_sales_import_is_a_400_naming_the_encoding_and_recorded(alpha, staff_api, house):
    content = b"external_id,sale_date,member_number,sku,quantity,unit_price,buyer_name\nS-1,2026-01-05,1,SHAKE,1,9.00,"
    response = staff_api.post(
        "/api/v1/commerce/imports/",
        {"partner": "acme", "file": SimpleUploadedFile("s.csv", content + LATIN1 + b"\n")},
        format="multipart",
    )
    assert (response.status_code, response.json()["errors"]) == (
        400,
        [{"row": 0, "field": "file", "message": "The file is not UTF-8 text."}],
    )
    assert (_count(alpha, Order), _count(alpha, SalesImport)) == (0, 1)


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("first_name", "F" * 300, "longer than 100 characters"),
        ("phone", "5" * 41, "longer than 40 characters"),
        ("member_number", str(2**64), f"'{2**64}' is larger than 9223372036854775807"),
        ("joined_on", "0001-01-01", "'0001-01-01' is not between 1900-01-01 and 2100-12-31"),
    ],
    ids=["first-name-300", "phone-41", "member-number-above-64-bits", "joined-year-one"],
)
def test_a_member_import_cell_that_does_not_fit_is_a_row_error(alpha, staff_api, house, column, value, reason):
    row = {"member_number": "7", "username": "jose", "first_name": "Jose", "last_name": "M", "email": "j@e.test",
           "sponsor_number": str(house.number), "phone": "", "joined_on": ""}  # fmt: skip
    row[column] = value
    content = (",".join(row) + "\n" + ",".join(row.values()) + "\n").encode()
    response = staff_api.post(
        "/api/v1/members/import/",
        {"kind": "members", "file": SimpleUploadedFile("m.csv", content)},
        format="multipart",
    )
    assert (response.status_code, response.json()["errors"]) == (
        400,
        [{"line": 2, "column": column, "reason": reason}],
    )
    assert _count(alpha, Member) == 1


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/commerce/parties/", {"host_name": "Pat", "held_on": "0001-01-01"}, "held_on"),
        ("/api/v1/commerce/autoships/", {"items": [{"sku": "SHAKE", "quantity": 1}], "first_run_on": "0001-01-01"},
         "first_run_on"),
    ],
    ids=["party-held-on", "autoship-first-run"],
)  # fmt: skip
def test_a_date_in_year_one_is_a_400_naming_it(alpha, house, url, body, field):
    response = token_client(alpha, house.user).post(url, body, format="json")
    assert (response.status_code, response.json()["errors"]) == (
        400,
        {field: ["Enter a date between 2000-01-01 and 2100-12-31."]},
    )
    assert _count(alpha, Party) == 0


def test_a_year_one_report_day_is_a_400_naming_it(staff_api):
    response = staff_api.get("/api/v1/demotion/report/series/", {"end": "0001-01-01"})
    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"end": ["Give a day between 2000-01-01 and 2100-12-31."]},
    )


# ---------------------------------------------------------------------------------------------- issue 12, item 6


def test_an_unknown_field_is_a_400_naming_it_and_nothing_is_written(alpha, staff_api):
    response = staff_api.post(
        "/api/v1/commerce/categories/", {"name": "Shakes", "slug": "shakes", "colour": "red"}, format="json"
    )
    assert (response.status_code, response.json()["errors"]) == (400, {"colour": ["Unknown field."]})
    assert _count(alpha, ProductCategory) == 0


def test_an_unknown_field_inside_a_list_is_named_too(alpha, house):
    response = token_client(alpha, house.user).post(
        "/api/v1/commerce/orders/", {"lines": [{"sku": "SHAKE", "quantity": 1, "price": "0.01"}]}, format="json"
    )
    assert (response.status_code, response.json()["errors"]) == (400, {"lines": {"0": {"price": ["Unknown field."]}}})
    assert _count(alpha, Order) == 0


@pytest.fixture
def paid_order(alpha, house) -> Order:
    with schema_context(alpha.schema):
        order = order_place(lines=[LineRequest("SHAKE", 2)], placed_by=PlacedBy.DISTRIBUTOR, buyer_member=house)
        return order_mark_paid(order=order)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"reason": "broken"}, {"lines": ["Name the lines to refund, or say full: true."]}),
        ({"reason": "broken", "amount": "5.00"}, {"amount": ["Unknown field."]}),
        ({"reason": "broken", "full": True, "lines": [{"line": 1, "quantity": 1}]},
         {"full": ["Name the lines or say full, not both."]}),
    ],
    ids=["neither-lines-nor-full", "an-amount", "both"],
)  # fmt: skip
def test_a_refund_names_its_lines_or_says_full(alpha, staff_api, paid_order, body, errors):
    response = staff_api.post(f"/api/v1/commerce/orders/{paid_order.number}/refunds/", body, format="json")
    assert (response.status_code, response.json()["errors"]) == (400, errors)
    assert _count(alpha, Refund) == 0


def test_a_full_refund_says_so(alpha, staff_api, paid_order):
    response = staff_api.post(
        f"/api/v1/commerce/orders/{paid_order.number}/refunds/", {"reason": "all back", "full": True}, format="json"
    )
    assert (response.status_code, response.json()["amount"]) == (201, str(paid_order.total))


def test_a_forwarded_header_shorter_than_the_proxy_chain_is_a_400_not_a_500(alpha_client, settings):
    """Behind two trusted proxies every request carries two X-Forwarded-For entries; one that came around them with a
    single forged entry is refused (allauth would raise ImproperlyConfigured on it: a 500)."""
    settings.TRUSTED_PROXY_COUNT = 2
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    response = alpha_client.post(
        "/api/v1/auth/token/",
        {"email": "a@b.test", "password": "x"},
        content_type="application/json",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"X-Forwarded-For": ["This request did not come through the site's proxies."]}
    response = alpha_client.post(
        "/api/v1/auth/token/",
        {"email": "a@b.test", "password": "x"},
        content_type="application/json",
        HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.2",
    )
    assert response.status_code == 401
