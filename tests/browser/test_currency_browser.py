"""In Chromium (issue 19 item 5): an admin opens an approved run's exchange rates from its review, enters the EUR rate
in the form of that currency, and after posting a Spanish distributor reads the period in euros at that rate, in
Spanish number format. Both pages at 1366×900 and 390×844: no sideways scroll, no serious axe-core violation.
The company is onboarded for this module and removed after it.

Hand-computed: root <- sally <- tom each buy one 100 CV kit in January 2026; unilevel 10 % / 5 %: sally is paid 10.00
USD on tom's order, root 15.00. sally is in the ES market (EUR): 10.00 × 0.9137 = 9.137 -> 9,14 €.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from conftest import PASSWORD
from tenants.services import company_onboard
from tests.browser.test_cards_browser import _axe_serious, _no_sideways_scroll
from tests.browser.test_web_browser import sign_in
from tests.committed import companies_drop
from tests.factories.catalogue import KitFactory
from tests.factories.members import MemberFactory
from tests.factories.orders import PaidOrderFactory

pytestmark = pytest.mark.browser

SUB = "webfx"
PLAN = {
    "schema": 1,
    "name": "Currency plan",
    "active": {"min_pv": "100"},
    "ranks": [{"code": "bronze", "min_pv": "100"}],
    "components": [{"type": "unilevel", "code": "unilevel", "name": "Team Bonus", "rates": ["10", "5"]}],
}
VIEWPORTS = [((1366, 900), "desktop"), ((390, 844), "phone")]


def _enroll(sponsor, username: str, market=None):
    from core.members.models import Member

    member = MemberFactory(sponsor=sponsor, username=username, email=f"{username}@{SUB}.test",
                           first_name=username.title(), last_name="Currency",
                           joined_at=datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC))  # fmt: skip
    Member.objects.filter(pk=member.pk).update(market=market)
    return member


def _setup() -> dict:
    from core.accounts.models import User
    from core.commerce.models import MarketPrice
    from core.company.models import Market
    from plans.services import period_get_or_create, run_preview
    from plans.services_periods import period_close
    from plans.services_plan_versions import plan_version_activate, plan_version_create
    from plans.services_posting import run_approve

    company_onboard(
        name=SUB.title(), subdomain=SUB, admin_email=f"admin@{SUB}.test", admin_password=PASSWORD,
        send_invitation=False,
    )  # fmt: skip
    with schema_context(SUB), mock.patch("plans.tasks.commission_run_execute.delay"):
        admin = User.objects.get(email=f"admin@{SUB}.test")
        spain = Market.objects.create(code="ES", name="España", countries=["ES"], currency="EUR", language="es")
        root = _enroll(None, "xroot")
        sally = _enroll(root, "xsally", market=spain)
        tom = _enroll(sally, "xtom", market=spain)
        kit = KitFactory()
        # Sally and Tom buy in Spain, in euros (volumes are currency-free: 100 CV each wherever it is bought).
        MarketPrice.objects.create(
            market=spain, product=kit, retail_price=Decimal("115.00"), distributor_price=Decimal("92.00")
        )
        for member in (root, sally, tom):
            PaidOrderFactory(buyer_member=member, lines=[("KIT", 1)],
                             paid_at=datetime.datetime(2026, 1, 10, 12, tzinfo=datetime.UTC))  # fmt: skip
        january = period_get_or_create(day=datetime.date(2026, 1, 1))
        version = plan_version_create(document=PLAN, by=admin)
        plan_version_activate(version=version, effective_from=datetime.date(2026, 1, 1), by=admin)
        run = run_approve(run=run_preview(period=january, by=admin), by=admin)
        period_close(period=january, by=admin)
        return {"run": run.pk, "period": january.pk}


def _post(run_id: int) -> None:
    from core.accounts.models import User
    from plans.models import CommissionRun
    from plans.services_posting import run_post

    with schema_context(SUB), mock.patch("plans.tasks.commissions_posted_notify.delay"):
        run_post(run=CommissionRun.objects.get(pk=run_id), by=User.objects.get(email=f"admin@{SUB}.test"))


@pytest.fixture(scope="module")
def approved(committed, live_server_process):
    committed(_teardown)
    ids = committed(_setup)
    yield ids
    committed(_teardown)


def _teardown():
    companies_drop(SUB)


def test_admin_enters_the_eur_rate_and_a_spanish_distributor_reads_euros(approved, committed, browser, url, screenshot):
    run, period = approved["run"], approved["period"]
    for (width, height), name in VIEWPORTS:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, url, SUB, f"admin@{SUB}.test", "/console/")
        page.goto(url(SUB, f"/console/commissions/runs/{run}/review/"))
        first = name == "desktop"  # the desktop pass enters 0.91; the phone pass finds it and corrects it to 0.9137
        expect(page.get_by_test_id("run-rates")).to_contain_text("EUR: no rate yet" if first else "1 USD = 0.9100 EUR")
        page.get_by_role("link", name="Enter or import the exchange rates").click()
        if first:
            expect(page.get_by_test_id("rate-EUR-missing")).to_be_visible()
        expect(page.get_by_test_id("rate-EUR")).to_contain_text("1 member paid $10.00 by this run.")
        _no_sideways_scroll(page)
        assert _axe_serious(page) == []
        screenshot(page, f"currency-rates-{name}")
        page.get_by_label("Rate for EUR").fill("0.91" if first else "0.9137")
        page.get_by_role("button", name="Save the EUR rate").click()
        expect(page.get_by_test_id("rate-EUR-value")).to_contain_text(
            "1 USD = 0.9100 EUR" if first else "1 USD = 0.9137 EUR"
        )
        _no_sideways_scroll(page)
        screenshot(page, f"currency-rates-saved-{name}")
        context.close()

    committed(lambda: _post(run))
    for (width, height), name in VIEWPORTS:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, url, SUB, f"xsally@{SUB}.test", "/office/")
        context.set_extra_http_headers({"Accept-Language": "es-ES,es;q=0.9"})  # her browser prefers Spanish
        page.goto(url(SUB, f"/office/earnings/{period}/"))
        expect(page.get_by_test_id("period-total")).to_have_text("10,00\xa0US$")
        expect(page.get_by_test_id("period-converted")).to_contain_text("En EUR: 10,00\xa0US$ a 0,9137 = 9,14\xa0€")
        _no_sideways_scroll(page)
        assert _axe_serious(page) == []
        screenshot(page, f"currency-office-period-{name}")
        context.close()
