"""In Chromium: the back office laid out right to left (issue 19, item 6). The stylesheets use logical properties
(margin-inline-start, border-inline-end, text-align: start, …), so a page whose <html dir="rtl"> mirrors: the
sidebar sits on the right at 1366x900, nothing scrolls sideways at 390x844, axe-core finds nothing serious.

No right-to-left language ships yet, so the page's direction is set in the page (``document.dir``), which is what
``<html dir>`` from the active language's bidi flag does (base.html; frontend/tests/test_languages.py checks that an
RTL language renders dir="rtl"). The company is onboarded for this module and removed after it."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from conftest import PASSWORD
from tenants.services import company_onboard
from tests.browser.test_web_browser import sign_in
from tests.committed import companies_drop
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.browser

SUB = "webrtl"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def _setup():
    company_onboard(
        name="Mirror Teas", subdomain=SUB, admin_email=f"admin@{SUB}.test", admin_password=PASSWORD,
        send_invitation=False,
    )  # fmt: skip
    with schema_context(SUB):
        joined = datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)
        root = MemberFactory(username="rroot", email=f"rroot@{SUB}.test", joined_at=joined)
        MemberFactory(sponsor=root, username="rjane", email=f"rjane@{SUB}.test", first_name="Jane", joined_at=joined)


def _teardown():
    companies_drop(SUB)


@pytest.fixture(scope="module")
def rtl_company(committed, live_server_process):
    committed(_teardown)
    committed(_setup)
    yield SUB
    committed(_teardown)


def _right_to_left(page) -> None:
    page.evaluate("document.documentElement.dir = 'rtl'")
    page.wait_for_function("getComputedStyle(document.body).direction === 'rtl'")


def _axe_serious(page) -> list[str]:
    page.evaluate(AXE.read_text())
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(' | '))"
    )


def test_the_back_office_mirrors_right_to_left(rtl_company, browser, url, screenshot):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    sign_in(page, url, SUB, f"rjane@{SUB}.test", "/office/")
    _right_to_left(page)
    sidebar = page.locator("nav.sidebar").bounding_box()
    main = page.locator("main").bounding_box()
    assert sidebar is not None and main is not None
    # The sidebar's column is on the right: it starts where the main column ends and reaches the window's edge.
    assert sidebar["x"] >= main["x"] + main["width"] - 1
    assert abs(sidebar["x"] + sidebar["width"] - 1366) <= 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert _axe_serious(page) == []
    screenshot(page, "rtl-office-dashboard")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    _right_to_left(page)
    assert page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]") == [390, 390]
    menu = page.get_by_role("button", name="Menu")
    menu_box = menu.bounding_box()
    assert menu_box is not None
    assert _axe_serious(page) == []
    screenshot(page, "rtl-phone-office-dashboard")
    context.close()


def test_the_admin_enables_spanish_and_a_visitor_switches_to_it(rtl_company, browser, url, screenshot):
    """The console's languages page, the footer's switcher and the announcement form's Spanish fieldset, in Chromium
    at both sizes: no sideways scroll, axe-core 0 serious."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    sign_in(page, url, SUB, f"admin@{SUB}.test", "/console/")
    page.goto(url(SUB, "/console/languages/"))
    page.get_by_label("Español").check()
    page.get_by_label("Default language").select_option("en")
    page.get_by_role("button", name="Save languages").click()
    page.wait_for_url("**/console/languages/")
    assert page.get_by_label("Español").is_checked()
    assert _axe_serious(page) == []
    screenshot(page, "console-languages")
    page.goto(url(SUB, "/console/announcements/new/"))
    assert page.locator("fieldset.translation legend").inner_text() == "Español"
    assert _axe_serious(page) == []
    screenshot(page, "console-announcement-per-language")
    context.close()

    for width, height in ((1366, 900), (390, 844)):
        visitor = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
        page = visitor.new_page()
        page.goto(url(SUB, "/"))
        assert page.locator("html").get_attribute("lang") == "en"
        page.get_by_label("Language").select_option("es")
        page.get_by_role("button", name="Change").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "es"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert _axe_serious(page) == []
        screenshot(page, f"site-home-switched-to-spanish-{width}")
        visitor.close()
