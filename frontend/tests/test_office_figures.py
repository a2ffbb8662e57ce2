"""One set of figures in the back office (issue 14): PV, PSV, CV, GV, paid-as and highest rank, progress and the
projected commissions come from plans.selectors_period_figures.member_period_figures and read the same on the dashboard,
the earnings page, a member's page and the API. Every expected value is read from the database, not from a page.

The company (frontend conftest ``org``): house <- ann <- bob <- cat, house <- dan. House, ann, bob and cat each buy one
100 PV / 100 CV kit this period. Plan: unilevel 10 % / 5 % with compression, active = 100 PV, ranks Bronze (100 PV)
and Silver (100 PV, 300 GV). Hand-computed: GV cat 100, bob 200, ann 300, house 400 -> ann and house Silver, bob and
cat Bronze; paid house 15.00 (10 on ann's order, 5 on bob's), ann 15.00 (10 on bob's, 5 on cat's), bob 10.00, cat 0.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from core.commerce.models import MemberVolume, Order, PlacedBy
from core.commerce.selectors.periods import company_date
from core.company.services import company_settings_get
from frontend.common import formatting
from frontend.tests.conftest import signed_in
from plans.models import CommissionRun, RunKind, RunMemberResult
from plans.services import period_get_or_create, period_projection_refresh, run_preview
from plans.services_periods import period_close
from plans.services_plan_versions import plan_version_activate, plan_version_create
from plans.services_posting import run_approve, run_post
from plans.tests.conftest import JAN
from tests.factories.catalogue import KitFactory
from tests.factories.members import CustomerFactory
from tests.factories.orders import PaidOrderFactory

pytestmark = pytest.mark.django_db

PLAN = {
    "schema": 1,
    "name": "Test unilevel",
    "active": {"min_pv": "100"},
    "ranks": [
        {"code": "bronze", "name": "Bronze", "min_pv": "100"},
        {"code": "silver", "name": "Silver", "min_pv": "100", "min_gv": "300"},
    ],
    "components": [{"type": "unilevel", "code": "unilevel", "name": "Team commission", "rates": ["10", "5"]}],
}


def _text(html: str, testid: str) -> str:
    found = re.findall(rf'data-testid="{testid}"[^>]*>(.*?)</', html, re.S)
    assert len(found) == 1, f"{testid}: {found}"
    return found[0].strip()


def _db_volumes(member, start) -> dict[str, Decimal]:
    """Straight from the tables: the member's volume row and the PSV summed over their sponsor subtree."""
    row = MemberVolume.objects.get(member=member, period_start=start)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(v.psv) FROM commerce_membervolume v JOIN members_member m ON m.id = v.member_id "
            "WHERE v.period_start = %s AND %s = ANY(m.sponsor_path)",
            [start, member.pk],
        )
        gv = cursor.fetchone()[0]
    return {"pv": row.pv, "psv": row.psv, "cv": row.cv, "gv": gv}


@pytest.fixture
def month(alpha, org):
    """This period's orders and the plan; ann's stored rank is a stale "bronze" from an older run (the issue's
    'paid-as silver' next to 'Consultant')."""
    with schema_context(alpha.schema):
        KitFactory()
        version = plan_version_create(document=PLAN)
        plan_version_activate(version=version, effective_from=JAN)
        for member in (org.root, org.ann, org.bob, org.cat):
            PaidOrderFactory(buyer_member=member, lines=[("KIT", 1)])
        org.ann.paid_as_rank, org.ann.highest_rank = "bronze", "bronze"
        org.ann.save(update_fields=["paid_as_rank", "highest_rank"])
        period = period_get_or_create(day=company_date(timezone.now()))
        return {"period": period, "start": period.start}


