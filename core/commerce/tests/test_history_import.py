"""Historic orders import (a company migrating from another system): all-or-nothing, idempotent, volume rebuilt."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context

from core.commerce.models import MemberVolume, Order, OrderLine, Payment, PlacedBy, Refund, RefundLine
from core.commerce.services.history import orders_history_import
from core.commerce.tests.test_api import token
from core.members.importing.common import ImportRejected, RowError

pytestmark = pytest.mark.django_db

HEADER = (
    "order_ref,order_date,buyer_member_number,buyer_customer_number,credited_member_number,sku,quantity,unit_price,"
    "pv,cv,status\n"
)
URL = "/api/v1/commerce/imports/order-history/"
JAN, FEB = datetime.date(2025, 1, 1), datetime.date(2025, 2, 1)


def csv_text(body: str, header: str = HEADER):
    return io.StringIO(header + body)


@pytest.fixture
def people(root, enroll, make_customer, catalogue):
    dana = enroll(root, username="dana")
    return {"dana": dana, "olga": enroll(root, username="olga"), "carl": make_customer(dana)}


def good_file(p) -> str:
    dana, olga, carl = p["dana"].number, p["olga"].number, p["carl"].number
    return (
        f"A-1,2025-01-05,{dana},,,SHAKE,2,39.99,,,\n"
        f"A-2,2025-01-20,{dana},,,SHAKE,1,35.50,30,25.5,paid\n"
        f"A-1,2025-01-05,{dana},,,book,3,15.00,,,\n"  # a line of A-1 further down the file
        f"A-3,2025-02-03,,{carl},,SHAKE,1,44.99,,,\n"
        f"A-4,2025-02-10,{dana},,,BOOK,1,15.00,,,refunded\n"
        f"A-5,2025-02-11,{dana},,{olga},SHAKE,1,39.99,,,\n"
    )


def volumes():
    return {
        (v.member.username, v.period_start): (v.pv, v.psv, v.cv) for v in MemberVolume.objects.select_related("member")
    }


def test_good_file_writes_paid_orders_with_exact_totals_and_volume_per_period(people, catalogue):
    report = orders_history_import(text=csv_text(good_file(people)))
    assert (report.rows, report.created, report.skipped, report.orders_created) == (6, 6, 0, 5)

    a1 = Order.objects.get(external_ref="history:A-1")
    assert (a1.placed_by, a1.status, a1.buyer_member, a1.credited_member, a1.price_tier) == (
        PlacedBy.IMPORT, "paid", people["dana"], people["dana"], "distributor",
    )  # fmt: skip
    assert (a1.subtotal, a1.discount, a1.tax, a1.total, a1.pv_total, a1.cv_total) == (
        Decimal("124.98"), Decimal("0.00"), Decimal("0.00"), Decimal("124.98"), Decimal("80.00"), Decimal("100.00"),
    )  # fmt: skip
    assert (a1.retail_total, a1.distributor_total) == (Decimal("159.98"), Decimal("124.98"))
    assert (a1.paid_on, a1.period_start, a1.paid_at.date(), a1.placed_at) == (
        datetime.date(2025, 1, 5), JAN, datetime.date(2025, 1, 5), a1.paid_at,
    )  # fmt: skip
    assert [
        (line.sku, line.quantity, line.unit_price, line.unit_pv, line.unit_cv, line.line_total)
        for line in a1.lines.order_by("id")
    ] == [
        ("SHAKE", 2, Decimal("39.99"), Decimal("40.00"), Decimal("35.00"), Decimal("79.98")),
        ("BOOK", 3, Decimal("15.00"), Decimal("0.00"), Decimal("10.00"), Decimal("45.00")),
    ]
    assert [(p.method, p.status, p.amount, p.reference) for p in a1.payments.all()] == [
        ("external", "succeeded", Decimal("124.98"), "history:A-1")
    ]
    a2 = Order.objects.get(external_ref="history:A-2")
    assert (a2.total, a2.pv_total, a2.cv_total) == (Decimal("35.50"), Decimal("30.00"), Decimal("25.50"))
    a5 = Order.objects.get(external_ref="history:A-5")
    assert (a5.buyer_member, a5.credited_member) == (people["dana"], people["olga"])

    a4 = Order.objects.get(external_ref="history:A-4")
    assert (a4.status, a4.refunded_amount, a4.refunded_cv, a4.lines.get().refunded_quantity) == (
        "refunded", Decimal("15.00"), Decimal("10.00"), 1,
    )  # fmt: skip
    refund = Refund.objects.get()
    assert (refund.order, refund.amount, refund.cv, refund.restocked) == (a4, Decimal("15.00"), Decimal("10.00"), False)
    assert RefundLine.objects.get().amount == Decimal("15.00")

    assert (Order.objects.count(), OrderLine.objects.count(), Payment.objects.count()) == (5, 6, 5)
    assert len({o.number for o in Order.objects.all()}) == 5
    assert volumes() == {
        ("dana", JAN): (Decimal("110.00"), Decimal("110.00"), Decimal("125.50")),
        ("dana", FEB): (Decimal("0.00"), Decimal("40.00"), Decimal("35.00")),  # the customer's order; A-4 refunded
        ("olga", FEB): (Decimal("0.00"), Decimal("40.00"), Decimal("35.00")),  # dana's order credited to olga
    }
    assert catalogue["shake"].stock_levels.get().on_hand == 100  # history takes no stock


def test_a_customers_order_is_credited_to_its_distributor(people):
    carl = people["carl"]
    orders_history_import(text=csv_text(f"C-1,2025-03-04,,{carl.number},,SHAKE,2,44.99,,,\n"))
    order = Order.objects.get()
    assert (order.buyer_customer, order.buyer_member, order.credited_member, order.price_tier) == (
        carl, None, people["dana"], "retail",
    )  # fmt: skip
    assert order.total == Decimal("89.98")
    assert volumes() == {
        ("dana", datetime.date(2025, 3, 1)): (Decimal("0.00"), Decimal("80.00"), Decimal("70.00")),
    }


def test_a_bad_file_is_rejected_with_every_problem_and_nothing_is_written(people):
    dana, carl = people["dana"].number, people["carl"].number
    body = (
        f"B-1,2025-01-05,{dana},,,SHAKE,2,39.99,,,\n"
        f"B-1,2025-01-06,{dana},,,NOPE,0,4.555,,,\n"
        "B-2,2025-13-01,999999,,,SHAKE,1,10.00,-1,,sold\n"
        f"B-3,2025-01-05,{dana},{carl},,SHAKE,1,10.00,,,\n"
        ",2025-01-05,,,,SHAKE,1,10.00,,abc,\n"
        f"B-5,2999-01-01,{dana},,77,SHAKE,x,10,,,\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        orders_history_import(text=csv_text(body))
    assert rejected.value.report.errors == [
        RowError(
            3,
            "order_date",
            "'2025-01-06' differs from line 2 of order B-1 ('2025-01-05'): every line of an order repeats it",
        ),  # noqa: E501
        RowError(3, "sku", "no product with SKU 'NOPE'"),
        RowError(3, "quantity", "'0' is not a whole number of at least 1"),
        RowError(3, "unit_price", "'4.555' is not an amount of at least 0 with at most 2 decimals"),
        RowError(4, "order_date", "'2025-13-01' is not a date (use YYYY-MM-DD)"),
        RowError(4, "buyer_member_number", "no member 999999 in this company"),
        RowError(4, "pv", "'-1' is not an amount of at least 0 with at most 2 decimals"),
        RowError(4, "status", "'sold' is not one of paid, refunded"),
        RowError(5, "buyer_customer_number", "give buyer_member_number or buyer_customer_number, not both"),
        RowError(6, "order_ref", "required"),
        RowError(6, "buyer_member_number", "required: give buyer_member_number or buyer_customer_number"),
        RowError(6, "cv", "'abc' is not an amount of at least 0 with at most 2 decimals"),
        RowError(7, "order_date", "2999-01-01 is in the future: only past orders can be imported"),
        RowError(7, "credited_member_number", "no member 77 in this company"),
        RowError(7, "quantity", "'x' is not a whole number of at least 1"),
    ]
    assert rejected.value.report.error_count == 15
    assert (Order.objects.count(), Payment.objects.count(), MemberVolume.objects.count()) == (0, 0, 0)

    with pytest.raises(ImportRejected) as missing:
        orders_history_import(text=io.StringIO("order_ref,sku\nX,SHAKE\n"))
    assert missing.value.report.errors == [
        RowError(1, "order_date,quantity,unit_price", "missing column(s) in the header"),
        RowError(1, "buyer_member_number,buyer_customer_number", "missing column: the file needs at least one of them"),
    ]


def test_reimporting_the_same_file_skips_what_is_there_and_adds_only_new_orders(people):
    orders_history_import(text=csv_text(good_file(people)))
    before = volumes()
    again = orders_history_import(text=csv_text(good_file(people)))
    assert (again.rows, again.created, again.skipped, again.orders_created, again.orders_skipped) == (6, 0, 6, 0, 5)
    assert (Order.objects.count(), OrderLine.objects.count(), Payment.objects.count()) == (5, 6, 5)
    assert volumes() == before

    more = good_file(people) + f"A-6,2025-01-31,{people['dana'].number},,,BOOK,1,15.00,,,\n"
    grown = orders_history_import(text=csv_text(more))
    assert (grown.rows, grown.created, grown.skipped, grown.orders_created) == (7, 1, 6, 1)
    assert volumes()[("dana", JAN)] == (Decimal("110.00"), Decimal("110.00"), Decimal("135.50"))


def test_orders_in_a_period_already_closed_for_commissions_are_refused_unless_imported_before(people):
    from core.commerce.services.volume import commission_period_close

    dana = people["dana"].number
    orders_history_import(text=csv_text(f"E-1,2025-01-05,{dana},,,SHAKE,1,39.99,,,\n"))
    commission_period_close(period_start=JAN)
    body = f"E-1,2025-01-05,{dana},,,SHAKE,1,39.99,,,\nE-2,2025-01-06,{dana},,,SHAKE,1,39.99,,,\n"
    with pytest.raises(ImportRejected) as rejected:
        orders_history_import(text=csv_text(body))
    assert rejected.value.report.errors == [
        RowError(3, "order_date", "2025-01-06 is in the period of 2025-01-01, already closed for commissions")
    ]
    assert orders_history_import(text=csv_text(body.splitlines(keepends=True)[0])).skipped == 1


def test_command_imports_members_customers_and_orders_in_one_run(in_alpha, catalogue, tmp_path, capsys):
    (tmp_path / "members.csv").write_text(
        "member_number,username,first_name,last_name,email,sponsor_number,status,joined_on\n"
        "5001,founder,Fran,F,fran@example.test,,active,2020-01-02\n"
        "5002,bea,Bea,B,bea@example.test,5001,active,2020-06-01\n"
    )
    (tmp_path / "customers.csv").write_text(
        "distributor_number,customer_type,first_name,last_name,email\n5002,preferred,Cy,C,cy@example.test\n"
    )
    (tmp_path / "bad.csv").write_text(
        HEADER + "H-1,2024-05-06,5002,,,SHAKE,1,39.99,,,\nH-2,2024-05-07,5009,,,SHAKE,1,1,,,\n"
    )
    with pytest.raises(CommandError, match="line 3, column buyer_member_number: no member 5009 in this company"):
        call_command(
            "import_order_history", in_alpha.schema, "--members", str(tmp_path / "members.csv"),
            "--orders", str(tmp_path / "bad.csv"),
        )  # fmt: skip
    assert not Order.objects.exists()
    from core.members.models import Customer, Member

    assert not Member.objects.filter(number=5002).exists()  # the rejected orders took the members with them

    (tmp_path / "orders.csv").write_text(HEADER + "H-1,2024-05-06,5002,,,SHAKE,1,39.99,,,\n")
    call_command(
        "import_order_history", in_alpha.schema, "--members", str(tmp_path / "members.csv"),
        "--customers", str(tmp_path / "customers.csv"), "--orders", str(tmp_path / "orders.csv"),
    )  # fmt: skip
    assert "orders: imported 1 orders (1 of 1 rows); skipped 0 imported before (0 rows)" in capsys.readouterr().out
    order = Order.objects.get()
    assert (order.credited_member.number, order.pv_total) == (5002, Decimal("40.00"))
    assert Customer.objects.get(email="cy@example.test").distributor.number == 5002


def test_api_is_admin_only_and_each_company_imports_into_itself(alpha, beta, alpha_client, beta_client, people):
    dana = people["dana"]
    body = (HEADER + f"D-1,2025-01-05,{dana.number},,,SHAKE,1,39.99,,,\n").encode()
    admin = token(alpha_client, alpha.admin_email)
    posted = alpha_client.post(URL, {"file": SimpleUploadedFile("h.csv", body)}, **admin)
    assert (posted.status_code, posted.json()) == (201, {"rows": 1, "created": 1, "skipped": 0})
    again = alpha_client.post(URL, {"file": SimpleUploadedFile("h.csv", body)}, **admin)
    assert (again.status_code, again.json()) == (201, {"rows": 1, "created": 0, "skipped": 1})

    bad = alpha_client.post(
        URL,
        {"file": SimpleUploadedFile("b.csv", (HEADER + "D-2,2025-01-05,999999,,,SHAKE,1,1,,,\n").encode())},
        **admin,
    )
    assert bad.status_code == 400
    assert bad.json()["errors"] == [
        {"line": 2, "column": "buyer_member_number", "reason": "no member 999999 in this company"}
    ]

    dana_auth = token(alpha_client, "dana@example.test")
    assert alpha_client.post(URL, {"file": SimpleUploadedFile("h.csv", body)}, **dana_auth).status_code == 403
    # beta's admin: their token is not valid on alpha, and on beta alpha's members do not exist.
    assert (
        alpha_client.post(
            URL, {"file": SimpleUploadedFile("h.csv", body)}, **token(beta_client, beta.admin_email)
        ).status_code
        == 401
    )  # noqa: E501
    beta_admin = token(beta_client, beta.admin_email)
    into_beta = beta_client.post(URL, {"file": SimpleUploadedFile("h.csv", body)}, **beta_admin)
    assert into_beta.status_code == 400
    assert into_beta.json()["errors"] == [
        {"line": 2, "column": "buyer_member_number", "reason": f"no member {dana.number} in this company"},
        {"line": 2, "column": "sku", "reason": "no product with SKU 'SHAKE'"},
    ]
    assert beta_client.get("/api/v1/commerce/orders/", **beta_admin).json()["results"] == []
    with schema_context(beta.schema):
        assert not Order.objects.exists()
    with schema_context(alpha.schema):
        assert Order.objects.count() == 1
