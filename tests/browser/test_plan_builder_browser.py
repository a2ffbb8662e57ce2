"""In Chromium: an admin builds a plan with the form — adds a rank, replaces the unilevel component with a new one,
types "fifty" into its percentages and sees the mistake at the field in plain words, fixes it and sees the worked
example change, goes through the JSON view and back, and saves. Then the builder on a phone (390x844): no sideways
scrolling, and axe-core finds nothing serious. The company is onboarded for this module and removed after it.

Worked example (plans/worked_example.py): Dee's 100 CV order, four levels below You (Silver: paid 4 levels deep).
The unilevel component added from the examples pays 5, 5, 4, 3, 2 % -> You earn 3 % = $3.00; with 5, 5, 4, 6, 2 ->
$6.00.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from conftest import PASSWORD
from core.accounts.models import User
from core.commerce.selectors.periods import period_start_for
from plans.models import PlanVersion
from plans.services_plan_versions import plan_version_activate, plan_version_create
from tenants.services import company_onboard
from tests.browser.htmx import htmx_settled
from tests.browser.test_web_browser import sign_in
from tests.committed import companies_drop

pytestmark = pytest.mark.browser

SUB = "webbuilder"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
UNILEVEL = Path(settings.BASE_DIR) / "plans" / "engine" / "examples" / "unilevel.json"


def _setup():
    company_onboard(
        name=SUB.title(), subdomain=SUB, admin_email=f"admin@{SUB}.test", admin_password=PASSWORD,
        send_invitation=False,
    )  # fmt: skip
    with schema_context(SUB):
        admin = User.objects.get(email=f"admin@{SUB}.test")
        version = plan_version_create(document=json.loads(UNILEVEL.read_text()), name="Launch plan", by=admin)
        plan_version_activate(version=version, effective_from=period_start_for(timezone.localdate()), by=admin)


def _teardown():
    companies_drop(SUB)


def _saved(name: str) -> dict:
    with schema_context(SUB):
        return PlanVersion.objects.get(name=name).document


@pytest.fixture(scope="module")
def builder_company(committed, live_server_process):
    committed(_teardown)
    committed(_setup)
    yield SUB
    committed(_teardown)


def _axe_serious(page) -> list[str]:
    page.evaluate(AXE.read_text())
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ') + ' ' + n.html.slice(0, 80)).join(' | '))"
    )


def test_admin_builds_a_plan_with_the_form(builder_company, page, url, screenshot, committed):
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, url, SUB, f"admin@{SUB}.test", "/console/")
    page.goto(url(SUB, "/console/plans/"))
    page.get_by_role("button", name="Open the editor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan builder")
    expect(page.locator("#start-from")).to_have_value("example:unilevel")  # the company's plan is unilevel
    expect(page.get_by_role("link", name="Plan reference: every setting explained")).to_have_attribute(
        "href", "/console/help/plans/"
    )
    headline = page.get_by_test_id("example-headline")
    expect(headline).to_contain_text("A 100.00 CV order placed by Dee, 4 levels below you, pays you $3.00.")

    # add a rank
    page.get_by_role("button", name="Add a rank").click()
    expect(page.get_by_test_id("rank-row")).to_have_count(4)
    page.locator("#f-ranks-3-code").fill("platinum")
    page.locator("#f-ranks-3-name").fill("Platinum")
    page.locator("#f-ranks-3-min_gv").fill("10000")
    page.locator("#f-ranks-3-min_gv").press("Tab")
    expect(page.locator("#f-ranks-3-name")).to_have_value("Platinum")

    # replace the unilevel component with a new one
    page.get_by_role("button", name="Remove (Unilevel)").click()
    expect(page.get_by_test_id("component-card")).to_have_count(0)
    expect(page.get_by_test_id("error-summary")).to_contain_text("Add at least one component")
    page.get_by_label("Component type").select_option("unilevel")
    page.get_by_role("button", name="Add component").click()
    expect(page.get_by_test_id("component-card")).to_have_count(1)
    expect(headline).to_contain_text("pays you $3.00")

    # a mistake, shown at its field in plain words, then fixed
    rates = page.locator("#f-components-0-rates")
    rates.fill("5, fifty, 4, 3")
    rates.press("Tab")
    error = page.get_by_test_id("error-components[0].rates")
    expect(error).to_have_text("Item 2: Enter a number, like 5", timeout=15_000)  # the check runs on the server
    expect(rates).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("error-summary").get_by_role("link")).to_have_text(
        "Unilevel (unilevel) · Percentages by level: Item 2: Enter a number, like 5"
    )
    expect(headline).to_have_text("Fix the problems above to see what this plan pays.")
    screenshot(page, "console-plan-builder-error")
    htmx_settled(page)
    assert _axe_serious(page) == []
    page.get_by_test_id("error-summary").get_by_role("link").click()
    expect(rates).to_be_focused()

    rates.fill("5, 5, 4, 6, 2")
    rates.press("Tab")
    expect(error).to_have_count(0)
    expect(headline).to_contain_text("pays you $6.00.")
    screenshot(page, "console-plan-builder")

    # through the JSON view and back: the same document
    page.get_by_role("button", name="Advanced: edit as JSON").click()
    document = json.loads(page.get_by_label("Plan document (JSON)").input_value())
    assert [r["code"] for r in document["ranks"]] == ["consultant", "silver", "gold", "platinum"]
    assert document["components"] == [{"type": "unilevel", "code": "unilevel", "rates": ["5", "5", "4", "6", "2"],
                                       "depth_by_rank": {"consultant": 3, "silver": 4, "gold": 5}}]  # fmt: skip
    page.get_by_role("button", name="Open in the form").click()
    expect(page.locator("#f-components-0-rates")).to_have_value("5, 5, 4, 6, 2")
    expect(page.locator("#f-ranks-3-min_gv")).to_have_value("10000")
    page.get_by_role("button", name="Advanced: edit as JSON").click()
    assert json.loads(page.get_by_label("Plan document (JSON)").input_value()) == document
    page.get_by_role("button", name="Open in the form").click()

    page.get_by_label("Label for this version (optional)").fill("Built with the form")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_test_id("version-state")).to_have_text("Draft")
    assert committed(lambda: _saved("Built with the form")) == document

    # on a phone
    phone = page.context.browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(phone, url, SUB, f"admin@{SUB}.test", "/console/")
    phone.goto(url(SUB, "/console/plans/build/"))
    expect(phone.get_by_test_id("example-headline")).to_contain_text("pays you $3.00")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert _axe_serious(phone) == []
    screenshot(phone, "phone-console-plan-builder")
    phone.goto(url(SUB, "/console/help/plans/"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Compensation plans")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert _axe_serious(phone) == []
    screenshot(phone, "phone-console-help-plans")
    phone.context.close()