def test_projection_keeps_only_the_latest_and_pays_the_hand_computed_amounts(alpha, org, month):
    with schema_context(alpha.schema):
        period_projection_refresh()
        run = period_projection_refresh()
        assert list(CommissionRun.objects.filter(kind=RunKind.PROJECTION).values_list("pk", flat=True)) == [run.pk]
        assert RunMemberResult.objects.exclude(run_id=run.pk).count() == 0
        earned = dict(RunMemberResult.objects.filter(run_id=run.pk).values_list("member_id", "earned_cents"))
        assert earned == {org.root.pk: 1500, org.ann.pk: 1500, org.bob.pk: 1000, org.cat.pk: 0, org.dan.pk: 0}
        month["period"].refresh_from_db()
        assert month["period"].status == "open"  # a projection is not a preview: the admin's workflow is untouched


def test_dashboard_earnings_and_api_show_the_same_live_figures_as_the_database(alpha, org, month):
    with schema_context(alpha.schema):
        run = period_projection_refresh()
        # After the projection, a customer of bob pays: live PSV moves on (the PSV 192 next to 90).
        customer = CustomerFactory(distributor=org.bob, with_login=False)
        PaidOrderFactory(lines=[("KIT", 1)], placed_by=PlacedBy.CUSTOMER, buyer_customer=customer)
        db = _db_volumes(org.bob, month["start"])
        ranked = RunMemberResult.objects.get(run_id=run.pk, member_id=org.bob.pk)
    assert (db["pv"], db["psv"], db["gv"]) == (Decimal("100.00"), Decimal("200.00"), Decimal("300.00"))
    assert ranked.rank == 0  # Bronze in the projection, calculated before the customer's order

    bob = signed_in(alpha, "bob@example.test")
    pages = [bob.get("/office/").content.decode(), bob.get("/office/earnings/").content.decode()]
    for html in pages:
        assert _text(html, "pv") == "100.00"
        assert _text(html, "psv") == "200.00"
        assert _text(html, "cv") == f"{db['cv']:,.2f}"
        assert _text(html, "gv") == "300.00"
        assert _text(html, "paid-as-rank") == "Bronze"
        assert _text(html, "projected") == "$10.00"
        assert "Shown once the compensation plan runs" not in html
        assert "bronze" not in html  # the rank by the company's name, never its code
        assert "An estimate: what these figures would pay if the period closed now." in html
        assert "Live figures so far this period" in html
    # Progress counts the same live GV the card shows: 300 of 300 for Silver.
    assert "Every criterion is met." in pages[0]

    api = bob.get("/api/v1/earnings/figures/").json()
    assert (api["pv"], api["psv"], api["cv"], api["gv"]) == ("100.00", "200.00", f"{db['cv']:.2f}", "300.00")
    assert (api["source"], api["paid_as_rank"], api["projected"], api["missing"]) == ("live", "Bronze", "10.00", [])


def test_one_paid_as_rank_on_the_dashboard_by_the_companys_name(alpha, org, month, ann_client):
    with schema_context(alpha.schema):
        run = period_projection_refresh()
        rank = RunMemberResult.objects.get(run_id=run.pk, member_id=org.ann.pk).rank
    html = ann_client.get("/office/").content.decode()
    assert PLAN["ranks"][rank]["name"] == "Silver"
    assert _text(html, "paid-as-rank") == "Silver"
    assert _text(html, "highest-rank") == "Highest rank ever: Silver"
    assert html.count('data-testid="paid-as-rank"') == 1


def test_before_any_calculation_the_rank_says_so_and_volumes_are_live(alpha, org, month, ann_client):
    with schema_context(alpha.schema):
        db = _db_volumes(org.ann, month["start"])
    html = ann_client.get("/office/").content.decode()
    assert _text(html, "paid-as-rank") == "Not calculated yet"
    assert _text(html, "gv") == f"{db['gv']:,.2f}" == "300.00"


def _close(period) -> None:
    """Periods close before they post; this one is the current month, so close it as of the day after its end."""
    period_close(period=period, by=None, today=period.end + datetime.timedelta(days=1))


