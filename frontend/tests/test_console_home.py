"""The console home: the company's day at a glance. Its figures equal the sales report's for the same day and the
database's own counts; staff read it, distributors and visitors cannot open it."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import F, Sum
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from core.commerce.models import Order, Product
from core.commerce.selectors.periods import company_date
from core.members.models import Member, MemberStatus
from frontend.tests.conftest import signed_in
from frontend.tests.test_console_commerce import _order, products, staff_client  # noqa: F401 (fixtures)
from plans.services import period_get_or_create
from tests.factories.members import CustomerFactory

pytestmark = pytest.mark.django_db


def test_home_figures_equal_the_sales_report_and_the_database(alpha, admin_client, org, products):  # noqa: F811
    first = _order(alpha, org.ann)  # 2 × SHAKE, paid
    _order(alpha, org.bob, sku="BAR", quantity=1)  # paid
    _order(alpha, org.cat, quantity=1, paid=False)  # awaiting payment
    with schema_context(alpha.schema):
        Product.objects.filter(sku="BAR").update(low_stock_threshold=5)  # 2 left of BAR after the order: low
        today = company_date(timezone.now())
        paid_today = Order.objects.filter(paid_on=today).aggregate(net=Sum(F("total") - F("refunded_amount")))["net"]
        members, active = Member.objects.count(), Member.objects.filter(status=MemberStatus.ACTIVE).count()
        joined_today = sum(1 for m in Member.objects.all() if company_date(m.joined_at) == today)
    assert first.paid_on == today
    assert paid_today == Decimal("87.98")

    home = admin_client.get("/console/")
    s = home.context["summary"]
    assert (s.today_sales["orders"], s.today_sales["net_sales"]) == (2, Decimal("87.98"))
    assert (s.today_sales["pv"], s.today_sales["cv"]) == (Decimal("88.00"), Decimal("77.00"))
    assert (s.members, s.active, s.enrolments_today) == (members, active, joined_today)
    assert (s.members, s.active) == (5, 5)
    assert (s.awaiting_payment, s.awaiting_shipping) == (1, 2)
    assert s.low_stock == 1
    assert s.transitions_today == 0
    # the same day in the sales report: its one row and its totals row are the home's figures
    day = today.isoformat()
    report = admin_client.get(f"/console/reports/?report=sales-day&start={day}&end={day}")
    assert list(report.context["page_obj"]) == [
        [today, s.today_sales["orders"], s.today_sales["net_sales"], Decimal("0.00"), Decimal("88.00"),
         Decimal("77.00")]
    ]  # fmt: skip
    assert report.context["totals"][1:3] == [("count", 2), ("money", Decimal("87.98"))]
    period = admin_client.get(f"/console/reports/?report=sales-day&start={s.period_start.isoformat()}&end={day}")
    assert period.context["totals"][2] == ("money", s.period_sales["net_sales"])
    html = home.content.decode()
    assert "$87.98" in html
    assert 'href="/console/orders/?status=pending"' in html
    assert 'href="/console/orders/?status=paid"' in html
    assert 'href="/console/inventory/low/"' in html
    assert f'href="/console/demotion/report/?day={day}"' in html


def test_reports_show_headers_in_words_totals_and_currency(alpha, admin_client, org, products):  # noqa: F811
    order = _order(alpha, org.ann)
    _order(alpha, org.bob, sku="BAR", quantity=1)
    day = order.paid_on.isoformat()
    html = admin_client.get(f"/console/reports/?report=sales-product&start={day}&end={day}").content.decode()
    assert "Personal volume (PV)" in html and ">Pv<" not in html
    assert "<td>$79.98</td>" in html.replace(' class="num"', "")
    totals = admin_client.get(f"/console/reports/?report=sales-product&start={day}&end={day}").context["totals"]
    assert totals[2:] == [("count", 3), ("money", Decimal("87.98")), ("volume", Decimal("88.00"))]
    volumes = admin_client.get(f"/console/reports/?report=volumes&period={day}").context["totals"]
    assert volumes[3:] == [("volume", Decimal("88.00")), ("volume", Decimal("88.00")), ("volume", Decimal("77.00"))]


def test_staff_read_the_home_and_others_cannot(alpha, org, staff_client, ann_client):  # noqa: F811
    page = staff_client.get("/console/")
    assert page.status_code == 200
    assert "(read only)" in page.content.decode()
    assert staff_client.get("/console/reports/income-disclosure/print/").status_code == 200
    assert ann_client.get("/console/").status_code == 403
    with schema_context(alpha.schema):
        CustomerFactory(distributor=org.ann, email="shopper@example.test", first_name="Sam", last_name="Shopper")
    shopper = signed_in(alpha, "shopper@example.test")
    for path in ("/console/", "/console/reports/", "/console/reports/income-disclosure/print/"):
        assert shopper.get(path).status_code == 403, path
    assert Client(HTTP_HOST=alpha.host).get("/console/")["Location"].startswith("/accounts/login/")


def test_the_commission_card_names_the_period_and_its_deadline(alpha, admin_client):
    s = admin_client.get("/console/").context["summary"]
    with schema_context(alpha.schema):
        today = company_date(timezone.now())
    assert (s.commission.start, s.commission.status, s.commission.deadline_text) == (
        today.replace(day=1),
        "Not listed yet",
        "Period ends",
    )
    assert s.commission.deadline == s.period_end


def test_a_past_period_left_open_is_the_one_to_close(alpha, admin_client):
    with schema_context(alpha.schema):
        today = company_date(timezone.now())
        last_month = period_get_or_create(day=today.replace(day=1) - datetime.timedelta(days=1))
    c = admin_client.get("/console/").context["summary"].commission
    assert (c.start, c.end, c.status, c.run_status) == (last_month.start, last_month.end, "Open", "")
    assert (c.deadline_text, c.deadline) == ("Can be closed since", today.replace(day=1))
    assert "Can be closed since" in admin_client.get("/console/").content.decode()
