"""In Chromium: the distributor's back office (issue 14). The dashboard, the earnings page and the API show the same
figures for the same member and period, each checked against the database; at 390x844 no back-office page scrolls
sideways and the menu button opens and closes the navigation; axe-core finds nothing serious or critical on the
dashboard and the earnings page. The company is onboarded for this module and removed after it.

Data: root <- jane <- bob <- cat; root, jane, bob and cat each buy one 100 PV / 100 CV kit this period and in January
2026 (posted), and a customer of jane buys one more kit this period after the projection was calculated. Plan:
unilevel 10 % / 5 %, ranks Consultant (100 PV) and Silver (100 PV, 300 GV).
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from conftest import PASSWORD
from core.commerce.models import MemberVolume, Order, PlacedBy
from core.commerce.selectors.periods import company_date
from core.members.models import Member
from plans.models import CommissionPeriod
from plans.services import period_get_or_create, period_projection_refresh, run_preview
from plans.services_periods import period_close
from plans.services_plan_versions import plan_version_activate, plan_version_create
from plans.services_posting import run_approve, run_post
from tenants.services import company_onboard
from tests.browser.test_web_browser import sign_in
from tests.committed import companies_drop
from tests.factories.catalogue import KitFactory
from tests.factories.members import CustomerFactory, MemberFactory
from tests.factories.orders import PaidOrderFactory

pytestmark = pytest.mark.browser

SUB = "weboffice"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PLAN = {
    "schema": 1,
    "name": "Office unilevel",
    "active": {"min_pv": "100"},
    "ranks": [
        {"code": "consultant", "name": "Consultant", "min_pv": "100"},
        {"code": "silver", "name": "Silver", "min_pv": "100", "min_gv": "300"},
    ],
    "components": [{"type": "unilevel", "code": "unilevel", "rates": ["10", "5"]}],
}


def _enroll(sponsor, username: str):
    return MemberFactory(sponsor=sponsor, username=username, email=f"{username}@{SUB}.test",
                         first_name=username.title(), last_name="Officer",
                         joined_at=datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC))  # fmt: skip


def _setup():
    company_onboard(
        name="Office Teas", subdomain=SUB, admin_email=f"admin@{SUB}.test", admin_password=PASSWORD,
        send_invitation=False,
    )  # fmt: skip
    with schema_context(SUB):
        root = _enroll(None, "oroot")
        jane = _enroll(root, "ojane")
        bob = _enroll(jane, "obob")
        cat = _enroll(bob, "ocat")
        KitFactory()
        version = plan_version_create(document=PLAN)
        plan_version_activate(version=version, effective_from=datetime.date(2026, 1, 1))
        for member in (root, jane, bob, cat):
            PaidOrderFactory(buyer_member=member, lines=[("KIT", 1)],
                             paid_at=datetime.datetime(2026, 1, 10, 12, tzinfo=datetime.UTC))  # fmt: skip
            PaidOrderFactory(buyer_member=member, lines=[("KIT", 1)])
        january = period_get_or_create(day=datetime.date(2026, 1, 1))
        run = run_approve(run=run_preview(period=january))
        period_close(period=january, by=None)  # periods close before they post
        run_post(run=run)
        period_get_or_create(day=company_date(timezone.now()))
        period_projection_refresh()
        customer = CustomerFactory(distributor=jane, first_name="Carla", with_login=False)
        PaidOrderFactory(lines=[("KIT", 1)], placed_by=PlacedBy.CUSTOMER, buyer_customer=customer)


def _teardown():
    companies_drop(SUB)


@pytest.fixture(scope="module")
def office_company(committed, live_server_process):
    committed(_teardown)
    committed(_setup)
    yield SUB
    committed(_teardown)


def _db_figures(committed, username: str) -> dict:
    """Jane's figures of the current period straight from the tables."""

    def read():
        with schema_context(SUB):
            member = Member.objects.get(username=username)
            start = company_date(timezone.now()).replace(day=1)
            row = MemberVolume.objects.get(member=member, period_start=start)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT sum(v.psv) FROM commerce_membervolume v JOIN members_member m ON m.id = v.member_id "
                    "WHERE v.period_start = %s AND %s = ANY(m.sponsor_path)",
                    [start, member.pk],
                )
                gv = cursor.fetchone()[0]
            return {"pv": row.pv, "psv": row.psv, "cv": row.cv, "gv": gv, "number": member.number,
                    "cat": Member.objects.get(username="ocat").number,
                    "january": CommissionPeriod.objects.get(start=datetime.date(2026, 1, 1)).pk,
                    "order": Order.objects.filter(buyer_member=member).order_by("id").first().number}  # fmt: skip

    return committed(read)