def test_a_posted_period_reads_the_posted_run(alpha, org, month, ann_client):
    with schema_context(alpha.schema):
        run = run_approve(run=run_preview(period=month["period"]))
        _close(month["period"])
        run_post(run=run)
        mine = RunMemberResult.objects.get(run_id=run.pk, member_id=org.ann.pk)
        period_pk = month["period"].pk
    html = ann_client.get(f"/office/earnings/{period_pk}/").content.decode()
    assert _text(html, "gv") == f"{Decimal(mine.gv) / 100:,.2f}" == "300.00"
    assert _text(html, "earned") == "$15.00"
    assert _text(html, "period-total") == "<strong>$15.00"
    assert "Final figures of this period" in html
    api = ann_client.get(f"/api/v1/earnings/figures/?period={period_pk}").json()
    assert (api["source"], api["gv"], api["earned"], api["paid_as_rank"]) == ("run", "300.00", "15.00", "Silver")


def test_earnings_lines_name_the_bonus_and_the_member_and_explain_the_level(alpha, org, month, ann_client):
    with schema_context(alpha.schema):
        run = run_approve(run=run_preview(period=month["period"]))
        _close(month["period"])
        run_post(run=run)
        period_pk = month["period"].pk
    html = ann_client.get(f"/office/earnings/{period_pk}/").content.decode()
    assert "Team commission" in html and ">unilevel<" not in html and "unilevel:" not in html
    assert "Bob Tester #" in html and "Cat Tester #" in html
    assert "pays as level 2" in html  # the note that explains "2 (4 in the tree)"


def test_member_detail_shows_figures_orders_contacts_and_the_path(alpha, org, month, ann_client):
    with schema_context(alpha.schema):
        row = company_settings_get()
        row.office_contact_email, row.office_contact_phone = False, True
        row.save()
        org.cat.phone = "+1 555 0100"
        org.cat.save(update_fields=["phone"])
        db = _db_volumes(org.cat, month["start"])
        total = Order.objects.get(buyer_member=org.cat).total
    html = ann_client.get(f"/office/members/{org.cat.number}/").content.decode()
    assert _text(html, "psv") == f"{db['psv']:,.2f}" == "100.00"
    assert 'href="tel:+1 555 0100"' in html and "mailto:" not in html
    crumbs = re.findall(r"<li>(.*?)</li>", html.split('data-testid="tree-path"')[1].split("</ol>")[0])
    assert [re.sub(r"<[^>]+>", "", c) for c in crumbs] == ["You", "Bob Tester", "Cat Tester"]
    orders = html.split('data-testid="member-orders"')[1].split("</table>")[0]
    assert re.findall(r'data-label="Amount">(.*?)</td>', orders) == [f"${total:,.2f}"]


def test_money_numbers_and_dates_follow_the_locale():
    with translation.override("en-us"):
        assert formatting.money(Decimal("233127"), "USD") == "$233,127.00"
        assert formatting.number(Decimal("233127")) == "233,127.00"
        assert formatting.day(datetime.date(2026, 11, 30)) == "Nov 30, 2026"
        assert formatting.day("2026-12-07") == "Dec 7, 2026"  # a date carried as text in a JSON summary
        assert formatting.day("soon") == "soon"
    with translation.override("de"):
        assert formatting.money(Decimal("1234.5"), "EUR") == "1.234,50\xa0€"


def test_manifest_and_icon_in_the_companys_branding(alpha, ann_client):
    with schema_context(alpha.schema):
        row = company_settings_get()
        name, color = row.display_name, row.primary_color
    manifest = ann_client.get("/office/manifest.webmanifest").json()
    assert (manifest["name"], manifest["theme_color"], manifest["start_url"]) == (
        f"{name} back office",
        color,
        "/office/",
    )
    icon = ann_client.get("/office/icons/192.png")
    assert (icon["Content-Type"], icon.content[:8]) == ("image/png", b"\x89PNG\r\n\x1a\n")
