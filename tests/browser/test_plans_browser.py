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
from pathlib import Path

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
    page.get_by_role("button", name="Edit as JSON (advanced)").click()
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
    lines_url = page.url.replace("/review/", "/lines/")
    _approve_close_and_post(page, screenshot)
    _posted_lines_explained(page, lines_url, screenshot)

    office = page.context.browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(office, url, SUB, f"psally@{SUB}.test", "/office/")
    # The dashboard shows the current period; January (previewed, not posted) is on its own earnings page.
    office.goto(url(SUB, f"/office/earnings/{committed(_january_pk)}/"))
    expect(office.get_by_test_id("paid-as-rank")).to_have_text("Consultant")
    expect(office.get_by_test_id("rank-missing")).to_contain_text("more GV")
    assert office.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(office, "phone-office-rank-progress")
    office.context.close()


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def _axe_serious(page) -> list[str]:
    """axe-core's serious and critical violations on the page (evaluated through the DevTools protocol, which the
    page's CSP does not govern). axe-core is pinned in package.json and installed by `make assets`: missing, the test
    fails."""
    assert AXE.exists(), "axe-core is not installed in node_modules: run `make assets`"
    page.evaluate(AXE.read_text() + "\n;0")
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id + ': ' + v.nodes[0].target)"
    )


def _posted_lines_explained(page, lines_url, screenshot):
    """The posted run's lines: every amount with its currency, each line explained in words."""
    page.goto(lines_url)
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("tbody")).to_contain_text("$5.00")
    expect(rows.first.locator("td").last).to_contain_text("5.00 % of order #")
    expect(rows.first.locator("td").last).to_contain_text("= $5.00")
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert _axe_serious(page) == []
        screenshot(page, f"console-run-lines-{width}")
    page.set_viewport_size({"width": 1366, "height": 900})


def _approve_close_and_post(page, screenshot):
    """Issue 15: approving and posting ask for confirmation showing amount, payees and period; posting an open
    period is refused with the reason; the admin closes it (confirmed) and posts."""
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("link", name="Approve…").click()
    summary = page.get_by_test_id("confirm-summary")
    expect(summary).to_contain_text("2026-01-01 – 2026-01-31")
    expect(summary).to_contain_text("$15.00")
    expect(summary.locator("dd").nth(2)).to_have_text("2")  # payees: sally and root
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Tick the box to confirm.")).to_be_visible()  # no confirmation, nothing approved
    page.get_by_label("I have checked the amount, the number of payees and the period.").check()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("run-status")).to_have_text("Approved")

    page.get_by_role("link", name="Post to the ledger…").click()
    expect(page.get_by_test_id("refusal")).to_have_text(
        "The period 2026-01-01 – 2026-01-31 is still open: orders paid in it would still count. Close the period "
        "first (Commissions → Close period), then post."
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert _axe_serious(page) == []
    screenshot(page, "console-post-refused-open-period")
    page.get_by_role("link", name="Close the period").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Close the period 2026-01-01 – 2026-01-31")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert _axe_serious(page) == []
    screenshot(page, "phone-console-close-period")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_label("I understand that closing the period cannot be undone.").check()
    page.get_by_role("button", name="Close the period").click()
    expect(page.get_by_test_id("period-2026-01-01").get_by_test_id("closed")).to_contain_text("closed")

    page.get_by_role("link", name="Review").first.click()
    page.get_by_role("link", name="Post to the ledger…").click()
    expect(page.get_by_test_id("confirm-summary")).to_contain_text("$15.00")
    page.get_by_label("I have checked the amount, the number of payees and the period.").check()
    assert _axe_serious(page) == []
    screenshot(page, "console-post-confirm")
    page.get_by_role("button", name="Post to the ledger").click()
    page.get_by_role("link", name="Audit log").click()
    expect(page.locator("tbody")).to_contain_text("Period closed")
    expect(page.locator("tbody")).to_contain_text("Run approved")
    expect(page.locator("tbody")).to_contain_text("$15.00")
    assert _axe_serious(page) == []
    screenshot(page, "console-money-audit")


def test_admin_tries_an_option_on_a_copy_of_the_plan(plans_company, page, url, screenshot, committed):
    """Issue 20: the what-if of one option queues the plan and its copy in the worker and compares them; here
    nobody is silver in January, so leaving silver's stairstep rate out changes nobody's pay."""
    sign_in(page, url, SUB, f"admin@{SUB}.test", "/console/")
    page.get_by_role("link", name="Compensation plan").first.click()
    page.get_by_role("link", name="What-if: try an option on a copy of the plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What-if of a plan option")
    page.get_by_label("Option").select_option("missing_rank")
    page.get_by_label("Period").select_option(str(committed(_january_pk)))
    page.get_by_role("button", name="Calculate both").click()
    page.get_by_role("link", name="See the comparison with the actual run").click(timeout=60_000)  # the worker's
    section = page.get_by_test_id("whatif")
    expect(section).to_contain_text("Option tried: A rank left out of the stairstep rates")
    expect(section).to_contain_text("0 members' pay or rank changes")
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.reload()  # laid out at this width from the start (the charts size themselves on load)
        expect(page.get_by_test_id("whatif")).to_be_visible()
        screenshot(page, f"console-whatif-compare-{width}")
        wide = page.evaluate(
            "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > innerWidth)"
            ".map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)"
        )
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), wide
        assert _axe_serious(page) == []
