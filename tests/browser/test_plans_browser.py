"""In Chromium: an admin edits the compensation plan, sees the validation error on its field, fixes it, saves and
activates it, previews January (the run is a Celery task in a real worker; the page polls its progress with htmx) and
reads the review; the distributor then sees the rank progress on their dashboard. The company is onboarded for this
module and removed after it.

Hand-computed: root <- sally <- tom each buy one 100 PV / 100 CV kit in January; the unilevel example pays 5 % on
levels 1 and 2: tom's order pays sally 5.00 and root 5.00, sally's pays root 5.00 -> 15.00 on 300.00 CV (5.00 %).
"""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from conftest import PASSWORD
from plans.services import period_get_or_create
from tenants.services import company_onboard
from tests.browser.test_web_browser import sign_in
from tests.committed import companies_drop
from tests.factories.catalogue import KitFactory
from tests.factories.members import MemberFactory
from tests.factories.orders import PaidOrderFactory

pytestmark = pytest.mark.browser

SUB = "webplans"


def _enroll(sponsor, username: str):
    return MemberFactory(sponsor=sponsor, username=username, email=f"{username}@{SUB}.test",
                         first_name=username.title(), last_name="Planner",
                         joined_at=datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC))  # fmt: skip


def _setup():
    company_onboard(
        name=SUB.title(), subdomain=SUB, admin_email=f"admin@{SUB}.test", admin_password=PASSWORD,
        send_invitation=False,
    )  # fmt: skip
    with schema_context(SUB):
        root = _enroll(None, "proot")
        sally = _enroll(root, "psally")
        tom = _enroll(sally, "ptom")
        KitFactory()
        for member in (root, sally, tom):
            PaidOrderFactory(buyer_member=member, lines=[("KIT", 1)],
                             paid_at=datetime.datetime(2026, 1, 10, 12, tzinfo=datetime.UTC))  # fmt: skip
        period_get_or_create(day=datetime.date(2026, 1, 1))


def _january_pk() -> int:
    with schema_context(SUB):
        return period_get_or_create(day=datetime.date(2026, 1, 1)).pk


def _teardown():
    companies_drop(SUB)


@pytest.fixture(scope="module")
def plans_company(committed, live_server_process, celery_worker_process):
    committed(_teardown)
    committed(_setup)
    yield SUB
    committed(_teardown)


def test_admin_edits_the_plan_fixes_an_error_and_previews_a_run(plans_company, page, url, screenshot, committed):
    sign_in(page, url, SUB, f"admin@{SUB}.test", "/console/")
    page.get_by_role("link", name="Compensation plan").first.click()
    page.get_by_label("Start a new version from").select_option("example:unilevel")
    page.get_by_role("button", name="Open the editor").click()
    area = page.get_by_label("Plan document (JSON)")
    document = json.loads(area.input_value())
    document["ranks"][1]["min_gv"] = "-5"
    area.fill(json.dumps(document, indent=2))
    page.get_by_role("button", name="Save as draft").click()

    problems = page.get_by_test_id("plan-problems")
    expect(problems).to_contain_text("ranks[1].min_gv: must be a volume of at least 0")
    expect(page.locator("#id_document_error")).to_contain_text("1 problem in the plan document")
    expect(page.locator("ol.json-lines li.bad")).to_have_text(re.compile(r'^\s*"min_gv": "-5",'))
    screenshot(page, "console-plan-editor-error")

    area = page.get_by_label("Plan document (JSON)")
    document = json.loads(area.input_value())
    document["ranks"][1]["min_gv"] = "1000"
    area.fill(json.dumps(document, indent=2))
    page.get_by_label("Name:", exact=True).fill("Unilevel 2026")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_test_id("version-state")).to_have_text("Draft")
    page.get_by_label("Effective from").fill("2026-01-01")
    page.get_by_role("button", name="Activate from this period").click()
    expect(page.get_by_test_id("version-state")).to_have_text("Active from 2026-01-01")
    screenshot(page, "console-plan-version")

    page.get_by_role("link", name="Commissions", exact=True).click()
    page.get_by_role("button", name="Preview 2026-01-01 to 2026-01-31").click()
    expect(page.get_by_test_id("run-progress")).to_be_visible()
    page.get_by_role("link", name="Open the review").click(timeout=60_000)  # the worker's run, polled by htmx
    expect(page.get_by_test_id("total-paid")).to_have_text("15.00")
    expect(page.get_by_test_id("payout-ratio")).to_have_text("5.00 %")
    screenshot(page, "console-run-review")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("run-status")).to_have_text("Approved")
    expect(page.get_by_role("button", name="Post to the ledger")).to_be_visible()

    office = page.context.browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(office, url, SUB, f"psally@{SUB}.test", "/office/")
    # The dashboard shows the current period; January (previewed, not posted) is on its own earnings page.
    office.goto(url(SUB, f"/office/earnings/{committed(_january_pk)}/"))
    expect(office.get_by_test_id("paid-as-rank")).to_have_text("Consultant")
    expect(office.get_by_test_id("rank-missing")).to_contain_text("more GV")
    assert office.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(office, "phone-office-rank-progress")
    office.context.close()
