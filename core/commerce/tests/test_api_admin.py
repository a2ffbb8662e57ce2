"""The staff API (catalogue, images, warehouses and stock ledger, tax rates, coupons, settings) and the field API
(parties, autoships): who may do what, pagination, and that company B never sees or touches company A's objects."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from PIL import Image

from core.commerce.models import (
    Autoship,
    AutoshipStatus,
    Coupon,
    CouponKind,
    OrderStatus,
    Party,
    Product,
    ProductStatus,
    StockLevel,
    TaxRate,
)
from core.commerce.services.autoship import autoship_create
from core.commerce.services.commerce_settings import commerce_settings_get
from core.commerce.services.orders import LineRequest
from core.commerce.services.parties import party_create
from core.commerce.services.stock import warehouse_create
from core.commerce.tests.test_api import card, token

pytestmark = pytest.mark.django_db

API = "/api/v1/commerce/"
JSON = {"content_type": "application/json"}


@pytest.fixture
def people(shop, catalogue):
    """The ``shop`` fixture's people under their names, with the catalogue."""
    return {"dana": shop["dist"], "olga": shop["other"], "carl": shop["customer"], **catalogue}


@pytest.fixture
def staff(alpha, alpha_client, people):
    return token(alpha_client, alpha.admin_email)


def png(name="shake.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_staff_edit_retire_and_illustrate_products(alpha_client, staff, people):
    category = alpha_client.post(f"{API}categories/", {"name": "Shakes", "slug": "shakes"}, **JSON, **staff)
    assert category.status_code == 201
    changed = alpha_client.patch(
        f"{API}products/shake/",
        {"retail_price": "52.50", "category_slug": "shakes", "low_stock_threshold": 5},
        **JSON,
        **staff,
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["sku"], body["retail_price"], body["category"], body["low_stock_threshold"]) == (
        "SHAKE",
        "52.50",
        "Shakes",
        5,
    )
    negative = alpha_client.patch(f"{API}products/SHAKE/", {"pv": "-1"}, **JSON, **staff)
    assert negative.status_code == 400 and negative.json()["errors"] == {"pv": ["Must not be negative."]}
    unknown_category = alpha_client.patch(f"{API}products/SHAKE/", {"category_slug": "nope"}, **JSON, **staff)
    assert unknown_category.json()["errors"] == {"category_slug": ["There is no category 'nope'."]}

    uploaded = alpha_client.post(f"{API}products/SHAKE/images/", {"image": png(), "alt_text": "Front"}, **staff)
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["position"] == 0 and uploaded.json()["url"].endswith(".png")
    second = alpha_client.post(f"{API}products/SHAKE/images/", {"image": png("back.png")}, **staff).json()
    assert second["position"] == 1
    not_an_image = alpha_client.post(
        f"{API}products/SHAKE/images/", {"image": SimpleUploadedFile("x.png", b"not a picture")}, **staff
    )
    assert not_an_image.status_code == 400 and "image" in not_an_image.json()["errors"]
    detail = alpha_client.get(f"{API}products/SHAKE/", **staff).json()
    assert [(i["alt_text"], i["position"]) for i in detail["images"]] == [("Front", 0), ("", 1)]
    assert alpha_client.delete(f"{API}products/SHAKE/images/{second['id']}/", **staff).status_code == 204

    dana = token(alpha_client, "dana@example.test")
    assert alpha_client.get(f"{API}products/SHAKE/", **dana).json()["category"] == "Shakes"
    assert alpha_client.patch(f"{API}products/SHAKE/", {"name": "x"}, **JSON, **dana).status_code == 403
    assert alpha_client.post(f"{API}products/SHAKE/retire/", **dana).status_code == 403
    retired = alpha_client.post(f"{API}products/SHAKE/retire/", **staff)
    assert retired.json()["status"] == ProductStatus.RETIRED
    assert alpha_client.get(f"{API}products/SHAKE/", **dana).status_code == 404  # retired: staff only
    assert alpha_client.get(f"{API}products/SHAKE/", **staff).status_code == 200
    assert Product.objects.filter(sku="SHAKE").exists()  # never deleted


def test_warehouses_receipts_adjustments_transfers_and_the_ledger(alpha_client, staff, people):
    created = alpha_client.post(f"{API}warehouses/", {"code": "east", "name": "East coast"}, **JSON, **staff)
    assert (created.status_code, created.json()["code"]) == (201, "EAST")
    taken = alpha_client.post(f"{API}warehouses/", {"code": "EAST", "name": "Again"}, **JSON, **staff)
    assert taken.json()["errors"] == {"code": ["The code 'EAST' is taken."]}

    received = alpha_client.post(
        f"{API}stock/receipts/", {"sku": "shake", "warehouse": "east", "quantity": 30, "note": "PO 7"}, **JSON, **staff
    )
    assert received.status_code == 201 and received.json()["kind"] == "receipt"
    bad = alpha_client.post(
        f"{API}stock/receipts/", {"sku": "SHAKE", "warehouse": "EAST", "quantity": 0}, **JSON, **staff
    )
    assert bad.json()["errors"] == {"quantity": ["A receipt must be a positive quantity."]}
    no_reason = alpha_client.post(
        f"{API}stock/adjustments/", {"sku": "SHAKE", "warehouse": "EAST", "quantity": -2}, **JSON, **staff
    )
    assert no_reason.json()["errors"] == {"note": ["Say why the stock is adjusted."]}
    adjusted = alpha_client.post(
        f"{API}stock/adjustments/",
        {"sku": "SHAKE", "warehouse": "EAST", "quantity": -2, "note": "Broken in transit"},
        **JSON,
        **staff,
    )
    assert adjusted.status_code == 201
    moved = alpha_client.post(
        f"{API}stock/transfers/",
        {"sku": "SHAKE", "source": "MAIN", "destination": "EAST", "quantity": 10},
        **JSON,
        **staff,
    )
    assert [(m["warehouse"], m["quantity"]) for m in moved.json()] == [("MAIN", -10), ("EAST", 10)]
    too_many = alpha_client.post(
        f"{API}stock/transfers/",
        {"sku": "SHAKE", "source": "EAST", "destination": "MAIN", "quantity": 500},
        **JSON,
        **staff,
    )
    assert too_many.json()["errors"] == {"lines": ["Only 38 of SHAKE in stock at EAST."]}
    assert StockLevel.objects.get(product=people["shake"], warehouse__code="EAST").on_hand == 38

    ledger = alpha_client.get(f"{API}stock/movements/", {"sku": "SHAKE", "warehouse": "EAST"}, **staff).json()
    assert [(m["kind"], m["quantity"]) for m in ledger["results"]] == [
        ("transfer", 10),
        ("adjustment", -2),
        ("receipt", 30),
    ]
    assert ledger["results"][2]["created_by"] == "admin@alpha.test"
    page = alpha_client.get(f"{API}stock/movements/", {"page_size": 2}, **staff).json()
    assert (page["count"], len(page["results"])) == (6, 2)  # the two catalogue receipts + the four above
    levels = alpha_client.get(f"{API}stock/", {"sku": "SHAKE"}, **staff).json()["results"]
    assert [(level["warehouse"], level["on_hand"]) for level in levels] == [("EAST", 38), ("MAIN", 90)]
    inactive = alpha_client.patch(f"{API}warehouses/EAST/", {"is_active": False}, **JSON, **staff)
    assert inactive.json()["is_active"] is False

    dana = token(alpha_client, "dana@example.test")
    for path in ("warehouses/", "stock/", "stock/movements/"):
        assert alpha_client.get(f"{API}{path}", **dana).status_code == 403
    assert alpha_client.post(f"{API}stock/receipts/", {}, **JSON, **dana).status_code == 403


def test_tax_rates_and_coupons_crud(alpha_client, staff, people):
    created = alpha_client.post(
        f"{API}tax-rates/", {"country": "ca", "region": "ON", "rate": "0.1300", "name": "HST"}, **JSON, **staff
    )
    assert created.status_code == 201 and created.json()["country"] == "CA"
    clash = alpha_client.post(f"{API}tax-rates/", {"country": "US", "region": "TX", "rate": "0.07"}, **JSON, **staff)
    assert clash.json()["errors"] == {"region": ["US/TX already has an active rate; deactivate it first."]}
    too_high = alpha_client.post(f"{API}tax-rates/", {"country": "FR", "rate": "1.2"}, **JSON, **staff)
    assert "rate" in too_high.json()["errors"]
    rate_id = created.json()["id"]
    changed = alpha_client.patch(f"{API}tax-rates/{rate_id}/", {"rate": "0.1500"}, **JSON, **staff).json()
    assert changed["rate"] == "0.1500"
    assert alpha_client.get(f"{API}tax-rates/", **staff).json()["count"] == 3
    assert alpha_client.delete(f"{API}tax-rates/{rate_id}/", **staff).status_code == 204
    assert not TaxRate.objects.filter(pk=rate_id).exists()

    coupon = alpha_client.post(
        f"{API}coupons/", {"code": "SPRING10", "kind": "percent", "value": "10"}, **JSON, **staff
    )
    assert coupon.status_code == 201, coupon.content
    over = alpha_client.post(f"{API}coupons/", {"code": "HALF", "kind": "percent", "value": "150"}, **JSON, **staff)
    assert over.json()["errors"] == {"value": ["A percentage cannot be more than 100."]}
    dup = alpha_client.post(f"{API}coupons/", {"code": "spring10", "kind": "amount", "value": "5"}, **JSON, **staff)
    assert dup.json()["errors"] == {"code": ["The coupon code 'spring10' is taken."]}
    coupon_id = coupon.json()["id"]
    patched = alpha_client.patch(f"{API}coupons/{coupon_id}/", {"max_uses": 100}, **JSON, **staff).json()
    assert (patched["max_uses"], patched["kind"], patched["value"]) == (100, "percent", "10.00")

    dana = token(alpha_client, "dana@example.test")
    ordered = alpha_client.post(
        f"{API}orders/", {"lines": [{"sku": "BOOK", "quantity": 1}], "coupon_code": "spring10"}, **JSON, **dana
    )
    assert ordered.json()["discount"] == "1.50"
    used = alpha_client.delete(f"{API}coupons/{coupon_id}/", **staff)
    assert used.status_code == 400
    assert used.json()["errors"] == {"coupon": ["'SPRING10' is on orders; deactivate it instead."]}
    unused = Coupon.objects.create(code="UNUSED", kind=CouponKind.AMOUNT, value=Decimal("5"))
    assert alpha_client.delete(f"{API}coupons/{unused.pk}/", **staff).status_code == 204
    assert alpha_client.get(f"{API}coupons/", {"active": "true"}, **staff).json()["count"] == 1
    for path in ("tax-rates/", "coupons/"):
        assert alpha_client.get(f"{API}{path}", **dana).status_code == 403


def test_commerce_settings_are_for_admins_and_the_secret_key_is_write_only(alpha_client, staff, people):
    before = alpha_client.get(f"{API}settings/", **staff).json()
    assert before["stripe_secret_key_set"] is True and "stripe_secret_key" not in before
    changed = alpha_client.patch(
        f"{API}settings/",
        {
            "offline_payments_allowed": False,
            "subscription_enabled": True,
            "subscription_fee": "19.9",
            "subscription_first_charge_delay_days": 30,
            "stripe_publishable_key": "pk_test_abc",
            "stripe_secret_key": "sk_test_new_key_1234",
        },
        **JSON,
        **staff,
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert "stripe_secret_key" not in body
    assert (body["subscription_fee"], body["stripe_secret_key_last4"], body["offline_payments_allowed"]) == (
        "19.90",
        "1234",
        False,
    )
    assert commerce_settings_get().stripe_secret_key == "sk_test_new_key_1234"
    wrong = alpha_client.patch(f"{API}settings/", {"stripe_secret_key": "pk_live_oops"}, **JSON, **staff)
    assert wrong.json()["errors"] == {
        "stripe_secret_key": ["A Stripe secret key starts with sk_ (or rk_ for a restricted key)."]
    }
    dana = token(alpha_client, "dana@example.test")
    assert alpha_client.get(f"{API}settings/", **dana).status_code == 403


def test_a_distributor_runs_a_party_with_guest_orders_paid_in_cash(alpha_client, people):
    dana = token(alpha_client, "dana@example.test")
    party = alpha_client.post(
        f"{API}parties/", {"host_name": "Hilda", "held_on": "2026-05-02", "consultant_number": 1}, **JSON, **dana
    )
    assert party.status_code == 201, party.content
    assert party.json()["consultant"] == people["dana"].number  # a distributor's party is their own
    party_id = party.json()["id"]
    guest = alpha_client.post(
        f"{API}parties/{party_id}/orders/",
        {"guest_name": "Gus", "lines": [{"sku": "BOOK", "quantity": 2}], "paid_with": "cash", "reference": "R1"},
        **JSON,
        **dana,
    )
    assert guest.status_code == 201, guest.content
    body = guest.json()
    assert (body["placed_by"], body["price_tier"], body["status"], body["credited_member"]) == (
        "party",
        "retail",
        OrderStatus.PAID,
        people["dana"].number,
    )
    unpaid = alpha_client.post(
        f"{API}parties/{party_id}/orders/",
        {"guest_name": "Ida", "lines": [{"sku": "BOOK", "quantity": 1}]},
        **JSON,
        **dana,
    )
    assert unpaid.json()["status"] == OrderStatus.PENDING
    listed = alpha_client.get(f"{API}parties/", **dana).json()
    assert [(p["orders_count"], p["sales_total"]) for p in listed["results"]] == [(2, "60.00")]

    olga = token(alpha_client, "olga@example.test")
    assert alpha_client.get(f"{API}parties/{party_id}/", **olga).status_code == 404
    assert alpha_client.post(f"{API}parties/{party_id}/close/", **olga).status_code == 404
    assert alpha_client.get(f"{API}parties/", **olga).json()["count"] == 0
    carl = token(alpha_client, "carl@example.test")
    assert alpha_client.get(f"{API}parties/", **carl).status_code == 403

    closed = alpha_client.post(f"{API}parties/{party_id}/close/", **dana)
    assert closed.json()["status"] == "closed"
    late = alpha_client.post(
        f"{API}parties/{party_id}/orders/",
        {"guest_name": "Late", "lines": [{"sku": "BOOK", "quantity": 1}]},
        **JSON,
        **dana,
    )
    assert late.json()["errors"] == {"party": ["This party is closed."]}

    commerce_settings_get().__class__.objects.update(offline_payments_allowed=False)
    staff = token(alpha_client, "admin@alpha.test")
    other = alpha_client.post(
        f"{API}parties/",
        {"host_name": "Hank", "held_on": "2026-05-09", "consultant_number": people["olga"].number},
        **JSON,
        **staff,
    ).json()
    refused = alpha_client.post(
        f"{API}parties/{other['id']}/orders/",
        {"guest_name": "Gus", "lines": [{"sku": "BOOK", "quantity": 1}], "paid_with": "check"},
        **JSON,
        **staff,
    )
    assert refused.json()["errors"] == {"method": ["This company does not accept offline payments."]}
    assert Party.objects.get(pk=other["id"]).orders.count() == 0  # nothing half-done


def test_customers_and_distributors_manage_their_own_autoships(alpha_client, people):
    carl = token(alpha_client, "carl@example.test")
    created = alpha_client.post(
        f"{API}autoships/",
        {"items": [{"sku": "SHAKE", "quantity": 2}], "first_run_on": "2026-06-01", "payment_method": card()},
        **JSON,
        **carl,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["customer"], body["member"], body["card_on_file"], body["items"]) == (
        people["carl"].number,
        None,
        True,
        [{"sku": "SHAKE", "quantity": 2}],
    )
    autoship = Autoship.objects.get(pk=body["id"])
    assert autoship.stripe_customer_id.startswith("cus_") and autoship.stripe_payment_method_id.startswith("pm_")
    declined = alpha_client.post(
        f"{API}autoships/",
        {"items": [{"sku": "SHAKE", "quantity": 1}], "first_run_on": "2026-06-01", "payment_method": "pm_missing"},
        **JSON,
        **carl,
    )
    assert declined.status_code == 400 and "payment_method" in declined.json()["errors"]
    assert Autoship.objects.count() == 1

    url = f"{API}autoships/{body['id']}/"
    assert alpha_client.post(f"{url}pause/", **carl).json()["status"] == AutoshipStatus.PAUSED
    again = alpha_client.post(f"{url}pause/", **carl)
    assert again.json()["errors"] == {"status": ["Only an active autoship can be paused; this one is paused."]}
    assert alpha_client.post(f"{url}resume/", **carl).json()["status"] == AutoshipStatus.ACTIVE
    assert alpha_client.post(f"{url}cancel/", **carl).json()["status"] == AutoshipStatus.CANCELLED

    dana = token(alpha_client, "dana@example.test")  # carl's distributor: still not her autoship
    assert alpha_client.get(url, **dana).status_code == 404
    assert alpha_client.post(f"{url}resume/", **dana).status_code == 404
    own = alpha_client.post(
        f"{API}autoships/", {"items": [{"sku": "BOOK", "quantity": 1}], "first_run_on": "2026-06-01"}, **JSON, **dana
    ).json()
    assert (own["member"], own["card_on_file"]) == (people["dana"].number, False)
    assert [a["id"] for a in alpha_client.get(f"{API}autoships/", **dana).json()["results"]] == [own["id"]]
    staff = token(alpha_client, "admin@alpha.test")
    assert alpha_client.get(f"{API}autoships/", **staff).json()["count"] == 2


OBJECT_PATHS = [
    ("get", "products/SHAKE/"),
    ("patch", "products/SHAKE/"),
    ("post", "products/SHAKE/retire/"),
    ("post", "products/SHAKE/images/"),
    ("patch", "categories/{category}/"),
    ("patch", "warehouses/{warehouse}/"),
    ("get", "tax-rates/{tax_rate}/"),
    ("patch", "tax-rates/{tax_rate}/"),
    ("delete", "tax-rates/{tax_rate}/"),
    ("get", "coupons/{coupon}/"),
    ("patch", "coupons/{coupon}/"),
    ("delete", "coupons/{coupon}/"),
    ("get", "parties/{party}/"),
    ("post", "parties/{party}/orders/"),
    ("post", "parties/{party}/close/"),
    ("get", "autoships/{autoship}/"),
    ("post", "autoships/{autoship}/pause/"),
    ("post", "autoships/{autoship}/cancel/"),
]
LIST_PATHS = [
    "categories/",
    "warehouses/",
    "stock/",
    "stock/movements/",
    "tax-rates/",
    "coupons/",
    "parties/",
    "autoships/",
]


@pytest.fixture
def alpha_objects(people):
    from core.commerce.models import ProductCategory

    return {
        "category": ProductCategory.objects.create(name="Shakes", slug="shakes").pk,
        "warehouse": warehouse_create(code="EAST", name="East").code,
        "tax_rate": TaxRate.objects.get(region="TX").pk,
        "coupon": Coupon.objects.create(code="ALPHA5", kind=CouponKind.AMOUNT, value=Decimal("5")).pk,
        "party": party_create(
            consultant=people["dana"], name="", host_name="Hilda", held_on=datetime.date(2026, 5, 2)
        ).pk,
        "autoship": autoship_create(
            member=people["dana"], items=[LineRequest("BOOK", 1)], first_run_on=datetime.date(2026, 6, 1)
        ).pk,
    }


@pytest.mark.parametrize(("method", "path"), OBJECT_PATHS, ids=[f"{m}-{p}" for m, p in OBJECT_PATHS])
def test_company_b_cannot_reach_company_a_objects(alpha, beta, beta_client, alpha_objects, method, path):
    url = API + path.format(**alpha_objects)
    admin_b = token(beta_client, beta.admin_email)
    kwargs = {**JSON} if method in ("patch", "post") else {}
    response = getattr(beta_client, method)(url, {} if method != "get" else None, **kwargs, **admin_b)
    assert response.status_code == 404, (url, response.status_code, response.content[:200])
    with schema_context(alpha.schema):  # untouched
        assert Product.objects.get(sku="SHAKE").status == ProductStatus.ACTIVE
        assert TaxRate.objects.filter(pk=alpha_objects["tax_rate"]).exists()
        assert Coupon.objects.filter(pk=alpha_objects["coupon"]).exists()
        assert Autoship.objects.get(pk=alpha_objects["autoship"]).status == AutoshipStatus.ACTIVE
        assert Party.objects.get(pk=alpha_objects["party"]).status == "open"


@pytest.mark.parametrize("path", LIST_PATHS)
def test_company_b_lists_none_of_company_a_and_a_tokens_do_not_work_on_b(
    alpha, beta, alpha_client, beta_client, alpha_objects, path
):
    admin_b = token(beta_client, beta.admin_email)
    listed = beta_client.get(API + path, **admin_b)
    assert listed.status_code == 200
    with schema_context(beta.schema):
        expected = 1 if path == "warehouses/" and beta_has_default_warehouse() else 0
    assert listed.json()["count"] == expected
    admin_a = token(alpha_client, alpha.admin_email)
    assert beta_client.get(API + path, **admin_a).status_code == 401
    assert alpha_client.get(API + path, **admin_a).json()["count"] >= 1


def beta_has_default_warehouse() -> bool:
    from core.commerce.models import Warehouse

    return Warehouse.objects.exists()


def test_company_b_settings_are_its_own(alpha, beta, alpha_client, beta_client, people):
    admin_b = token(beta_client, beta.admin_email)
    beta_client.patch(f"{API}settings/", {"stripe_publishable_key": "pk_test_beta"}, **JSON, **admin_b)
    admin_a = token(alpha_client, alpha.admin_email)
    assert alpha_client.get(f"{API}settings/", **admin_a).json()["stripe_publishable_key"] == ""
    assert beta_client.get(f"{API}settings/", **admin_b).json()["stripe_secret_key_set"] is False


def test_the_party_api_sets_a_member_or_customer_host_and_names_a_bad_one(alpha_client, people):
    dana = token(alpha_client, "dana@example.test")
    olga = people["olga"]
    by_member = alpha_client.post(
        f"{API}parties/", {"held_on": "2026-05-02", "host_member_number": olga.number}, **JSON, **dana
    )
    assert by_member.status_code == 201, by_member.content
    body = by_member.json()
    assert (body["host_name"], body["host_member_number"], body["host_customer_number"]) == (
        olga.full_name,
        olga.number,
        None,
    )
    by_customer = alpha_client.post(
        f"{API}parties/", {"held_on": "2026-05-02", "host_customer_number": people["carl"].number}, **JSON, **dana
    )
    assert (by_customer.status_code, by_customer.json()["host_customer_number"]) == (201, people["carl"].number)
    both = alpha_client.post(
        f"{API}parties/",
        {"held_on": "2026-05-02", "host_member_number": olga.number, "host_customer_number": people["carl"].number},
        **JSON,
        **dana,
    )
    assert (both.status_code, both.json()["errors"]) == (
        400,
        {"host_member_number": ["A party's host is a member or a customer, not both."]},
    )
    unknown = alpha_client.post(
        f"{API}parties/", {"held_on": "2026-05-02", "host_member_number": 2**62}, **JSON, **dana
    )
    assert (unknown.status_code, unknown.json()["errors"]) == (
        400,
        {"host_member_number": ["No member has this number."]},
    )
