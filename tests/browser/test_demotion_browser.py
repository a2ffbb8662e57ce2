"""In Chromium: the demotion policy editor is a list of stages, one open at a time; a stage with a problem opens by
itself, the error summary at the top links to the field (in words), and the page stays short, readable and
axe-clean at 1366x900 and on a 390x844 phone. The company is onboarded for this module and removed after it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from tenants.services import company_onboard
from tests.browser.test_plans_browser import _axe_serious
from tests.browser.test_web_browser import sign_in
from tests.committed import companies_drop

pytestmark = pytest.mark.browser

SUB = "webdemotion"
PSV_TOGETHER = "Give both the minimum sales volume and its window in days, or neither."


def _setup():
    company_onboard(
        name=SUB.title(), subdomain=SUB, admin_email=f"admin@{SUB}.test", admin_password=PASSWORD,
        send_invitation=False,
    )  # fmt: skip


def _teardown():
    companies_drop(SUB)


@pytest.fixture(scope="module")
def demotion_company(committed, live_server_process):
    committed(_teardown)
    committed(_setup)
    yield SUB
    committed(_teardown)


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert _axe_serious(page) == []


def test_policy_editor_by_stage_with_an_error_summary(demotion_company, page, url, screenshot):
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, url, SUB, f"admin@{SUB}.test", "/console/")
    page.goto(url(SUB, "/console/demotion/"))
    stages = page.locator("details.stage-form")
    expect(stages).to_have_count(12)  # the seed's eleven stages and one to add
    expect(stages.nth(1).locator("summary")).to_have_text(
        "Stage 2: Commission exclusion — when no subscription was paid for 60 days or more or sales volume (PSV) is "
        "below 200.00 over 90 days"
    )  # each stage says when it applies
    assert page.evaluate("document.documentElement.scrollHeight") < 3000  # was 13,700 px with every stage open
    _fits(page)
    screenshot(page, "console-demotion-editor")

    stages.nth(1).locator("summary").click()
    window = page.locator("#id_stages-1-psv_window_days")
    expect(window).to_be_visible()
    window.fill("")
    page.get_by_role("button", name="Save policy").click()

    summary = page.get_by_test_id("error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is 1 problem with this policy")
    link = summary.get_by_role("link")
    expect(link).to_have_text(f"Stage 2 (Commission exclusion): …within this many days: {PSV_TOGETHER}")
    expect(link).to_have_attribute("href", "#id_stages-1-psv_window_days")
    expect(page.locator("#stage-1")).to_have_attribute("open", "")
    expect(page.locator("#stage-2")).not_to_have_attribute("open", "")
    expect(page.locator("#id_stages-1-psv_window_days_error")).to_have_text(PSV_TOGETHER)
    link.click()
    assert page.evaluate("location.hash") == "#id_stages-1-psv_window_days"
    expect(page.locator("#id_stages-1-psv_window_days")).to_be_in_viewport()
    _fits(page)
    screenshot(page, "console-demotion-editor-error")

    page.set_viewport_size({"width": 390, "height": 844})
    page.evaluate("window.scrollTo(0, 0)")
    _fits(page)
    screenshot(page, "phone-console-demotion-editor-error")


def test_preview_page_reads_in_words(demotion_company, page, url, screenshot):
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, url, SUB, f"admin@{SUB}.test", "/console/")
    page.goto(url(SUB, "/console/demotion/preview/?day=2026-03-01"))
    expect(page.get_by_test_id("preview").get_by_role("heading")).to_have_text("Who would change stage on 2026-03-01")
    expect(page.get_by_test_id("preview-changes").locator("tbody")).to_have_text("Nobody changes stage.")
    _fits(page)
    screenshot(page, "console-demotion-preview")
    page.set_viewport_size({"width": 390, "height": 844})
    _fits(page)
    screenshot(page, "phone-console-demotion-preview")
