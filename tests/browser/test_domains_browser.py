"""In Chromium: a company admin adds a domain of its own on the console's Domains page, sees what to point where and
the token Canopy will look for, and the page fits at 1366x900 and 390x844 with nothing serious for axe-core."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.test_web_browser import sign_in

pytestmark = pytest.mark.browser

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
DOMAIN = "shop.alpha-browser.test"


def _forget():
    from tenants.models import CustomDomain

    CustomDomain.objects.filter(domain=DOMAIN).delete()


@pytest.fixture
def clean_domains(committed):
    committed(_forget)
    yield
    committed(_forget)


@pytest.mark.parametrize("width,height", [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_an_admin_adds_a_domain_and_sees_how_to_verify_it(clean_domains, browser, url, screenshot, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, url, "alpha", "admin@alpha.test", "/console/")
    page.goto(url("alpha", "/console/domains/"))
    page.get_by_label("Domain").fill("not a domain")
    page.get_by_role("button", name="Add the domain").click()
    assert "Enter a domain name such as shop.example.com." in page.locator(".error").inner_text()
    page.get_by_label("Domain").fill(DOMAIN.upper())
    page.get_by_role("button", name="Add the domain").click()
    row = page.get_by_test_id("custom-domain")
    assert DOMAIN in row.inner_text() and "Waiting for verification" in row.inner_text()
    assert f"http://{DOMAIN}/.well-known/canopy-domain-verification" in row.inner_text()
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    screenshot(page, f"console-domains-{width}x{height}")
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]  # fmt: skip
    assert serious == []
    context.close()
