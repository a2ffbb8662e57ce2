"""Historic orders export: the history import's CSV, so one company's orders re-import into another."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tenants.utils import schema_context

from core.commerce.models import MemberVolume, Order, PlacedBy
from core.commerce.selectors.history import orders_history_export_rows
from core.commerce.services.catalogue import product_create
from core.commerce.services.history import orders_history_import
from core.commerce.services.orders import LineRequest, order_place
from core.commerce.services.payments import order_pay_offline
from core.commerce.services.refunds import order_refund
from core.commerce.tests.test_api import token
from core.members.importing.customers import customers_import
from core.members.importing.members import members_import
from core.members.models import Customer, Member
from tests.factories.members import CompanyStaffFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/commerce/exports/order-history/"
HEADER = (
    "order_ref,order_date,buyer_member_number,buyer_customer_number,credited_member_number,sku,quantity,unit_price,"
    "pv,cv,status\r\n"
)
MEMBERS = (
    "member_number,username,first_name,last_name,email,sponsor_number,status,joined_on\n"
    "9001,founder,Fran,F,fran@example.test,,active,2020-01-02\n"
    "9002,bea,Bea,B,bea@example.test,9001,active,2020-06-01\n"
)
CUSTOMERS = "distributor_number,customer_type,first_name,last_name,email\n9002,retail,Cy,C,cy@x.test\n"
HISTORY = (
    "order_ref,order_date,buyer_member_number,buyer_customer_number,credited_member_number,sku,quantity,unit_price,"
    "pv,cv,status\n"
    "A-1,2025-01-05,9002,,,SHAKE,2,39.99,,,\n"
    "A-1,2025-01-05,9002,,,BOOK,3,15.00,,,\n"
    "A-2,2025-01-20,,9101,,SHAKE,1,49.99,,,\n"
    "A-3,2025-02-10,9002,,,BOOK,1,15.00,,,refunded\n"
    "A-4,2025-02-11,9002,,9001,SHAKE,1,39.99,30,25.5,\n"
)


def company_with_members_and_products():
    """The same members, customer and SKUs, whichever company it runs in."""
    members_import(text=io.StringIO(MEMBERS))
    customers_import(text=io.StringIO(CUSTOMERS))
    # The customers import numbers customers itself (it reads no customer_number): give both companies the same one.
    Customer.objects.filter(email="cy@x.test").update(number=9101)
    for sku, name, prices, pv, cv in (
        ("SHAKE", "Protein shake", ("49.99", "44.99", "39.99"), "40", "35"),
        ("BOOK", "Recipe book", ("20.00", "20.00", "15.00"), "0", "10"),
    ):
        product_create(
            sku=sku, name=name, retail_price=Decimal(prices[0]), preferred_price=Decimal(prices[1]),
            distributor_price=Decimal(prices[2]), pv=Decimal(pv), cv=Decimal(cv), taxable=False,
        )  # fmt: skip


def alpha_orders():
    """History orders, a paid order placed here and partly refunded, and a pending order (not exported)."""
    company_with_members_and_products()
    orders_history_import(text=io.StringIO(HISTORY))
    bea = Member.objects.get(number=9002)
    paid_at = timezone.now() - datetime.timedelta(days=1)
    native = order_place(
        lines=[LineRequest("SHAKE", 3), LineRequest("BOOK", 1)], placed_by=PlacedBy.DISTRIBUTOR, buyer_member=bea,
        ship_country="", take_stock=False, placed_at=paid_at,
    )  # fmt: skip
    order_pay_offline(order=native, method="cash", paid_at=paid_at)
    native.refresh_from_db()
    shake_line = native.lines.get(sku="SHAKE")
    order_refund(order=native, lines={shake_line.pk: 1}, restock=False, reason="One broke")
    order_place(lines=[LineRequest("BOOK", 1)], placed_by=PlacedBy.DISTRIBUTOR, buyer_member=bea, take_stock=False)
    native.refresh_from_db()
    return native


def volumes():
    return {
        (v.member.number, v.period_start): (v.pv, v.psv, v.cv)
        for v in MemberVolume.objects.select_related("member")
        if (v.pv, v.psv, v.cv) != (0, 0, 0)
    }


def test_export_is_the_import_format_and_reimports_into_another_company_with_the_same_totals(alpha, beta, tmp_path):
    with schema_context(alpha.schema):
        native = alpha_orders()
        assert native.status == "partially_refunded"
        day = native.paid_on.isoformat()
        text = "".join(orders_history_export_rows())
        alpha_volumes = volumes()
        alpha_orders_count = Order.objects.count()
    assert text == HEADER + (
        "A-1,2025-01-05,9002,,9002,SHAKE,2,39.99,40.00,35.00,paid\r\n"
        "A-1,2025-01-05,9002,,9002,BOOK,3,15.00,0.00,10.00,paid\r\n"
        "A-2,2025-01-20,,9101,9002,SHAKE,1,49.99,40.00,35.00,paid\r\n"
        "A-3,2025-02-10,9002,,9002,BOOK,1,15.00,0.00,10.00,refunded\r\n"
        "A-4,2025-02-11,9002,,9001,SHAKE,1,39.99,30.00,25.50,paid\r\n"
        f"{native.number},{day},9002,,9002,SHAKE,2,39.99,40.00,35.00,paid\r\n"  # 3 bought, 1 refunded
        f"{native.number},{day},9002,,9002,BOOK,1,15.00,0.00,10.00,paid\r\n"
    )
    assert alpha_orders_count == 6  # the pending order is left out of the file

    (tmp_path / "alpha.csv").write_text(text)
    with schema_context(beta.schema):
        company_with_members_and_products()
        report = orders_history_import(text=io.StringIO(text, newline=""))
        assert (report.rows, report.created, report.orders_created) == (7, 7, 5)
        assert volumes() == alpha_volumes
        native_period = native.period_start
        assert alpha_volumes == {
            (9002, datetime.date(2025, 1, 1)): (Decimal("80.00"), Decimal("120.00"), Decimal("135.00")),
            (9001, datetime.date(2025, 2, 1)): (Decimal("0.00"), Decimal("30.00"), Decimal("25.50")),
            (9002, native_period): (Decimal("80.00"), Decimal("80.00"), Decimal("80.00")),
        }
        assert {o.external_ref: (o.status, o.subtotal, o.pv_total, o.cv_total) for o in Order.objects.all()} == {
            "history:A-1": ("paid", Decimal("124.98"), Decimal("80.00"), Decimal("100.00")),
            "history:A-2": ("paid", Decimal("49.99"), Decimal("40.00"), Decimal("35.00")),
            "history:A-3": ("refunded", Decimal("15.00"), Decimal("0.00"), Decimal("10.00")),
            "history:A-4": ("paid", Decimal("39.99"), Decimal("30.00"), Decimal("25.50")),
            f"history:{native.number}": ("paid", Decimal("94.98"), Decimal("80.00"), Decimal("80.00")),
        }


def test_command_writes_the_file_or_standard_output(alpha, tmp_path, capsys):
    with schema_context(alpha.schema):
        company_with_members_and_products()
        orders_history_import(text=io.StringIO(HISTORY))
        expected = "".join(orders_history_export_rows())
    call_command("export_order_history", alpha.schema, "--output", str(tmp_path / "out.csv"))
    assert (tmp_path / "out.csv").read_bytes().decode() == expected
    call_command("export_order_history", alpha.schema)
    assert capsys.readouterr().out == expected
    with pytest.raises(CommandError, match="no company with schema 'nosuch'"):
        call_command("export_order_history", "nosuch")


def test_api_is_admin_only_streams_csv_and_each_company_gets_its_own(alpha, beta, alpha_client, beta_client):
    with schema_context(alpha.schema):
        company_with_members_and_products()
        orders_history_import(text=io.StringIO(HISTORY))
        CompanyStaffFactory(email="staff@alpha.test")
    response = alpha_client.get(URL, **token(alpha_client, alpha.admin_email))
    assert (response.status_code, response["Content-Type"], response["Content-Disposition"]) == (
        200, "text/csv; charset=utf-8", 'attachment; filename="order-history.csv"',
    )  # fmt: skip
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0] + "\r\n" == HEADER
    assert len(body.splitlines()) == 6

    assert alpha_client.get(URL, **token(alpha_client, "staff@alpha.test")).status_code == 403
    assert alpha_client.get(URL).status_code == 401
    assert alpha_client.get(URL, **token(beta_client, beta.admin_email)).status_code == 401
    beta_response = beta_client.get(URL, **token(beta_client, beta.admin_email))
    assert b"".join(beta_response.streaming_content).decode() == HEADER  # beta has no orders