def _shown(page) -> dict[str, str]:
    return {key: page.get_by_test_id(key).inner_text() for key in ("pv", "psv", "cv", "gv", "paid-as-rank")}


def test_dashboard_earnings_and_api_agree_with_the_database(office_company, page, url, committed, screenshot):
    db = _db_figures(committed, "ojane")
    assert (db["pv"], db["psv"], db["gv"]) == (Decimal("100.00"), Decimal("200.00"), Decimal("400.00"))
    expected = {"pv": f"{db['pv']:,.2f}", "psv": f"{db['psv']:,.2f}", "cv": f"{db['cv']:,.2f}",
                "gv": f"{db['gv']:,.2f}", "paid-as-rank": "Silver"}  # fmt: skip
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, url, SUB, f"ojane@{SUB}.test", "/office/")
    assert _shown(page) == expected
    expect(page.get_by_test_id("projected")).to_have_text("$15.00")
    expect(page.get_by_test_id("figures-source")).to_contain_text("Live figures so far this period")
    screenshot(page, "office-dashboard-figures")
    page.goto(url(SUB, "/office/earnings/"))
    assert _shown(page) == expected
    screenshot(page, "office-earnings")
    api = page.evaluate("fetch('/api/v1/earnings/figures/').then((response) => response.json())")  # same session
    assert {k: api[k] for k in ("pv", "psv", "cv", "gv", "paid_as_rank")} == {
        "pv": f"{db['pv']:.2f}", "psv": f"{db['psv']:.2f}", "cv": f"{db['cv']:.2f}", "gv": f"{db['gv']:.2f}",
        "paid_as_rank": "Silver"}  # fmt: skip


def _office_pages(db: dict) -> list[str]:
    fixed = ["/office/", "/office/genealogy/", "/office/genealogy/levels/", "/office/customers/",
             "/office/subscribers/", "/office/announcements/", "/office/training/", "/office/profile/",
             "/office/orders/", "/office/subscription/", "/office/standing/", "/office/autoships/",
             "/office/autoships/new/", "/office/parties/", "/office/parties/new/", "/office/earnings/"]  # fmt: skip
    return [*fixed, f"/office/earnings/{db['january']}/", f"/office/orders/{db['order']}/"]


def test_no_back_office_page_scrolls_sideways_on_a_phone_and_the_menu_folds(
    office_company, browser, url, committed, screenshot
):
    db = _db_figures(committed, "ojane")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, url, SUB, f"ojane@{SUB}.test", "/office/")
    wide = {}
    for path in [*_office_pages(db), f"/office/members/{db['cat']}/"]:
        page.goto(url(SUB, path))
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            wide[path] = width[0]
        screenshot(page, "phone-office" + re.sub(r"[^a-z0-9]+", "-", path.lower()).rstrip("-"))
    assert wide == {}

    page.goto(url(SUB, "/office/"))
    menu = page.get_by_role("button", name="Menu")
    earnings_link = page.get_by_role("navigation", name="Back office").get_by_role("link", name="Commissions")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(earnings_link).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(earnings_link).to_be_visible()
    screenshot(page, "phone-office-menu-open")
    menu.click()
    expect(earnings_link).to_be_hidden()
    menu.click()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    box = menu.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    context.close()


@pytest.mark.parametrize("width,height", [(1366, 900), (390, 844)], ids=["desktop", "phone"])
@pytest.mark.parametrize("path", ["/office/", "/office/earnings/"], ids=["dashboard", "earnings"])
def test_axe_finds_nothing_serious(office_company, browser, url, width, height, path):
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, url, SUB, f"ojane@{SUB}.test", "/office/")
    page.goto(url(SUB, path))
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]  # fmt: skip
    assert serious == []
    context.close()
